package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// watcher is one inotify instance for all the watched cgroup.events files of a Hierarchy.
type watcher struct {
	f *os.File

	mu    sync.Mutex
	byWD  map[int]*watch
	byDir map[string]*watch
}

type watch struct {
	wd  int
	dir string
	fn  func()
}

// Watch calls fn each time the unit's cgroup is seen to become empty: when the kernel changes its cgroup.events
// and "populated" reads 0. It needs a cgroup2 hierarchy (Unified and Hybrid modes; Legacy gets an error wrapping
// errors.ErrUnsupported: v1 tells of emptiness only through release_agent, one per hierarchy and not a manager's
// to take, so there the host calls Populated after reaping each process of the unit — every one of them is the
// core's descendant, the core being a subreaper, so each exit reaches it).
//
// fn runs on the watcher's goroutine, one call at a time; it should hand the news to the host's loop and return.
// While it runs, further events wait in the kernel, so none is lost. fn may be called more than once for one
// emptying, and must check the state it acts on. Watch the unit after Create and before its first process joins;
// a cgroup that emptied before Watch gives no call, so a host recovering after a restart calls Populated once
// after Watch. Watching a unit again replaces fn. The returned stop ends the watch; Remove and Close end it too.
func (h *Hierarchy) Watch(unit string, fn func()) (stop func(), err error) {
	if err := checkUnit(unit); err != nil {
		return nil, err
	}
	if h.unified == nil {
		return nil, fmt.Errorf("cgroup: watching %s: %w: no cgroup2 hierarchy", h.Path(unit), errors.ErrUnsupported)
	}
	h.mu.Lock()
	if h.w == nil {
		w, err := newWatcher()
		if err != nil {
			h.mu.Unlock()
			return nil, err
		}
		h.w = w
	}
	w := h.w
	h.mu.Unlock()

	d := filepath.Join(h.unified.path, unit)
	wd, err := unix.InotifyAddWatch(int(w.fd()), filepath.Join(d, "cgroup.events"), unix.IN_MODIFY)
	if err != nil {
		return nil, fmt.Errorf("cgroup: watching %s: %w", h.Path(unit), err)
	}
	w.mu.Lock()
	e := &watch{wd: wd, dir: d, fn: fn}
	w.byWD[wd], w.byDir[d] = e, e
	w.mu.Unlock()
	return func() { w.stop(e) }, nil
}

// Close ends every watch (of emptiness and of OOM kills) and the watchers' goroutines. The Hierarchy stays
// usable; a later Watch starts anew.
func (h *Hierarchy) Close() error {
	h.mu.Lock()
	w, p := h.w, h.oom
	h.w, h.oom = nil, nil
	h.mu.Unlock()
	if p != nil {
		p.close()
	}
	if w == nil {
		return nil
	}
	return w.f.Close()
}

func newWatcher() (*watcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, fmt.Errorf("cgroup: inotify: %w", err)
	}
	// A non-blocking descriptor goes to the runtime's poller, so Close wakes the reading goroutine.
	w := &watcher{f: os.NewFile(uintptr(fd), "inotify"), byWD: map[int]*watch{}, byDir: map[string]*watch{}}
	go w.run()
	return w, nil
}

func (w *watcher) fd() uintptr {
	rc, err := w.f.SyscallConn()
	if err != nil {
		return ^uintptr(0)
	}
	var fd uintptr
	_ = rc.Control(func(f uintptr) { fd = f })
	return fd
}

func (w *watcher) stop(e *watch) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.byWD[e.wd] != e {
		return
	}
	delete(w.byWD, e.wd)
	delete(w.byDir, e.dir)
	_, _ = unix.InotifyRmWatch(int(w.fd()), uint32(e.wd))
}

// forget drops the watch of a cgroup being removed (the kernel drops its inotify watch with the directory).
func (w *watcher) forget(dir string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if e := w.byDir[dir]; e != nil {
		delete(w.byDir, dir)
		delete(w.byWD, e.wd)
	}
}

func (w *watcher) run() {
	buf := make([]byte, 64*(unix.SizeofInotifyEvent+unix.NAME_MAX+1))
	for {
		n, err := w.f.Read(buf)
		if err != nil {
			return // closed
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			off += unix.SizeofInotifyEvent + int(ev.Len)
			w.mu.Lock()
			e := w.byWD[int(ev.Wd)]
			if ev.Mask&unix.IN_IGNORED != 0 && e != nil {
				delete(w.byWD, e.wd)
				if w.byDir[e.dir] == e {
					delete(w.byDir, e.dir)
				}
				e = nil
			}
			w.mu.Unlock()
			if e == nil || ev.Mask&unix.IN_MODIFY == 0 {
				continue
			}
			if pop, err := readPopulated(e.dir); err == nil && !pop {
				e.fn()
			}
		}
	}
}
