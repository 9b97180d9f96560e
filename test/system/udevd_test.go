package system

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// TestUdevdUnitsLoad: the factory units for udevd load without a bad setting; sysinit.target pulls udevd, its
// sockets and the coldplug into the boot, and in a container (a test system is one) their conditions leave them
// inactive, so that a test system does not manage the host's devices.
func TestUdevdUnitsLoad(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	pulled := []string{"sysmaster-udevd.service", "sysmaster-udev-trigger.service", "sysmaster-udevd-kernel.socket",
		"sysmaster-udevd-control.socket", "sysmaster-hwdb-update.service", "sysmaster-update-done.service"}
	for _, u := range append(pulled, "sysmaster-udev-settle.service") {
		if st := s.Show(u, "LoadState"); st != "loaded" {
			t.Errorf("%s: LoadState=%s", u, st)
		}
		if out, _, _ := s.Sctl("status", u); strings.Contains(out, "Unknown") || strings.Contains(out, "ignor") ||
			strings.Contains(out, "not supported") {
			t.Errorf("%s: status reports a setting problem:\n%s", u, out)
		}
		if st := s.Show(u, "ActiveState"); st != "inactive" {
			t.Errorf("%s: ActiveState=%s, want inactive (a container's devices are its host's)", u, st)
		}
	}
	for _, u := range pulled {
		if c := s.Show(u, "ConditionResult"); c != "no" {
			t.Errorf("%s: ConditionResult=%s, want no (it was pulled into the boot and skipped)", u, c)
		}
	}
	if st := s.Show("sysmaster-udevd.service", "Type"); st != "notify" {
		t.Errorf("sysmaster-udevd.service: Type=%s", st)
	}
	if st := s.Show("sysmaster-udevd-kernel.socket", "Listen"); st != "kobject-uevent 1 (Netlink)" {
		t.Errorf("sysmaster-udevd-kernel.socket: Listen=%s", st)
	}
}

// TestHwdbUpdateUnit: sysmaster-hwdb-update.service, pulled into the boot, compiles hwdb.d into hwdb.bin when its
// stamp directory needs an update (ConditionNeedsUpdate=: /usr newer than DIR/.updated, or no stamp), and is
// skipped once the stamp is newer than /usr. The test points the unit at its own directories (its condition,
// and devctl's --root), so the host's /etc is left alone.
func TestHwdbUpdateUnit(t *testing.T) {
	t.Parallel()
	root, stamps := t.TempDir(), t.TempDir()
	if err := os.MkdirAll(filepath.Join(root, "etc/udev/hwdb.d"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(root, "etc/udev/hwdb.d/60-test.hwdb"),
		[]byte("usb:v1234p5678*\n ID_MODEL_FROM_DATABASE=Test Model\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// An empty Condition…= drops the unit's conditions (!container among them); then the stamp directory's. (A
	// test system has the host's /usr/bin: devctl is the installed tree's.)
	dropIn := "[Unit]\nConditionVirtualization=\nConditionNeedsUpdate=" + stamps + "\n[Service]\nExecStart=\n" +
		"ExecStart=" + filepath.Join(harness.Install(t), "usr/bin/devctl") + " hwdb --update --root=" + root + "\n"
	s := harness.Start(t, harness.Options{Units: map[string]string{"sysmaster-hwdb-update.service.d/test.conf": dropIn}})
	if !s.WaitFor(30*time.Second, func() bool { return s.Show("sysmaster-hwdb-update.service", "ActiveState") == "active" }) {
		st, _, _ := s.Sctl("status", "sysmaster-hwdb-update.service")
		logs, _, _ := s.Sctl("logs", "sysmaster-hwdb-update.service")
		t.Fatalf("sysmaster-hwdb-update.service is not active:\n%s\n%s", st, logs)
	}
	bin := filepath.Join(root, "etc/udev/hwdb.bin")
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("the boot did not build hwdb.bin: %v", err)
	}
	// The lookup through the database the unit wrote.
	if got, _, code := s.Run(0, "devctl", "hwdb", "--root="+root, "--test=usb:v1234p5678"); code != 0 ||
		!strings.Contains(got, "ID_MODEL_FROM_DATABASE=Test Model") {
		t.Errorf("devctl hwdb --test: exit %d, %q", code, got)
	}

	// Stamped after /usr changed: nothing to update.
	if err := os.Remove(bin); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(stamps, ".updated"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errOut, code := s.Sctl("restart", "sysmaster-hwdb-update.service"); code != 0 {
		t.Fatalf("restart: exit %d: %s", code, errOut)
	}
	if c := s.Show("sysmaster-hwdb-update.service", "ConditionResult"); c != "no" {
		t.Errorf("ConditionResult=%s with a fresh stamp, want no", c)
	}
	if _, err := os.Stat(bin); !os.IsNotExist(err) {
		t.Errorf("hwdb.bin was rebuilt although the stamp is newer than /usr: %v", err)
	}
}
