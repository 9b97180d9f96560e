// Package procwatch waits for the kernel's change mark on a file of /proc that has one: /proc/self/mountinfo
// and /proc/swaps are marked with POLLPRI (and POLLERR) after each change of the table they show. A Watcher
// calls its function once per mark, from a goroutine of its own; the function reads the file again.
package procwatch

import (
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// Watcher calls its function after each change of its file, until Close.
type Watcher struct {
	fd       int // the file, polled
	epfd     int
	stop     [2]int // a pipe: writing to it ends the goroutine
	fn       func()
	done     chan struct{}
	closeOne sync.Once
}

// Watch opens path and calls fn after each change the kernel marks on it. The caller reads the file after
// Watch returns, so that no change falls between its read and the watch. fn runs on the watcher's goroutine, one
// call at a time; marks that pile up while it runs come as one call.
func Watch(path string, fn func()) (*Watcher, error) {
	// A raw descriptor, not an *os.File: the Go runtime's own epoll would poll an os.File too, and each poll
	// takes the kernel's mark away, so that this watch would miss changes.
	fd, err := unix.Open(path, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("procwatch: %w", err)
	}
	w := &Watcher{fd: fd, fn: fn, done: make(chan struct{})}
	if w.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		unix.Close(fd)
		return nil, fmt.Errorf("procwatch: epoll: %w", err)
	}
	if err = unix.Pipe2(w.stop[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		unix.Close(w.epfd)
		unix.Close(fd)
		return nil, fmt.Errorf("procwatch: pipe: %w", err)
	}
	// The poll itself takes the mark away, so a level-triggered watch fires once per change.
	for _, add := range []struct {
		fd     int
		events uint32
	}{{fd, unix.EPOLLPRI}, {w.stop[0], unix.EPOLLIN}} {
		ev := unix.EpollEvent{Events: add.events, Fd: int32(add.fd)}
		if err = unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, add.fd, &ev); err != nil {
			w.release()
			return nil, fmt.Errorf("procwatch: watching %s: %w", path, err)
		}
	}
	go w.run()
	return w, nil
}

func (w *Watcher) run() {
	defer close(w.done)
	events := make([]unix.EpollEvent, 4)
	for {
		n, err := unix.EpollWait(w.epfd, events, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return
		}
		changed := false
		for _, ev := range events[:n] {
			if int(ev.Fd) == w.stop[0] {
				return
			}
			changed = true
		}
		if changed {
			w.fn()
		}
	}
}

// Close stops the watcher and waits until its function returned for the last time.
func (w *Watcher) Close() {
	w.closeOne.Do(func() {
		unix.Write(w.stop[1], []byte{0})
		<-w.done
		w.release()
	})
}

func (w *Watcher) release() {
	unix.Close(w.epfd)
	unix.Close(w.stop[0])
	unix.Close(w.stop[1])
	unix.Close(w.fd)
}
