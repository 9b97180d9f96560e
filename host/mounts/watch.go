package mounts

import (
	"fmt"
	"sync"

	"golang.org/x/sys/unix"
)

// Watcher reports changes of the mount table to its callback, from a goroutine of its own.
type Watcher struct {
	fd       int // /proc/self/mountinfo, polled
	epfd     int
	stop     [2]int // a pipe: writing to it ends the goroutine
	fn       func([]Change)
	done     chan struct{}
	closeOne sync.Once
}

// Watch reads the mount table and returns it, and from then on reports each change. fn runs on the watcher's
// goroutine, one call at a time; it should hand the changes on and return. A burst of changes comes as one call
// when the kernel's notices pile up while the table is read.
func Watch(fn func([]Change)) (*Watcher, Table, error) {
	// A raw descriptor, not an *os.File: the Go runtime's own epoll would poll an os.File too, and each poll
	// of mountinfo takes the kernel's mark away, so that this watch would miss changes.
	fd, err := unix.Open("/proc/self/mountinfo", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, nil, fmt.Errorf("mounts: %w", err)
	}
	w := &Watcher{fd: fd, fn: fn, done: make(chan struct{})}
	if w.epfd, err = unix.EpollCreate1(unix.EPOLL_CLOEXEC); err != nil {
		unix.Close(fd)
		return nil, nil, fmt.Errorf("mounts: epoll: %w", err)
	}
	if err = unix.Pipe2(w.stop[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		unix.Close(w.epfd)
		unix.Close(fd)
		return nil, nil, fmt.Errorf("mounts: pipe: %w", err)
	}
	// The kernel marks mountinfo with POLLPRI (and POLLERR) once after each change of the table; the poll
	// itself takes the mark away, so a level-triggered watch fires once per change.
	for _, add := range []struct {
		fd     int
		events uint32
	}{{fd, unix.EPOLLPRI}, {w.stop[0], unix.EPOLLIN}} {
		ev := unix.EpollEvent{Events: add.events, Fd: int32(add.fd)}
		if err = unix.EpollCtl(w.epfd, unix.EPOLL_CTL_ADD, add.fd, &ev); err != nil {
			w.release()
			return nil, nil, fmt.Errorf("mounts: watching mountinfo: %w", err)
		}
	}
	table, err := Read()
	if err != nil {
		w.release()
		return nil, nil, fmt.Errorf("mounts: %w", err)
	}
	go w.run(table)
	return w, table, nil
}

func (w *Watcher) run(table Table) {
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
		if !changed {
			continue
		}
		now, err := Read()
		if err != nil {
			continue // a read cut short by a change comes again with its notice
		}
		if ch := Diff(table, now); len(ch) > 0 {
			w.fn(ch)
		}
		table = now
	}
}

// Close stops the watcher and waits until its callback returned for the last time.
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
