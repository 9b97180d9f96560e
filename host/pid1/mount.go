package pid1

import (
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/mountinfo"
)

type apiMount struct {
	source, target, fstype string
	flags                  uintptr
	data                   string
}

var procMount = apiMount{"proc", "/proc", "proc", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""}

// apiMounts are the API filesystems after /proc, parents before children.
var apiMounts = []apiMount{
	{"sysfs", "/sys", "sysfs", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
	{"devtmpfs", "/dev", "devtmpfs", unix.MS_NOSUID, "mode=755"},
	{"devpts", "/dev/pts", "devpts", unix.MS_NOSUID | unix.MS_NOEXEC, "ptmxmode=0666,mode=620,gid=5"},
	{"tmpfs", "/dev/shm", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=1777"},
	{"tmpfs", "/run", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=755"},
	{"cgroup2", "/sys/fs/cgroup", "cgroup2", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
}

// machineMounts are the API filesystems systemd mounts on a real machine besides those (not in a container,
// and only where the kernel offers the mount point): Debian's units and daemons expect them.
var machineMounts = []apiMount{
	{"tmpfs", "/run/lock", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, "mode=1777,size=5242880"},
	{"securityfs", "/sys/kernel/security", "securityfs", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
	{"pstore", "/sys/fs/pstore", "pstore", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
	{"efivarfs", "/sys/firmware/efi/efivars", "efivarfs", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
	{"bpf", "/sys/fs/bpf", "bpf", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, "mode=700"},
}

// mountMachine mounts machineMounts: /run/lock is made; the others' mount points are the kernel's own (a
// directory in sysfs exists when the kernel has the file system).
func mountMachine() {
	for _, m := range machineMounts {
		if isMountPoint(m.target) {
			continue
		}
		if m.target != "/run/lock" {
			if _, err := os.Stat(m.target); err != nil {
				continue
			}
		}
		mount(m)
	}
}

// mountAPI mounts the API filesystems that are not mounted yet and reports whether init may use this mount
// namespace at all. /proc comes first, since it tells what else is mounted. A /proc of another PID namespace (a
// container started without its own) is replaced by a fresh one, but only when this mount namespace is our own:
// when it is the outer system's, init mounts nothing and keeps off /run too, so as not to touch the outer system.
func mountAPI() (private bool) {
	if !isMountPoint("/proc") {
		mount(procMount)
	} else if !procIsOurs() {
		if why, shared := sharedMountNamespace(); shared {
			logf("warning: this mount namespace is the outer system's (%s); mounting nothing and not serving "+
				"/run/sysmaster: give init a mount namespace of its own (unshare --pid --mount --fork)", why)
			return false
		}
		mount(procMount)
	}
	for _, m := range apiMounts {
		if isMountPoint(m.target) {
			continue
		}
		if m.target == "/sys/fs/cgroup" {
			if !isMountPoint("/sys") {
				continue // sysfs failed to mount: no place for it
			}
			m.data = cgroup2Options(mounts())
		}
		mount(m)
	}
	return true
}

func mount(m apiMount) {
	if err := os.MkdirAll(m.target, 0o755); err != nil {
		logf("cannot create %s: %v", m.target, err)
		return
	}
	if err := unix.Mount(m.source, m.target, m.fstype, m.flags, m.data); err != nil {
		logf("cannot mount %s on %s: %v", m.fstype, m.target, err)
		return
	}
	logf("mounted %s on %s", m.fstype, m.target)
}

// cgroup2Options are the options for a new cgroup2 mount: those of a cgroup2 already mounted somewhere, if any.
// There is only one cgroup2 hierarchy, and mounting it again from the initial cgroup namespace resets its
// flags (nsdelegate, memory_recursiveprot, …) to the new mount's: a container must not change the host's.
func cgroup2Options(ms []mountinfo.Mount) string {
	for _, m := range ms {
		if m.FSType != "cgroup2" {
			continue
		}
		var opts []string
		for _, o := range strings.Split(m.SuperOptions, ",") {
			if o != "rw" && o != "ro" {
				opts = append(opts, o)
			}
		}
		return strings.Join(opts, ",")
	}
	return ""
}

// sharedMountNamespace tells, through the outer system's /proc (still mounted), whether our mount namespace is
// the outer system's: the same as that of its PID 1. Where PID 1 cannot be inspected (a sandbox may forbid it),
// a kernel thread stands in for it when the outer /proc is the initial PID namespace's: kernel threads live in
// the initial mount namespace. If nothing can be compared it answers shared: mounting over the outer /proc must
// never happen.
func sharedMountNamespace() (why string, shared bool) {
	var ours unix.Stat_t
	if err := unix.Stat("/proc/self/ns/mnt", &ours); err != nil {
		return fmt.Sprintf("cannot inspect our mount namespace: %v", err), true
	}
	ref, err := nsOf(1)
	refName := "the outer PID 1"
	if err != nil {
		if st, serr := readStat(2); serr == nil && st.comm == "kthreadd" && st.flags&pfKthread != 0 {
			ref, err = nsOf(2)
			refName = "the kernel threads"
		}
	}
	if err != nil {
		return fmt.Sprintf("cannot inspect the outer mount namespace: %v", err), true
	}
	if ref.Dev == ours.Dev && ref.Ino == ours.Ino {
		return refName + " share it", true
	}
	return "", false
}

func nsOf(pid int) (unix.Stat_t, error) {
	var st unix.Stat_t
	err := unix.Stat(fmt.Sprintf("/proc/%d/ns/mnt", pid), &st)
	return st, err
}
