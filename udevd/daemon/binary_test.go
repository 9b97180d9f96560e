package daemon

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/udevd/control"
	"github.com/sysmaster/sysmaster/udevd/uevent"
)

// TestDaemonBinary runs the udevd binary as the core would, with Debian 12's rule set: Type=notify, its uevent
// socket handed over with LISTEN_FDS. It checks that an event sent before udevd started (waiting in the host's socket) is processed, that
// a burst of 10,000 change events is processed and broadcast in order with a bounded peak RSS, reports the PSS
// at rest, and that `control exit` ends it cleanly.
func TestDaemonBinary(t *testing.T) {
	dir := t.TempDir()
	// Debian's rule set, and one rule that marks each event with its seqnum.
	bin, kernelFile, mon := burstFixture(t, dir, `SUBSYSTEM=="net", KERNEL=="lo", ENV{BURST}="$env{SEQNUM}"`)
	// An event waits in the host's socket before udevd runs.
	changeLo(t)

	notifyPath := filepath.Join(dir, "notify")
	notify, err := net.ListenUnixgram("unixgram", &net.UnixAddr{Name: notifyPath, Net: "unixgram"})
	if err != nil {
		t.Fatal(err)
	}
	defer notify.Close()
	cmd, log := runUdevd(t, bin, kernelFile, 8, "NOTIFY_SOCKET="+notifyPath)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("udevd log:\n%s", log.String())
		}
	})
	_ = notify.SetReadDeadline(time.Now().Add(30 * time.Second))
	buf := make([]byte, 4096)
	n, err := notify.Read(buf)
	if err != nil || !bytes.Contains(buf[:n], []byte("READY=1")) {
		t.Fatalf("no READY=1: %q %v", buf[:n], err)
	}
	first := receiveFor(t, mon, "/devices/virtual/net/lo")
	if first.Get("BURST") == "" {
		t.Fatalf("the event waiting in the passed socket was not processed: %v", first.Values)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := control.Send(ctx, "/run/udev/control", "settle", ""); err != nil {
		t.Fatal(err)
	}
	// A figure, not a check: the PSS once udevd has been idle past its memory trim and page-out (atRest).
	time.Sleep(restQuiet + time.Second)
	pss := memField(t, fmt.Sprintf("/proc/%d/smaps_rollup", cmd.Process.Pid), "Pss:")
	t.Logf("udevd PSS at rest after start (Debian's rules loaded): %d kB", pss)

	const burst = 10000
	got := make(chan error, 1)
	stop := make(chan struct{})
	go func() {
		var last uint64
		for i := 0; i < burst; {
			select {
			case <-stop:
				return
			default:
			}
			m, err := mon.Receive()
			if errors.Is(err, unix.EAGAIN) {
				continue
			}
			if err != nil {
				got <- err
				return
			}
			if m.Devpath() != "/devices/virtual/net/lo" {
				continue
			}
			s := m.Seqnum()
			if s <= last || m.Get("BURST") != strconv.FormatUint(s, 10) {
				got <- fmt.Errorf("event %d (BURST=%s) after %d", s, m.Get("BURST"), last)
				return
			}
			last = s
			i++
		}
		got <- nil
	}()
	defer close(stop)
	start := time.Now()
	f, err := os.OpenFile("/sys/class/net/lo/uevent", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range burst {
		if _, err := f.Write([]byte("change")); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Minute):
		t.Fatal("the burst was not processed in 5 minutes")
	}
	took := time.Since(start)
	hwm := memField(t, fmt.Sprintf("/proc/%d/status", cmd.Process.Pid), "VmHWM:")
	t.Logf("%d events in %s (%.0f/s), peak RSS %d kB", burst, took.Round(time.Millisecond), burst/took.Seconds(), hwm)
	if hwm > 100<<10 {
		t.Errorf("peak RSS %d kB during the burst: the queue is not bounded", hwm)
	}

	// A figure, not a check: the PSS once udevd has been idle past its memory trim and page-out (atRest).
	time.Sleep(restQuiet + time.Second)
	r := rollup(t, cmd.Process.Pid)
	t.Logf("udevd PSS at rest after the burst: %d kB (anonymous %d, file %d)", r["Pss:"], r["Pss_Anon:"], r["Pss_File:"])

	ctx, cancel = context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := control.Send(ctx, "/run/udev/control", "exit", ""); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("udevd after control exit: %v", err)
	}
}

// memField reads a "Key: N kB" line of a /proc file.
func memField(t *testing.T, file, key string) int {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		if f := strings.Fields(sc.Text()); len(f) >= 2 && f[0] == key {
			n, _ := strconv.Atoi(f[1])
			return n
		}
	}
	t.Fatalf("%s: no %s", file, key)
	return 0
}

// TestKilledMidBurst: udevd killed (SIGKILL) in the middle of a burst, with events read from the socket and not
// yet processed, loses none: the next udevd, given the same socket (the host holds it), takes the spooled events
// first and then the socket's. Every event of the burst is broadcast at least once (one processed but not yet
// unspooled at the kill is processed again), in SEQNUM order within each run.
func TestKilledMidBurst(t *testing.T) {
	// Slow enough that the queue is full when the kill comes: each lo event runs a program.
	bin, kernelFile, mon := burstFixture(t, t.TempDir(), `SUBSYSTEM=="net", KERNEL=="lo", ENV{BURST}="$env{SEQNUM}", PROGRAM="/bin/true"`)
	start := func() (*exec.Cmd, *syncBuffer) { return runUdevd(t, bin, kernelFile, 4) }
	first, _ := start()

	const burst = 2000
	f, err := os.OpenFile("/sys/class/net/lo/uevent", os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for range burst {
		if _, err := f.Write([]byte("change")); err != nil {
			t.Fatal(err)
		}
	}
	f.Close()

	seen := map[uint64]int{}
	var last uint64
	collect := func(until func() bool) {
		deadline := time.Now().Add(2 * time.Minute)
		for !until() {
			if time.Now().After(deadline) {
				t.Fatalf("%d of the burst's %d events broadcast", len(seen), burst)
			}
			m, err := mon.Receive()
			if errors.Is(err, unix.EAGAIN) {
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			if m.Devpath() != "/devices/virtual/net/lo" || m.Get("BURST") == "" {
				continue
			}
			s := m.Seqnum()
			if seen[s] == 0 && s < last {
				t.Errorf("event %d after %d", s, last)
			}
			seen[s]++
			last = max(last, s)
		}
	}
	collect(func() bool { return len(seen) >= 100 })
	if err := first.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = first.Wait()
	spooled, _ := os.ReadDir("/run/udev/spool")
	t.Logf("killed after %d events broadcast, %d spooled", len(seen), len(spooled))
	if len(spooled) == 0 {
		t.Fatal("nothing was spooled at the kill: the test did not kill udevd mid-burst")
	}
	_, log := start()
	last = 0 // the second run starts again from the spool's oldest
	collect(func() bool { return len(seen) >= burst })
	if !strings.Contains(log.String(), "previous udevd left unprocessed") {
		t.Errorf("the second udevd took nothing from the spool:\n%s", log.String())
	}
	again := 0
	for _, n := range seen {
		if n > 1 {
			again++
		}
	}
	t.Logf("%d events broadcast in all, %d of them twice (processed before the kill, not yet unspooled)", len(seen), again)
}

// burstFixture builds udevd into dir, installs Debian's rule set and the test's rule, and opens the host's
// uevent socket (what the core holds and hands to udevd) and a monitor of udevd's broadcasts.
func burstFixture(t *testing.T, dir, rule string) (bin string, kernel *os.File, mon *uevent.Conn) {
	t.Helper()
	bin = buildUdevd(t, dir)
	installDebianRules(t)
	if err := os.WriteFile("/run/udev/rules.d/10-burst.rules", []byte(rule+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := uevent.Open(uevent.GroupKernel)
	if err != nil {
		t.Fatal(err)
	}
	// Closed through this File only (its finalizer would close the descriptor a second time otherwise).
	kernel = os.NewFile(uintptr(c.FD()), "uevent")
	t.Cleanup(func() { kernel.Close() })
	return bin, kernel, monitor(t)
}

// runUdevd starts udevd as the core does, its uevent socket handed over with LISTEN_FDS; it is killed at the
// test's end unless it ended before.
func runUdevd(t *testing.T, bin string, kernel *os.File, childrenMax int, env ...string) (*exec.Cmd, *syncBuffer) {
	t.Helper()
	var log syncBuffer
	cmd := exec.Command("/bin/sh", "-c", `LISTEN_PID=$$ LISTEN_FDS=1 exec "$0" --children-max=`+strconv.Itoa(childrenMax), bin)
	cmd.Env = append(os.Environ(), env...)
	cmd.ExtraFiles = []*os.File{kernel}
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	return cmd, &log
}

// buildUdevd builds the executable image as `make` builds it (static, stripped: the memory figures are the
// installed binary's) into dir, named udevd: the image runs udevd by that name (cmd/sysmaster/builtins.go).
func buildUdevd(t *testing.T, dir string) string {
	t.Helper()
	bin := filepath.Join(dir, "udevd")
	build := exec.Command("go", "build", "-trimpath", "-ldflags=-s -w", "-o", bin, "github.com/sysmaster/sysmaster/cmd/sysmaster")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}
