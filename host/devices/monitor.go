package devices

import (
	"errors"
	"fmt"
	"sync"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/udevd/uevent"
)

// Monitor receives udevd's broadcast and reports each device event to its callback, from a goroutine of its
// own.
type Monitor struct {
	conn     *uevent.Conn
	stop     [2]int // a pipe: writing to it ends the goroutine
	fn       func(*Device)
	done     chan struct{}
	closeOne sync.Once
}

// Watch joins the "udev" netlink group (udevd's libudev-format broadcast, sent only once udevd has processed an
// event and written its database entry) and reports every event from then on. fn runs on the monitor's
// goroutine, one call at a time; it should hand the device on and return. Messages from a sender that is not
// root, and malformed ones, are dropped, as libudev drops them.
func Watch(fn func(*Device)) (*Monitor, error) {
	conn, err := uevent.Open(uevent.GroupUdev)
	if err != nil {
		return nil, fmt.Errorf("devices: %w", err)
	}
	w := &Monitor{conn: conn, fn: fn, done: make(chan struct{})}
	if err := unix.Pipe2(w.stop[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		conn.Close()
		return nil, fmt.Errorf("devices: pipe: %w", err)
	}
	go w.run()
	return w, nil
}

func (w *Monitor) run() {
	defer close(w.done)
	fds := []unix.PollFd{{Fd: int32(w.conn.FD()), Events: unix.POLLIN}, {Fd: int32(w.stop[0]), Events: unix.POLLIN}}
	for {
		if _, err := unix.Poll(fds, -1); err != nil && err != unix.EINTR {
			return
		}
		if fds[1].Revents != 0 {
			return
		}
		if fds[0].Revents == 0 {
			continue
		}
		m, err := w.conn.Receive()
		switch {
		case err == nil:
			w.fn(FromMessage(m, "/sys"))
		case errors.Is(err, uevent.ErrMalformed), errors.Is(err, uevent.ErrUntrusted), errors.Is(err, unix.ENOBUFS),
			errors.Is(err, unix.EAGAIN), errors.Is(err, unix.EINTR):
			// Dropped, as libudev drops it; an overflow (ENOBUFS) lost events the socket's 128 MiB could not hold.
		default:
			return
		}
	}
}

// Close stops the monitor and waits until its callback returned for the last time.
func (w *Monitor) Close() {
	w.closeOne.Do(func() {
		unix.Write(w.stop[1], []byte{0})
		<-w.done
		w.conn.Close()
		unix.Close(w.stop[0])
		unix.Close(w.stop[1])
	})
}
