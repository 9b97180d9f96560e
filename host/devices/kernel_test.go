package devices

import (
	"os"
	"path/filepath"
	"testing"
)

// TestKernel: the kernel's own view of a device by its node (a real loop device's) and by its sysfs path.
func TestKernel(t *testing.T) {
	if _, err := os.Stat("/dev/loop0"); err != nil {
		t.Fatalf("/dev/loop0 is needed (the loop module): %v", err)
	}
	d := Kernel(Paths{}, "/dev/loop0")
	if d == nil || d.Syspath != "/sys/devices/virtual/block/loop0" || d.Devnode != "/dev/loop0" || !d.Ready() ||
		d.Properties["SUBSYSTEM"] != "block" {
		t.Fatalf("%+v", d)
	}
	if d := Kernel(Paths{}, "/sys/devices/virtual/block/loop0"); d == nil || d.Syspath != "/sys/devices/virtual/block/loop0" {
		t.Fatalf("by sysfs path: %+v", d)
	}
	for _, p := range []string{"/dev/sysmaster-no-such", "/etc/hostname", "/sys/kernel"} {
		if d := Kernel(Paths{}, p); d != nil {
			t.Errorf("%s: %+v, want nothing", p, d)
		}
	}
	// /dev/null is a character device: it is one.
	if d := Kernel(Paths{}, "/dev/null"); d == nil || d.Syspath != "/sys/devices/virtual/mem/null" {
		t.Errorf("/dev/null: %+v", d)
	}
}

func TestRunning(t *testing.T) {
	p := Paths{Run: t.TempDir()}
	if Running(p) {
		t.Fatal("running without a control socket")
	}
	if err := os.WriteFile(filepath.Join(p.Run, "control"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if !Running(p) {
		t.Fatal("not running with a control socket")
	}
}
