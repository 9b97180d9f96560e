// Package fdwatch tells the core when a descriptor it holds (a socket unit's listener) becomes readable. One
// epoll instance and one goroutine serve every descriptor, however many socket units there are, and a watch
// fires once per Arm (EPOLLONESHOT), as a plugin's WatchFd asks for one FdReadable per request.
package fdwatch

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// Watcher reports readable descriptors to its callback.
type Watcher struct {
	epfd int
	wake int // an eventfd in the epoll set: Close writes to it to end the goroutine
	fn   func(fd int, gen uint32)
	done chan struct{}
}

// New starts a watcher. fn runs on the watcher's goroutine, one call at a time, with the descriptor and the
// generation it was armed with: a descriptor number is reused once closed, and the generation lets the receiver
// tell a report meant for an earlier holder of the number. fn should hand the news on and return.
func New(fn func(fd int, gen uint32)) (*Watcher, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("fdwatch: epoll: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("fdwatch: eventfd: %w", err)
	}
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &ev); err != nil {
		unix.Close(epfd)
		unix.Close(wake)
		return nil, fmt.Errorf("fdwatch: epoll: %w", err)
	}
	w := &Watcher{epfd: epfd, wake: wake, fn: fn, done: make(chan struct{})}
	go w.run()
	return w, nil
}

// Close ends the watcher's goroutine, after the report it may be delivering, and releases the epoll instance.
// The watched descriptors are the caller's and stay open. No report comes after Close returns.
func (w *Watcher) Close() error {
	var one [8]byte
	one[0] = 1
	if _, err := unix.Write(w.wake, one[:]); err != nil {
		return fmt.Errorf("fdwatch: waking the watcher: %w", err)
	}
	<-w.done
	unix.Close(w.wake)
	return unix.Close(w.epfd)
}

// Arm asks for one report when fd becomes readable (or is readable now). Arming an armed descriptor replaces
// its generation, unless its report is on its way already (then that report carries the old one): a receiver
// that re-arms should keep the generation of a descriptor still armed.
func (w *Watcher) Arm(fd int, gen uint32) error {
	ev := unix.EpollEvent{Events: unix.EPOLLIN | unix.EPOLLONESHOT, Fd: int32(fd), Pad: int32(gen)}
	err := unix.EpollCtl(w.epfd, unix.EPOLL_CTL_MOD, fd, &ev)
	if errors.Is(err, unix.ENOENT) {
		err = unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, fd, &ev)
	}
	if err != nil {
		return fmt.Errorf("fdwatch: watching fd %d: %w", fd, err)
	}
	return nil
}

// Disarm forgets fd; call it before closing fd. A report already on its way may still arrive (with the old
// generation).
func (w *Watcher) Disarm(fd int) {
	_ = unix.EpollCtl(w.epfd, unix.EPOLL_CTL_DEL, fd, nil)
}

func (w *Watcher) run() {
	defer close(w.done)
	events := make([]unix.EpollEvent, 64)
	for {
		n, err := unix.EpollWait(w.epfd, events, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return
		}
		for _, ev := range events[:n] {
			if int(ev.Fd) == w.wake {
				return
			}
			w.fn(int(ev.Fd), uint32(ev.Pad))
		}
	}
}
