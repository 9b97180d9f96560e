package pid1

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
)

// mountEntry is one line of /proc/self/mountinfo, as far as init needs it.
type mountEntry struct {
	point     string // mount point
	fstype    string
	superOpts string // per-superblock options, as "rw,nsdelegate"
}

// mounts lists the mounts of this mount namespace in mount order, from /proc/self/mountinfo (nil when /proc is
// not mounted).
func mounts() []mountEntry {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil
	}
	defer f.Close()
	ms, err := parseMountinfo(f)
	if err != nil {
		logf("%v", err)
	}
	return ms
}

// parseMountinfo parses a mountinfo file (proc(5)): "id parent major:minor root point options [optional…] -
// fstype source superoptions", decoding the kernel's octal escapes in the mount point. The source may be empty.
// A malformed line is skipped and the first one is reported as an error naming its line; the others are
// returned all the same.
func parseMountinfo(r io.Reader) ([]mountEntry, error) {
	var out []mountEntry
	var bad error
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 1024*1024)
	for line := 1; sc.Scan(); line++ {
		f := strings.Fields(sc.Text())
		sep := -1
		if len(f) > 6 {
			if i := slices.Index(f[6:], "-"); i >= 0 {
				sep = 6 + i
			}
		}
		if sep < 0 || len(f) < sep+3 {
			if bad == nil {
				bad = fmt.Errorf("pid1: /proc/self/mountinfo line %d: want \"id parent dev root point options … - type source superoptions\", got %.80q", line, sc.Text())
			}
			continue
		}
		out = append(out, mountEntry{point: unescapeMountinfo(f[4]), fstype: f[sep+1], superOpts: f[len(f)-1]})
	}
	if err := sc.Err(); err != nil && bad == nil {
		bad = fmt.Errorf("pid1: /proc/self/mountinfo: %v", err)
	}
	return out, bad
}

// unescapeMountinfo decodes the octal escapes (\040 for a space, \134 for a backslash) of mountinfo paths.
func unescapeMountinfo(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
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

// isMountPoint reports whether path is a mount point of this mount namespace.
func isMountPoint(path string) bool {
	for _, m := range mounts() {
		if m.point == path {
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
