package system

import (
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// TestUdevdUnitsLoad: the factory units for udevd load without a bad setting and are not enabled, so they do not
// change the default boot.
func TestUdevdUnitsLoad(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	for _, u := range []string{"sysmaster-udevd.service", "sysmaster-udev-trigger.service", "sysmaster-udev-settle.service"} {
		if st := s.Show(u, "LoadState"); st != "loaded" {
			t.Errorf("%s: LoadState=%s", u, st)
		}
		if out, _, _ := s.Sctl("status", u); strings.Contains(out, "Unknown") || strings.Contains(out, "ignor") ||
			strings.Contains(out, "not supported") {
			t.Errorf("%s: status reports a setting problem:\n%s", u, out)
		}
		if st := s.Show(u, "ActiveState"); st != "inactive" {
			t.Errorf("%s: ActiveState=%s, want inactive (not pulled into the default boot)", u, st)
		}
	}
	if st := s.Show("sysmaster-udevd.service", "Type"); st != "notify" {
		t.Errorf("sysmaster-udevd.service: Type=%s", st)
	}
}
