package event

import (
	"context"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/sysmaster/sysmaster/udevd/device"
	"github.com/sysmaster/sysmaster/udevd/rules"
)

// TestRealSysfs runs Debian's rules (dry run) over every device this kernel shows in /sys/class, and checks the
// permissions three nodes every Linux system has get: from 50-udev-default.rules, or the kernel's DEVMODE.
func TestRealSysfs(t *testing.T) {
	files, err := filepath.Glob("../rules/testdata/debian-bookworm-udev/*.rules")
	if err != nil || len(files) != 32 {
		t.Fatalf("Debian rules: %v (%d files)", err, len(files))
	}
	rs, _ := rules.LoadFiles(files)
	p := &Processor{Rules: rs, Test: true}
	paths, _ := filepath.Glob("/sys/class/*/*")
	n := 0
	for _, sp := range paths {
		d, err := device.Sysfs{}.New(sp[len("/sys"):])
		if err != nil {
			continue // not a device (a class attribute file)
		}
		d.SetUeventProperty("ACTION", "add")
		if _, err := p.Process(context.Background(), d); err != nil {
			t.Errorf("%s: %v", sp, err)
		}
		n++
	}
	if n < 10 {
		t.Fatalf("only %d devices in /sys/class", n)
	}
	t.Logf("%d devices processed", n)

	tty, err := user.LookupGroup("tty")
	if err != nil {
		t.Fatal(err)
	}
	ttyGID, _ := strconv.Atoi(tty.Gid)
	for _, c := range []struct {
		devpath   string
		gid, mode int
	}{
		{"/class/mem/null", -1, 0o666},
		{"/class/tty/ptmx", ttyGID, 0o666},
		{"/class/tty/tty0", ttyGID, 0o620},
	} {
		if _, err := os.Stat("/sys" + c.devpath); err != nil {
			t.Fatalf("%s: %v", c.devpath, err)
		}
		d, err := device.Sysfs{}.New(c.devpath)
		if err != nil {
			t.Fatal(err)
		}
		d.SetUeventProperty("ACTION", "add")
		ev, err := p.Process(context.Background(), d)
		if err != nil {
			t.Fatal(err)
		}
		if _, gid, mode := NodePermissions(ev); gid != c.gid || mode != c.mode {
			t.Errorf("%s: group %d mode %o, want %d %o", c.devpath, gid, mode, c.gid, c.mode)
		}
	}
}
