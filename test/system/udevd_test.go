package system

import (
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
		"sysmaster-udevd-control.socket"}
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
