package pid1

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/mountinfo"
)

// mounts lists the mounts of this mount namespace in mount order (nil when /proc is not mounted).
func mounts() []mountinfo.Mount {
	ms, err := mountinfo.Read()
	if err != nil {
		logf("%v", err)
	}
	return ms
}

// isMountPoint reports whether path is a mount point of this mount namespace.
func isMountPoint(path string) bool {
	for _, m := range mounts() {
		if m.Point == path {
			return true
		}
	}
	return false
}

// procStat is what init needs of /proc/PID/stat.
type procStat struct {
	comm  string
	ppid  int
	flags uint64
}

// pfKthread is PF_KTHREAD in the flags of /proc/PID/stat: only kernel threads carry it.
const pfKthread = 0x00200000

// parseStat parses /proc/PID/stat (proc(5)): "pid (comm) state ppid pgrp session tty_nr tpgid flags …". The
// command name may itself hold spaces and parentheses, so it ends at the last ')'.
func parseStat(b []byte) (procStat, error) {
	open, end := bytes.IndexByte(b, '('), bytes.LastIndexByte(b, ')')
	if open < 0 || end < open {
		return procStat{}, fmt.Errorf("no (comm) in %.40q", b)
	}
	f := strings.Fields(string(b[end+1:]))
	if len(f) < 7 {
		return procStat{}, fmt.Errorf("%d fields after the command name, want at least 7", len(f))
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return procStat{}, fmt.Errorf("ppid %q: %v", f[1], err)
	}
	flags, err := strconv.ParseUint(f[6], 10, 64)
	if err != nil {
		return procStat{}, fmt.Errorf("flags %q: %v", f[6], err)
	}
	return procStat{comm: string(b[open+1 : end]), ppid: ppid, flags: flags}, nil
}

func readStat(pid int) (procStat, error) {
	path := fmt.Sprintf("/proc/%d/stat", pid)
	b, err := os.ReadFile(path)
	if err != nil {
		return procStat{}, err
	}
	st, err := parseStat(b)
	if err != nil {
		return st, fmt.Errorf("pid1: %s: %v", path, err)
	}
	return st, nil
}

// procIsOurs reports whether /proc belongs to our PID namespace: /proc/self then names our own pid.
func procIsOurs() bool {
	self, err := os.Readlink("/proc/self")
	return err == nil && self == strconv.Itoa(os.Getpid())
}

// InContainer reports whether init runs in a container rather than a real boot: a real boot is the initial PID
// namespace, the only one with kernel threads, whose pid 2 is always kthreadd. It asks /proc only when /proc
// belongs to our PID namespace; a /proc that does not means a container.
func InContainer() bool {
	if !procIsOurs() {
		return true
	}
	st, err := readStat(2)
	return err != nil || st.comm != "kthreadd" || st.flags&pfKthread == 0
}
