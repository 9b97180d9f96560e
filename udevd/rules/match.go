package rules

import (
	"github.com/sysmaster/sysmaster/udevd/fnmatch"
	"os"
	"path/filepath"
	"strings"

	"github.com/sysmaster/sysmaster/udevd/device"
)

// matchString compares s with a match token's value (its '|' alternatives, globs); the result honours the op.
func matchString(t *token, s string) bool {
	m := false
	switch t.match {
	case matchEmpty:
		m = s == ""
	case matchSubsystem:
		m = s == "subsystem" || s == "class" || s == "bus"
	case matchPlainWithEmpty, matchPlain:
		m = t.match == matchPlainWithEmpty && s == ""
		for _, a := range t.alts {
			if m {
				break
			}
			m = a == s
		}
	case matchGlobWithEmpty, matchGlob:
		m = t.match == matchGlobWithEmpty && s == ""
		for _, a := range t.alts {
			if m {
				break
			}
			m = fnmatch.Match(a, s)
		}
	}
	return m == (t.op == OpMatch)
}

// matchAny is true for == when some element matches, for != when none does.
func matchAny(t *token, list []string) bool {
	for _, s := range list {
		if matchString(t, s) == (t.op == OpMatch) {
			return t.op == OpMatch
		}
	}
	return t.op == OpNoMatch
}

// matchAttr is ATTR{}/ATTRS{} against dev: a missing attribute never matches, whatever the operator.
func (ev *Event) matchAttr(t *token, dev *device.Device) bool {
	var v string
	switch t.attrSubst {
	case substSubsys:
		r, err := dev.Sysfs().ResolveSubsysKernel(t.attr, true)
		if err != nil {
			return false
		}
		v = r
	default:
		name := t.attr
		if t.attrSubst == substFormat {
			name = ev.format(name, false)
		}
		r, err := dev.Attr(name)
		if err != nil {
			return false
		}
		v = r
	}
	if t.trimSpace {
		v = strings.TrimRight(v, " \t\n\r\v\f")
	}
	return matchString(t, v)
}

// test is TEST{mode}=="path": a relative path is below the device (or "[subsystem/sysname]…"); "/*/" in it
// matches any one directory.
func (ev *Event) test(t *token, dev *device.Device) bool {
	p := ev.format(t.value, false)
	if !filepath.IsAbs(p) {
		if r, err := dev.Sysfs().ResolveSubsysKernel(p, false); err == nil {
			p = r
		} else {
			p = dev.Syspath() + "/" + p
		}
	}
	p, ok := substSubdir(p)
	if !ok {
		return t.op == OpNoMatch
	}
	st, err := os.Stat(p)
	if err != nil {
		return t.op == OpNoMatch
	}
	if t.num < 0 {
		return t.op == OpMatch
	}
	return (int(st.Mode().Perm())|modeBits(st.Mode()))&t.num != 0 == (t.op == OpMatch)
}

// modeBits returns the setuid/setgid/sticky bits of m as in a Unix mode.
func modeBits(m os.FileMode) int {
	b := 0
	if m&os.ModeSetuid != 0 {
		b |= 0o4000
	}
	if m&os.ModeSetgid != 0 {
		b |= 0o2000
	}
	if m&os.ModeSticky != 0 {
		b |= 0o1000
	}
	return b
}

// substSubdir replaces the first "/*/" of p with the first directory entry under which the rest exists.
func substSubdir(p string) (string, bool) {
	i := strings.Index(p, "/*/")
	if i < 0 {
		return p, true
	}
	dir, tail := p[:i+1], p[i+2:]
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", false
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		c := dir + e.Name() + tail
		if _, err := os.Lstat(c); err == nil {
			return c, true
		}
	}
	return "", false
}
