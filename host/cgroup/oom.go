package cgroup

import (
	"errors"
	"fmt"
	"path/filepath"
	"sync"

	"golang.org/x/sys/unix"
)

// WatchOOM calls fn when the kernel's OOM killer may have killed a process of the unit: on cgroup v2 when the
// unit's memory.events changes (inotify), on v1 when its memory.oom_control signals (an eventfd registered in
// cgroup.event_control). fn may be called for other reasons too (v1 also signals when the cgroup goes away): it
// must read OOMKills to know. One goroutine of the Hierarchy serves every watch (a service costs one or two fds,
// no goroutine); fn runs on it, one call at a time, and should hand the news on and return. stop ends the watch.
func (h *Hierarchy) WatchOOM(unit string, fn func()) (stop func(), err error) {
	if err := checkUnit(unit); err != nil {
		return nil, err
	}
	var fds []int
	switch {
	case h.mode == Unified:
		fds, err = inotifyFd(filepath.Join(h.unified.path, unit, "memory.events"))
	case h.v1["memory"] != nil:
		fds, err = oomEventfd(filepath.Join(h.v1["memory"].path, unit))
	default:
		return nil, fmt.Errorf("cgroup: %s: no memory hierarchy: %w", h.Path(unit), errors.ErrUnsupported)
	}
	if err != nil {
		return nil, fmt.Errorf("cgroup: watching %s for OOM kills: %w", h.Path(unit), err)
	}
	h.mu.Lock()
	if h.oom == nil {
		if h.oom, err = newOOMPoller(); err != nil {
			h.mu.Unlock()
			closeAll(fds)
			return nil, err
		}
	}
	p := h.oom
	h.mu.Unlock()
	if err := p.add(fds, fn); err != nil {
		closeAll(fds)
		return nil, fmt.Errorf("cgroup: watching %s for OOM kills: %w", h.Path(unit), err)
	}
	return func() { p.remove(fds) }, nil
}

// oomPoller waits on every watch's fd with one epoll instance and one goroutine.
type oomPoller struct {
	epfd int
	wake int // an eventfd in the epoll set: close writes to it to end the goroutine
	done chan struct{}

	mu  sync.Mutex
	fns map[int32]func() // by the fd that signals
	fds map[int32][]int  // every fd of a watch, by the one that signals
}

func newOOMPoller() (*oomPoller, error) {
	epfd, err := unix.EpollCreate1(unix.EPOLL_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("cgroup: epoll: %w", err)
	}
	wake, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(epfd)
		return nil, fmt.Errorf("cgroup: eventfd: %w", err)
	}
	if err := unix.EpollCtl(epfd, unix.EPOLL_CTL_ADD, wake, &unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(wake)}); err != nil {
		unix.Close(epfd)
		unix.Close(wake)
		return nil, fmt.Errorf("cgroup: epoll: %w", err)
	}
	p := &oomPoller{epfd: epfd, wake: wake, done: make(chan struct{}), fns: map[int32]func(){}, fds: map[int32][]int{}}
	go p.run()
	return p, nil
}

// close ends the goroutine, closes every watched descriptor and the epoll instance.
func (p *oomPoller) close() {
	one := [8]byte{1}
	if _, err := unix.Write(p.wake, one[:]); err == nil {
		<-p.done
	}
	p.mu.Lock()
	for _, fds := range p.fds {
		closeAll(fds)
	}
	clear(p.fns)
	clear(p.fds)
	p.mu.Unlock()
	unix.Close(p.wake)
	unix.Close(p.epfd)
}

// add watches fds[0] (the others only stay open with it).
func (p *oomPoller) add(fds []int, fn func()) error {
	p.mu.Lock()
	p.fns[int32(fds[0])], p.fds[int32(fds[0])] = fn, fds
	p.mu.Unlock()
	ev := unix.EpollEvent{Events: unix.EPOLLIN, Fd: int32(fds[0])}
	if err := unix.EpollCtl(p.epfd, unix.EPOLL_CTL_ADD, fds[0], &ev); err != nil {
		p.mu.Lock()
		delete(p.fns, int32(fds[0]))
		delete(p.fds, int32(fds[0]))
		p.mu.Unlock()
		return err
	}
	return nil
}

func (p *oomPoller) remove(fds []int) {
	p.mu.Lock()
	delete(p.fns, int32(fds[0]))
	delete(p.fds, int32(fds[0]))
	p.mu.Unlock()
	_ = unix.EpollCtl(p.epfd, unix.EPOLL_CTL_DEL, fds[0], nil)
	closeAll(fds)
}

func (p *oomPoller) run() {
	defer close(p.done)
	events := make([]unix.EpollEvent, 64)
	buf := make([]byte, 512) // inotify events with short names, or an eventfd's 8 bytes
	for {
		n, err := unix.EpollWait(p.epfd, events, -1)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return
		}
		for _, ev := range events[:n] {
			if int(ev.Fd) == p.wake {
				return
			}
			for { // drain: the fds are non-blocking
				if _, err := unix.Read(int(ev.Fd), buf); err != nil {
					break
				}
			}
			p.mu.Lock()
			fn := p.fns[ev.Fd]
			p.mu.Unlock()
			if fn != nil {
				fn()
			}
		}
	}
}

// inotifyFd is a non-blocking inotify instance watching p for modifications.
func inotifyFd(p string) ([]int, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, err
	}
	if _, err := unix.InotifyAddWatch(fd, p, unix.IN_MODIFY); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return []int{fd}, nil
}

// oomEventfd registers a non-blocking eventfd for the v1 memory cgroup dir's OOM notifications; the second fd is
// memory.oom_control, which must stay open for as long as the registration.
func oomEventfd(dir string) ([]int, error) {
	ctl, err := unix.Open(filepath.Join(dir, "memory.oom_control"), unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, err
	}
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		unix.Close(ctl)
		return nil, err
	}
	if err := writeFile(filepath.Join(dir, "cgroup.event_control"), fmt.Sprintf("%d %d", efd, ctl)); err != nil {
		unix.Close(efd)
		unix.Close(ctl)
		return nil, err
	}
	return []int{efd, ctl}, nil
}

func closeAll(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}
