// Package clockwatch tells the core when CLOCK_REALTIME is set (settimeofday, `date -s`, an NTP step) and when
// the local time zone changes (/etc/localtime replaced), as systemd's manager watches them: a timerfd on
// CLOCK_REALTIME armed with TFD_TIMER_CANCEL_ON_SET for the end of time, which the kernel cancels when the clock
// is set, and an inotify watch on the directory of /etc/localtime. One goroutine per source, both parked in the
// runtime's poller: the watcher costs nothing while the clocks are left alone.
package clockwatch

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"sync"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Change is one thing that changed: the realtime clock was set, or the time zone changed.
type Change struct{ Clock, Timezone bool }

// Localtime is the file whose replacement means a new time zone.
const Localtime = "/etc/localtime"

// Watcher reports changes to its callback until Close.
type Watcher struct {
	tfd, ifd *os.File
	wg       sync.WaitGroup
}

// Start starts watching; fn runs on the watcher's goroutines (one per source) and should hand the news on and
// return. localtime is the zone file to watch (Localtime; tests give another). A time zone watch that cannot be
// set up (no such directory) is no error: only the clock is watched then.
func Start(localtime string, fn func(Change)) (*Watcher, error) {
	fd, err := unix.TimerfdCreate(unix.CLOCK_REALTIME, unix.TFD_NONBLOCK|unix.TFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("clockwatch: timerfd: %w", err)
	}
	if err := armCancelOnSet(fd); err != nil {
		unix.Close(fd)
		return nil, err
	}
	w := &Watcher{tfd: os.NewFile(uintptr(fd), "clockwatch-timerfd")}
	w.wg.Add(1)
	go w.clock(fn)
	if ifd, err := unix.InotifyInit1(unix.IN_NONBLOCK | unix.IN_CLOEXEC); err == nil {
		const mask = unix.IN_CLOSE_WRITE | unix.IN_MOVED_TO | unix.IN_CREATE | unix.IN_DELETE | unix.IN_ATTRIB
		if _, err := unix.InotifyAddWatch(ifd, filepath.Dir(localtime), mask); err == nil {
			w.ifd = os.NewFile(uintptr(ifd), "clockwatch-inotify")
			w.wg.Add(1)
			go w.zone(filepath.Base(localtime), fn)
		} else {
			unix.Close(ifd)
		}
	}
	return w, nil
}

// armCancelOnSet arms fd for the largest time it takes: it never expires, and the kernel cancels it (a read
// fails with ECANCELED) whenever the clock is set.
func armCancelOnSet(fd int) error {
	spec := unix.ItimerSpec{Value: unix.Timespec{Sec: math.MaxInt64 / 2}}
	if err := unix.TimerfdSettime(fd, unix.TFD_TIMER_ABSTIME|unix.TFD_TIMER_CANCEL_ON_SET, &spec, nil); err != nil {
		return fmt.Errorf("clockwatch: timerfd_settime: %w", err)
	}
	return nil
}

func (w *Watcher) clock(fn func(Change)) {
	defer w.wg.Done()
	buf := make([]byte, 8)
	for {
		_, err := w.tfd.Read(buf)
		if !errors.Is(err, unix.ECANCELED) {
			return // closed (an expiry of the end of time is not going to happen)
		}
		// Re-arm before reporting: a second set that comes while fn runs is not lost.
		var rerr error
		if sc, err := w.tfd.SyscallConn(); err == nil {
			_ = sc.Control(func(fd uintptr) { rerr = armCancelOnSet(int(fd)) })
		}
		if rerr != nil {
			return
		}
		fn(Change{Clock: true})
	}
}

func (w *Watcher) zone(name string, fn func(Change)) {
	defer w.wg.Done()
	buf := make([]byte, 4096)
	for {
		n, err := w.ifd.Read(buf)
		if err != nil {
			return
		}
		hit := false
		for off := 0; off+unix.SizeofInotifyEvent <= n; {
			ev := (*unix.InotifyEvent)(unsafe.Pointer(&buf[off]))
			end := off + unix.SizeofInotifyEvent + int(ev.Len)
			if end > n {
				break
			}
			raw := buf[off+unix.SizeofInotifyEvent : end]
			for i, b := range raw {
				if b == 0 {
					raw = raw[:i]
					break
				}
			}
			hit = hit || string(raw) == name
			off = end
		}
		if hit {
			fn(Change{Timezone: true})
		}
	}
}

// Close stops the watcher and waits for its goroutines; fn is not called after it returns.
func (w *Watcher) Close() {
	w.tfd.Close()
	if w.ifd != nil {
		w.ifd.Close()
	}
	w.wg.Wait()
}
