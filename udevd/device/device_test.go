package device

import (
	"os"
	"path/filepath"
	"testing"
)

func TestCleanDevlink(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"disk/by-id/x", "/dev/disk/by-id/x"}, {"/./dev///a", "/dev/a"}, {"././b/./", "/dev/b"},
		{"/dev//./c/./", "/dev/c"}, {"../x", ""}, {"a/../../x", ""}, {"/nondev/x", ""}, {".", ""}, {"/dev", ""},
	} {
		got, err := CleanDevlink(c.in)
		if (err == nil) != (c.want != "") || got != c.want {
			t.Errorf("CleanDevlink(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
}

func TestNewAndParent(t *testing.T) {
	root := t.TempDir()
	write := func(p, s string) {
		full := filepath.Join(root, p)
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(full, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("devices/platform/serial8250/uevent", "DRIVER=serial8250\n")
	write("devices/platform/serial8250/tty/ttyS1/uevent", "MAJOR=4\nMINOR=65\nDEVNAME=ttyS1\n")
	write("devices/platform/serial8250/tty/ttyS1/unreadable", "x")
	if err := os.Chmod(filepath.Join(root, "devices/platform/serial8250/tty/ttyS1/unreadable"), 0o200); err != nil {
		t.Fatal(err)
	}
	write("class/tty/.keep", "")
	if err := os.Symlink("../../devices/platform/serial8250/tty/ttyS1", filepath.Join(root, "class/tty/ttyS1")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../class/tty", filepath.Join(root, "devices/platform/serial8250/tty/ttyS1/subsystem")); err != nil {
		t.Fatal(err)
	}
	s := Sysfs{Root: root}
	d, err := s.NewFromSubsystemSysname("tty", "ttyS1")
	if err != nil {
		t.Fatal(err)
	}
	if d.Devpath != "/devices/platform/serial8250/tty/ttyS1" || d.Sysname != "ttyS1" || d.Sysnum != "1" ||
		d.Subsystem != "tty" || d.Devname != "/dev/ttyS1" || d.ID() != "c4:65" {
		t.Errorf("device %+v, id %s", d, d.ID())
	}
	// "tty" has no uevent file: the parent is the platform device.
	if p := d.Parent(); p == nil || p.Sysname != "serial8250" || p.Driver != "serial8250" {
		t.Errorf("parent %+v", p)
	}
	if _, err := d.Attr("unreadable"); err == nil {
		t.Error("an attribute without read permission was read")
	}
	if v, err := d.Attr("subsystem"); err != nil || v != "tty" {
		t.Errorf("symlink attribute = %q, %v", v, err)
	}
	if _, err := s.New("/devices/platform/serial8250/tty"); err == nil {
		t.Error("a directory without uevent is a device")
	}
	d.SetProperty("ID_X", "1")
	d.SetProperty(".HIDDEN", "1")
	if keys := d.DBPropertyKeys(); len(keys) != 1 || keys[0] != "ID_X" {
		t.Errorf("database properties %v", keys)
	}
}

// FuzzNewFromID: any id is refused or found without a panic.
func FuzzNewFromID(f *testing.F) {
	for _, s := range []string{"b7:0", "c1:3", "n1", "+net:lo", "+", "b:", "n-1", "c99999999999:1"} {
		f.Add(s)
	}
	sys := Sysfs{Root: f.TempDir()}
	f.Fuzz(func(t *testing.T, id string) {
		_, _ = sys.NewFromID(id)
	})
}
