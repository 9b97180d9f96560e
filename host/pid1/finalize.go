package pid1

import (
	"os"
	"path/filepath"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/mountinfo"
)

// finalizer is the last step of a real shutdown, systemd-shutdown's loop: with every process gone, it unmounts
// what the ordered stop left mounted, turns every swap off and detaches every loop device, round after round,
// since one step may free what another needed (a swap file on a mount, a mount on a loop device, a mount moved
// under another). It stops when everything is done or a round changes nothing; then, as a last resort, it
// detaches what is still mounted lazily and makes what cannot go read-only, so that the file systems under it
// are clean when reboot(2) comes.
//
// A real shutdown uses shutdownFinalizer; the tests narrow the filters to stay off what the machine running them
// uses.
type finalizer struct {
	// keep tells the mount points never unmounted.
	keep func(point string) bool
	// mine tells the swaps and loop devices to handle, by their file or backing file.
	mine func(path string) bool
	// readOnly are the kept mount points made read-only at the end.
	readOnly []string
}

// shutdownFinalizer is systemd-shutdown's choice: everything but the root and /usr (the system runs from them;
// they are made read-only instead), /run (the tmpfs init mounted) and the API file systems, where there is
// nothing to save, is unmounted; every swap and loop device goes.
var shutdownFinalizer = finalizer{keep: keepMount, mine: func(string) bool { return true }, readOnly: []string{"/", "/usr"}}

// maxRounds bounds the loop: each round that changes something unmounts, turns off or detaches at least one
// thing, so a real system ends well before; a mount table that keeps changing under init cannot hold it forever.
const maxRounds = 32

// keepMount keeps the root, /usr, /run and everything under /proc, /sys and /dev.
func keepMount(point string) bool {
	switch point {
	case "/", "/usr", "/run":
		return true
	}
	for _, api := range []string{"/proc", "/sys", "/dev"} {
		if point == api || strings.HasPrefix(point, api+"/") {
			return true
		}
	}
	return false
}

func (f finalizer) run() {
	lazy := false
	for round := 1; round <= maxRounds; round++ {
		mounts, mchanged := f.unmount(lazy)
		swaps, schanged := f.swapOff()
		loops, lchanged := f.detachLoops()
		if mounts+swaps+loops == 0 {
			logf("all file systems unmounted, swaps off, loop devices detached")
			break
		}
		if mchanged || schanged || lchanged {
			continue
		}
		if lazy {
			logf("cannot finalize %d mounts, %d swaps, %d loop devices; going on", mounts, swaps, loops)
			break
		}
		logf("%d mounts, %d swaps, %d loop devices left and no progress; unmounting lazily", mounts, swaps, loops)
		lazy = true
	}
	for _, p := range f.readOnly {
		f.remountReadOnly(p)
	}
}

// unmount makes one pass over the mount table, newest mount first (a child before its parent, a mount before
// what was mounted over it earlier), and reports how many it left and whether it unmounted any. A mount that
// refuses is made read-only so that its data is safe whatever follows; with lazy set it is then detached.
func (f finalizer) unmount(lazy bool) (left int, changed bool) {
	ms := mounts()
	for i := len(ms) - 1; i >= 0; i-- {
		p := ms[i].Point
		if f.keep(p) {
			continue
		}
		err := unix.Unmount(p, unix.MNT_FORCE)
		if err == nil {
			logf("unmounted %s", p)
			changed = true
			continue
		}
		if err == unix.EINVAL || err == unix.ENOENT {
			changed = true // gone with its parent meanwhile
			continue
		}
		if !readOnly(ms[i]) {
			f.remountReadOnly(p)
		}
		if lazy {
			if lerr := unix.Unmount(p, unix.MNT_DETACH); lerr == nil {
				logf("detached %s lazily (%v)", p, err)
				changed = true
				continue
			}
		}
		logf("cannot unmount %s: %v", p, err)
		left++
	}
	return left, changed
}

func readOnly(m mountinfo.Mount) bool {
	for _, o := range strings.Split(m.Options, ",") {
		if o == "ro" {
			return true
		}
	}
	return false
}

// remountReadOnly makes the file system at point read-only (its superblock, so that it is clean on the disk),
// when it is mounted there.
func (f finalizer) remountReadOnly(point string) {
	if !isMountPoint(point) {
		return
	}
	if err := unix.Mount("", point, "", unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		logf("cannot remount %s read-only: %v", point, err)
		return
	}
	logf("remounted %s read-only", point)
}

// swapOff turns off every swap of /proc/swaps that mine accepts, reporting how many are left on and whether
// one went off.
func (f finalizer) swapOff() (left int, changed bool) {
	b, err := os.ReadFile("/proc/swaps")
	if err != nil {
		return 0, false // no swap support
	}
	lines := strings.Split(string(b), "\n")
	for _, line := range lines[1:] {
		fields := strings.Fields(line)
		if len(fields) == 0 {
			continue
		}
		name := mountinfo.Unescape(fields[0])
		if !f.mine(name) {
			continue
		}
		if err := swapoff(name); err != nil {
			logf("cannot turn off swap %s: %v", name, err)
			left++
			continue
		}
		logf("turned off swap %s", name)
		changed = true
	}
	return left, changed
}

func swapoff(name string) error {
	p, err := unix.BytePtrFromString(name)
	if err != nil {
		return err
	}
	_, _, errno := unix.Syscall(unix.SYS_SWAPOFF, uintptr(unsafe.Pointer(p)), 0, 0)
	if errno != 0 {
		return errno
	}
	return nil
}

// detachLoops detaches every attached loop device that mine accepts and that no mount still uses, reporting how
// many are left attached and whether one was detached.
func (f finalizer) detachLoops() (left int, changed bool) {
	devs, _ := filepath.Glob(filepath.Join("/sys/block", "loop*", "loop", "backing_file"))
	if len(devs) == 0 {
		return 0, false
	}
	used := map[string]bool{}
	for _, m := range mounts() {
		used[m.Source] = true
	}
	for _, bf := range devs {
		b, err := os.ReadFile(bf)
		if err != nil {
			continue // detached meanwhile
		}
		backing := strings.TrimSpace(string(b))
		if !f.mine(backing) {
			continue
		}
		dev := "/dev/" + filepath.Base(filepath.Dir(filepath.Dir(bf)))
		if used[dev] {
			left++ // its mount comes first
			continue
		}
		if err := clearLoop(dev); err != nil {
			logf("cannot detach %s (%s): %v", dev, backing, err)
			left++
			continue
		}
		logf("detached %s (%s)", dev, backing)
		changed = true
	}
	return left, changed
}

func clearLoop(dev string) error {
	fd, err := unix.Open(dev, unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return unix.IoctlSetInt(fd, unix.LOOP_CLR_FD, 0)
}
