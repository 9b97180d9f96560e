package cgroup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// WatchOOM calls fn when the kernel's OOM killer may have killed a process of the unit: on cgroup v2 when the
// unit's memory.events changes (inotify), on v1 when its memory.oom_control signals (an eventfd registered in
// cgroup.event_control). fn may be called for other reasons too (v1 also signals when the cgroup goes away): it
// must read OOMKills to know. fn runs on a goroutine of the watch, one call at a time. stop ends the watch; a
// watch also ends when the cgroup is removed.
func (h *Hierarchy) WatchOOM(unit string, fn func()) (stop func(), err error) {
	if err := checkUnit(unit); err != nil {
		return nil, err
	}
	var f *os.File
	var extra *os.File
	switch {
	case h.mode == Unified:
		f, err = inotifyFile(filepath.Join(h.unified.path, unit, "memory.events"))
	case h.v1["memory"] != nil:
		f, extra, err = oomEventfd(filepath.Join(h.v1["memory"].path, unit))
	default:
		return nil, fmt.Errorf("cgroup: %s: no memory hierarchy: %w", h.Path(unit), errors.ErrUnsupported)
	}
	if err != nil {
		return nil, fmt.Errorf("cgroup: watching %s for OOM kills: %w", h.Path(unit), err)
	}
	go func() {
		buf := make([]byte, 4096)
		for {
			if _, err := f.Read(buf); err != nil {
				return // stopped, or the cgroup is gone
			}
			fn()
		}
	}()
	return func() {
		f.Close()
		if extra != nil {
			extra.Close()
		}
	}, nil
}

// inotifyFile is an inotify instance watching p for modifications, as a file whose reads block until one.
func inotifyFile(p string) (*os.File, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, err
	}
	if _, err := unix.InotifyAddWatch(fd, p, unix.IN_MODIFY); err != nil {
		unix.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), "inotify:"+p), nil
}

// oomEventfd registers an eventfd for the v1 memory cgroup dir's OOM notifications; the second file is
// memory.oom_control, which must stay open for as long as the registration.
func oomEventfd(dir string) (*os.File, *os.File, error) {
	ctl, err := os.Open(filepath.Join(dir, "memory.oom_control"))
	if err != nil {
		return nil, nil, err
	}
	efd, err := unix.Eventfd(0, unix.EFD_CLOEXEC|unix.EFD_NONBLOCK)
	if err != nil {
		ctl.Close()
		return nil, nil, err
	}
	if err := writeFile(filepath.Join(dir, "cgroup.event_control"), fmt.Sprintf("%d %d", efd, ctl.Fd())); err != nil {
		unix.Close(efd)
		ctl.Close()
		return nil, nil, err
	}
	return os.NewFile(uintptr(efd), "eventfd:oom"), ctl, nil
}
