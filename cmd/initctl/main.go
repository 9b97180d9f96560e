// Package initctl is command initctl: it serves SysV init's control FIFO, /run/initctl, for sysmaster, as
// systemd-initctl does for systemd: Debian's /sbin/poweroff, reboot, halt and telinit (systemd-sysv's links to
// systemctl) fall back to it when no systemd answers on D-Bus. Its socket unit passes the FIFO (LISTEN_FDS); each
// request (struct init_request) asks for a runlevel, which becomes sysmaster's shutdown or isolate job:
//
//	0 poweroff · 6 reboot · 1, S, s rescue.target · 2, 3, 4 multi-user.target · 5 graphical.target
//
// It exits after five minutes without requests; the socket starts it again on the next one.
package initctl

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/sdk/client"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// struct init_request of sysvinit's initreq.h.
const (
	requestSize  = 384
	requestMagic = 0x03091969
	cmdRunlevel  = 1
	idleExit     = 5 * time.Minute
)

// action is what a runlevel asks of sysmaster: a shutdown, or a target to isolate.
func action(runlevel byte) (shutdown, isolate string, ok bool) {
	switch runlevel {
	case '0':
		return "poweroff", "", true
	case '6':
		return "reboot", "", true
	case '1', 'S', 's':
		return "", "rescue.target", true
	case '2', '3', '4':
		return "", "multi-user.target", true
	case '5':
		return "", "graphical.target", true
	}
	return "", "", false
}

// parse reads one request: its runlevel, or ok false for what is not a runlevel request (other commands are
// ignored, as systemd-initctl ignores them).
func parse(b []byte) (runlevel byte, ok bool, err error) {
	if len(b) != requestSize {
		return 0, false, fmt.Errorf("short request (%d bytes)", len(b))
	}
	if binary.LittleEndian.Uint32(b[0:]) != requestMagic {
		return 0, false, errors.New("bad magic")
	}
	if binary.LittleEndian.Uint32(b[4:]) != cmdRunlevel {
		return 0, false, nil
	}
	return byte(binary.LittleEndian.Uint32(b[8:])), true, nil
}

// Main runs the command on os.Args; it exits with the command's status (the image, cmd/sysmaster, calls it by
// the name it was run as).
func Main() {
	if os.Getenv("LISTEN_PID") != strconv.Itoa(os.Getpid()) || os.Getenv("LISTEN_FDS") != "1" {
		fmt.Fprintln(os.Stderr, "initctl: expects the /run/initctl FIFO from its socket unit (LISTEN_FDS=1)")
		os.Exit(1)
	}
	fifo := os.NewFile(3, "/run/initctl")
	buf := make([]byte, requestSize)
	for {
		// poll(2) bounds the wait: an idle daemon goes, the FIFO stays with the socket unit.
		fds := []unix.PollFd{{Fd: 3, Events: unix.POLLIN}}
		n, err := unix.Poll(fds, int(idleExit/time.Millisecond))
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil || n == 0 {
			return
		}
		if _, err := io.ReadFull(fifo, buf); err != nil {
			// A writer that closed mid-request; the FIFO is readable again only with a new one.
			fmt.Fprintf(os.Stderr, "initctl: %v\n", err)
			continue
		}
		level, ok, err := parse(buf)
		if err != nil {
			fmt.Fprintf(os.Stderr, "initctl: ignoring a request: %v\n", err)
			continue
		}
		if !ok {
			continue
		}
		if err := carryOut(level); err != nil {
			fmt.Fprintf(os.Stderr, "initctl: runlevel %c: %v\n", level, err)
		}
	}
}

func carryOut(level byte) error {
	shutdown, target, ok := action(level)
	if !ok {
		return errors.New("unknown runlevel")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.Dial(ctx, "")
	if err != nil {
		return err
	}
	defer c.Close()
	if shutdown != "" {
		fmt.Printf("initctl: runlevel %c: %s\n", level, shutdown)
		_, err = c.Shutdown(ctx, &controlv1.ShutdownRequest{Action: shutdown})
		return err
	}
	fmt.Printf("initctl: runlevel %c: isolating %s\n", level, target)
	_, err = c.Enqueue(ctx, &controlv1.EnqueueRequest{Units: []string{target}, Type: "isolate", Manual: true})
	return err
}
