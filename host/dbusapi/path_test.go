package dbusapi

import (
	"testing"

	"github.com/godbus/dbus/v5"
)

// Object paths as systemd 252 names them (sd_bus_path_encode; checked with busctl against its PID 1).
func TestUnitPath(t *testing.T) {
	for _, c := range []struct{ unit, path string }{
		{"s.service", "/org/freedesktop/systemd1/unit/s_2eservice"},
		{"-.mount", "/org/freedesktop/systemd1/unit/_2d_2emount"},
		{"dev-vda.device", "/org/freedesktop/systemd1/unit/dev_2dvda_2edevice"},
		{"getty@tty1.service", "/org/freedesktop/systemd1/unit/getty_40tty1_2eservice"},
		{"1x.service", "/org/freedesktop/systemd1/unit/_31x_2eservice"},
		{"x1.service", "/org/freedesktop/systemd1/unit/x1_2eservice"},
		{`dev-disk-by\x2dlabel.device`, "/org/freedesktop/systemd1/unit/dev_2ddisk_2dby_5cx2dlabel_2edevice"},
	} {
		if got := unitPath(c.unit); string(got) != c.path {
			t.Errorf("unitPath(%q) = %s, want %s", c.unit, got, c.path)
		}
		if got, ok := unitOfPath(unitPath(c.unit)); !ok || got != c.unit {
			t.Errorf("unitOfPath(%s) = %q %v", c.path, got, ok)
		}
	}
	for _, bad := range []string{"/org/freedesktop/systemd1/unit/a_2", "/org/freedesktop/systemd1/unit/a_zz", "/org/freedesktop/systemd1/unit/a/b"} {
		if u, ok := unitOfPath(dbus.ObjectPath(bad)); ok {
			t.Errorf("unitOfPath(%s) = %q, want a refusal", bad, u)
		}
	}
	if id, ok := jobOfPath(jobPath(42)); !ok || id != 42 {
		t.Errorf("jobOfPath(jobPath(42)) = %d %v", id, ok)
	}
}

func FuzzUnescapeLabel(f *testing.F) {
	for _, s := range []string{"_", "s_2eservice", "_2d_2emount", "a_2", "a_zz", "_31x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, l string) {
		s, ok := unescapeLabel(l)
		if !ok {
			return
		}
		// What unescapes must escape back to a label that unescapes to the same name.
		if back, ok := unescapeLabel(escapeLabel(s)); !ok || back != s {
			t.Fatalf("%q → %q → %q → %q", l, s, escapeLabel(s), back)
		}
	})
}
