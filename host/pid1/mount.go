package pid1

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

type apiMount struct {
	source, target, fstype string
	flags                  uintptr
	data                   string
}

var apiMounts = []apiMount{
	{"sysfs", "/sys", "sysfs", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
	{"devtmpfs", "/dev", "devtmpfs", unix.MS_NOSUID, "mode=755"},
	{"devpts", "/dev/pts", "devpts", unix.MS_NOSUID | unix.MS_NOEXEC, "ptmxmode=0666,mode=620,gid=5"},
	{"tmpfs", "/dev/shm", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=1777"},
	{"tmpfs", "/run", "tmpfs", unix.MS_NOSUID | unix.MS_NODEV, "mode=755"},
	{"cgroup2", "/sys/fs/cgroup", "cgroup2", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""},
}

// mountAPI mounts what is not mounted yet. /proc comes first, since it tells what else is mounted. In a
// container whose /proc belongs to the outer PID namespace a fresh one is mounted over it, but only when this
// mount namespace is our own: otherwise nothing at all is mounted, to leave the outer system alone.
func mountAPI(logf func(string, ...any)) {
	if !isMountPoint("/proc") {
		mount(logf, apiMount{"proc", "/proc", "proc", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""})
	} else if self, _ := os.Readlink("/proc/self"); self != strconv.Itoa(os.Getpid()) {
		if sameMountNamespaceAsOuterInit() {
			logf("warning: this mount namespace is shared with the outer system; mounting nothing")
			return
		}
		mount(logf, apiMount{"proc", "/proc", "proc", unix.MS_NOSUID | unix.MS_NODEV | unix.MS_NOEXEC, ""})
	}
	for _, m := range apiMounts {
		if isMountPoint(m.target) {
			continue
		}
		if m.target == "/sys/fs/cgroup" && !isMountPoint("/sys") {
			continue
		}
		mount(logf, m)
	}
}

func mount(logf func(string, ...any), m apiMount) {
	if err := os.MkdirAll(m.target, 0o755); err != nil {
		logf("cannot create %s: %v", m.target, err)
		return
	}
	if err := unix.Mount(m.source, m.target, m.fstype, m.flags, m.data); err != nil {
		logf("cannot mount %s on %s: %v", m.fstype, m.target, err)
	}
}

// sameMountNamespaceAsOuterInit tells, through the outer system's /proc (still mounted), whether our mount
// namespace is the outer system's. It walks up our ancestors: unshare(1) may share our namespace, but some
// ancestor further up (the shell or test that started it) lives in the outer one. If every ancestor it can
// inspect shares ours, or it can inspect none, it answers true: mounting over the outer /proc must never happen.
func sameMountNamespaceAsOuterInit() bool {
	var ours unix.Stat_t
	if unix.Stat("/proc/self/ns/mnt", &ours) != nil {
		return true
	}
	self, err := os.Readlink("/proc/self")
	if err != nil {
		return true
	}
	pid, _ := strconv.Atoi(self)
	for i := 0; i < 64 && pid > 1; i++ {
		pid = parentOf(pid)
		if pid <= 0 {
			break
		}
		var theirs unix.Stat_t
		if unix.Stat(fmt.Sprintf("/proc/%d/ns/mnt", pid), &theirs) != nil {
			continue
		}
		if theirs.Ino != ours.Ino || theirs.Dev != ours.Dev {
			return false
		}
	}
	return true
}

// parentOf reads the parent pid from /proc/PID/stat (the field after the parenthesised command name).
func parentOf(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// isMountPoint reports whether path is a mount point per /proc/self/mountinfo (false when /proc is not there).
func isMountPoint(path string) bool {
	for _, m := range mountPoints() {
		if m == path {
			return true
		}
	}
	return false
}

// mountPoints lists the mount points of this namespace in mount order.
func mountPoints() []string {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) > 4 {
			out = append(out, unescapeMountinfo(fields[4]))
		}
	}
	return out
}

// unescapeMountinfo decodes the octal escapes (\040 for a space) of mountinfo paths.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+3 < len(s) {
			if v, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(v))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// InContainer reports whether this PID namespace is not the initial one: only the initial one has kernel
// threads, and kthreadd is always its pid 2. A /proc that is not our namespace's (we are not pid 1 in it) means
// a container too, whatever it shows.
func InContainer() bool {
	if self, _ := os.Readlink("/proc/self"); self != "1" {
		return true
	}
	b, err := os.ReadFile("/proc/2/stat")
	return err != nil || !strings.Contains(string(b), "(kthreadd)")
}

// unmountAll detaches every mount but the API filesystems, deepest first, and makes / read-only: the last step
// before reboot(2) on a real machine.
func unmountAll(logf func(string, ...any)) {
	mps := mountPoints()
	keep := func(p string) bool {
		for _, k := range []string{"/proc", "/sys", "/dev"} {
			if p == k || strings.HasPrefix(p, k+"/") {
				return true
			}
		}
		return p == "/"
	}
	for i := len(mps) - 1; i >= 0; i-- {
		if !keep(mps[i]) {
			if err := unix.Unmount(mps[i], unix.MNT_DETACH); err != nil {
				logf("cannot unmount %s: %v", mps[i], err)
			}
		}
	}
	if err := unix.Mount("", "/", "", unix.MS_REMOUNT|unix.MS_RDONLY, ""); err != nil {
		logf("cannot remount / read-only: %v", fmt.Sprint(err))
	}
}
