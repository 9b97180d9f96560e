package adm

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/udevd/uevent"
)

// monitorVerb is `devctl monitor`: print the kernel's uevents and udevd's broadcasts as they come, until
// interrupted.
func monitorVerb(e *Env, args []string) error {
	f := newFlags("monitor", e)
	var kernel, udev, props bool
	var subsystems, tags list
	f.boolean(&kernel, "kernel", "k", "print the kernel's uevents")
	f.boolean(&udev, "udev", "u", "print the events udevd sends after processing the rules")
	f.boolean(&props, "property", "p", "print the event's properties")
	f.list(&subsystems, "subsystem-match", "s", "only events of SUBSYSTEM[/DEVTYPE]")
	f.list(&tags, "tag-match", "t", "only events of devices with this tag")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", pos[0])}
	}
	if !kernel && !udev {
		kernel, udev = true, true
	}
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	defer signal.Stop(sig)
	var done <-chan struct{}
	if e.Ctx != nil {
		done = e.Ctx.Done()
	}
	fmt.Fprintln(e.Stdout, "monitor will print the received events for:")
	var conns []*uevent.Conn
	var names []string
	if udev {
		c, err := uevent.Open(uevent.GroupUdev)
		if err != nil {
			return err
		}
		conns, names = append(conns, c), append(names, "UDEV")
		fmt.Fprintln(e.Stdout, "UDEV - the event which udev sends out after rule processing")
	}
	if kernel {
		c, err := uevent.Open(uevent.GroupKernel)
		if err != nil {
			return err
		}
		conns, names = append(conns, c), append(names, "KERNEL")
		fmt.Fprintln(e.Stdout, "KERNEL - the kernel uevent")
	}
	fmt.Fprintln(e.Stdout)
	var mu sync.Mutex
	var wg sync.WaitGroup
	stop := make(chan struct{})
	errc := make(chan error, len(conns))
	for i, c := range conns {
		// A receive timeout lets the reader see stop; the socket is closed only after its reader ended.
		tv := unix.NsecToTimeval((250 * time.Millisecond).Nanoseconds())
		_ = unix.SetsockoptTimeval(c.FD(), unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv)
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				m, err := c.Receive()
				if err != nil {
					if errors.Is(err, uevent.ErrMalformed) || errors.Is(err, uevent.ErrUntrusted) ||
						errors.Is(err, unix.EAGAIN) {
						continue
					}
					errc <- err
					return
				}
				if !passes(m, subsystems, tags) {
					continue
				}
				mu.Lock()
				printEvent(e, names[i], m, props)
				mu.Unlock()
			}
		}()
	}
	defer func() {
		close(stop)
		wg.Wait()
		for _, c := range conns {
			c.Close()
		}
	}()
	select {
	case <-sig:
		return nil
	case <-done:
		return nil
	case err := <-errc:
		return err
	}
}

func passes(m *uevent.Message, subsystems, tags []string) bool {
	if len(subsystems) > 0 {
		ok := false
		for _, s := range subsystems {
			sub, dt, hasDT := strings.Cut(s, "/")
			if m.Subsystem() == sub && (!hasDT || m.Devtype() == dt) {
				ok = true
			}
		}
		if !ok {
			return false
		}
	}
	for _, t := range tags {
		if !strings.Contains(m.Get("TAGS"), ":"+t+":") {
			return false
		}
	}
	return true
}

func printEvent(e *Env, source string, m *uevent.Message, props bool) {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	fmt.Fprintf(e.Stdout, "%-6s[%d.%06d] %-8s %s (%s)\n", source, ts.Sec, ts.Nsec/1000, m.Action(), m.Devpath(),
		m.Subsystem())
	if props {
		for _, k := range m.Keys {
			fmt.Fprintf(e.Stdout, "%s=%s\n", k, m.Values[k])
		}
		fmt.Fprintln(e.Stdout)
	}
}
