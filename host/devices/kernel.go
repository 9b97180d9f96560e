package devices

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Running reports whether udevd serves the system under p: its control socket exists (libudev's test for a
// running udevd).
func Running(p Paths) bool {
	_, err := os.Stat(filepath.Join(p.run(), "control"))
	return err == nil
}

// Kernel is the device at path as the kernel alone shows it, for a system where no udevd runs: path is a node
// under /dev (or a link to one) or a directory under sysfs. It carries the "systemd" tag, so that its units are
// plugged while it is there. Nil when path names no device now.
func Kernel(p Paths, path string) *Device {
	sys := p.sys()
	d := &Device{Action: "add", Tags: []string{Tag}, Properties: map[string]string{"ACTION": "add", "CURRENT_TAGS": ":" + Tag + ":"}}
	if strings.HasPrefix(path, sys+"/") {
		if _, err := os.Stat(filepath.Join(path, "uevent")); err != nil {
			return nil
		}
		d.Syspath = path
	} else {
		var st unix.Stat_t
		if err := unix.Stat(path, &st); err != nil {
			return nil
		}
		kind := ""
		switch st.Mode & unix.S_IFMT {
		case unix.S_IFBLK:
			kind = "block"
		case unix.S_IFCHR:
			kind = "char"
		default:
			return nil
		}
		link := filepath.Join(sys, "dev", kind, fmt.Sprintf("%d:%d", unix.Major(st.Rdev), unix.Minor(st.Rdev)))
		real, err := filepath.EvalSymlinks(link)
		if err != nil {
			return nil
		}
		d.Syspath = real
		if rel, err := filepath.Rel(evalOr(sys), real); err == nil && !strings.HasPrefix(rel, "..") {
			d.Syspath = filepath.Join(sys, rel)
		}
		d.Devnode = path
	}
	if !p.readUevent(d) {
		return nil
	}
	return d
}
