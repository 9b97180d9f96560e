package daemon

import (
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// watcher is udevd's inotify watch on the nodes of devices with OPTIONS+="watch" (block devices, in Debian's
// rules): a node closed after being opened for writing may have a new filesystem or partition table, so a
// "change" uevent is synthesised for it (written to its sysfs uevent file) and the rules run again.
type watcher struct {
	d     *Daemon
	fd    int // for inotify_add_watch; reads go through f (the runtime's poller, so close wakes a reader)
	f     *os.File
	mu    sync.Mutex
	byWD  map[int32]string // watch descriptor → devpath
	byDev map[string]int32 // node → watch descriptor
}

func newWatcher(d *Daemon) (*watcher, error) {
	fd, err := unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK)
	if err != nil {
		return nil, err
	}
	return &watcher{d: d, fd: fd, f: os.NewFile(uintptr(fd), "inotify"), byWD: map[int32]string{},
		byDev: map[string]int32{}}, nil
}

func (w *watcher) add(node, devpath string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	wd, err := unix.InotifyAddWatch(w.fd, node, unix.IN_CLOSE_WRITE)
	if err != nil {
		w.d.log.logf(levelErr, "inotify watch on %s: %v", node, err)
		return
	}
	w.byWD[int32(wd)] = devpath
	w.byDev[node] = int32(wd)
}

func (w *watcher) remove(node string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if wd, ok := w.byDev[node]; ok {
		_, _ = unix.InotifyRmWatch(w.fd, uint32(wd))
		delete(w.byDev, node)
		delete(w.byWD, wd)
	}
}

// run reads inotify events until close.
func (w *watcher) run() {
	buf := make([]byte, 4096)
	for {
		n, err := w.f.Read(buf)
		if err != nil {
			return
		}
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			off += unix.SizeofInotifyEvent + int(ev.Len)
			if ev.Mask&unix.IN_CLOSE_WRITE == 0 {
				continue
			}
			w.mu.Lock()
			devpath, ok := w.byWD[ev.Wd]
			w.mu.Unlock()
			if ok {
				w.synthesize(devpath)
			}
		}
	}
}

func (w *watcher) synthesize(devpath string) {
	p := filepath.Join(w.d.cfg.Sysfs.Root, devpath, "uevent")
	if w.d.cfg.Sysfs.Root == "" {
		p = filepath.Join("/sys", devpath, "uevent")
	}
	w.d.log.logf(levelDebug, "%s closed after writing: synthesising change", devpath)
	if err := os.WriteFile(p, []byte("change"), 0); err != nil {
		w.d.log.logf(levelErr, "synthesising change for %s: %v", devpath, err)
	}
}

func (w *watcher) close() { w.f.Close() }
