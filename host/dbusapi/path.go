package dbusapi

import (
	"strconv"
	"strings"

	"github.com/godbus/dbus/v5"
)

// The object paths of systemd's API.
const (
	managerPath = dbus.ObjectPath("/org/freedesktop/systemd1")
	// logControlPath is the object of org.freedesktop.LogControl1, the manager's log settings.
	logControlPath = dbus.ObjectPath("/org/freedesktop/LogControl1")
	unitPrefix     = "/org/freedesktop/systemd1/unit/"
	jobPrefix      = "/org/freedesktop/systemd1/job/"
)

// escapeLabel is sd-bus's bus_label_escape: every byte that is not an ASCII letter, or a digit after the first
// byte, becomes _ and two lower-case hex digits; the empty string is "_".
func escapeLabel(s string) string {
	if s == "" {
		return "_"
	}
	const hex = "0123456789abcdef"
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('_')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&15])
	}
	return b.String()
}

// unescapeLabel undoes escapeLabel; ok is false for a label escapeLabel does not make.
func unescapeLabel(l string) (string, bool) {
	if l == "_" {
		return "", true
	}
	var b strings.Builder
	for i := 0; i < len(l); i++ {
		if l[i] != '_' {
			b.WriteByte(l[i])
			continue
		}
		if i+2 >= len(l) {
			return "", false
		}
		n, err := strconv.ParseUint(l[i+1:i+3], 16, 8)
		if err != nil {
			return "", false
		}
		b.WriteByte(byte(n))
		i += 2
	}
	return b.String(), true
}

// unitPath is the object path of a unit.
func unitPath(name string) dbus.ObjectPath { return dbus.ObjectPath(unitPrefix + escapeLabel(name)) }

// jobPath is the object path of a job.
func jobPath(id uint64) dbus.ObjectPath {
	return dbus.ObjectPath(jobPrefix + strconv.FormatUint(id, 10))
}

// unitOfPath is the unit name of a unit's object path.
func unitOfPath(p dbus.ObjectPath) (string, bool) {
	l, ok := strings.CutPrefix(string(p), unitPrefix)
	if !ok || strings.Contains(l, "/") {
		return "", false
	}
	return unescapeLabel(l)
}

// jobOfPath is the job id of a job's object path.
func jobOfPath(p dbus.ObjectPath) (uint64, bool) {
	l, ok := strings.CutPrefix(string(p), jobPrefix)
	if !ok {
		return 0, false
	}
	id, err := strconv.ParseUint(l, 10, 32)
	return id, err == nil && id > 0
}
