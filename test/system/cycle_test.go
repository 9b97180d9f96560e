package system

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// A ring of 20 units that Require and are ordered After the next one: every start is refused with the cyclic
// message naming the ring, nothing is left installed, and the manager keeps serving.
func TestRequiresAfterRingIsRefused(t *testing.T) {
	t.Parallel()
	units := map[string]string{}
	for i := 0; i < 20; i++ {
		next := fmt.Sprintf("ring%02d.target", (i+1)%20)
		units[fmt.Sprintf("ring%02d.target", i)] = "[Unit]\nRequires=" + next + "\nAfter=" + next + "\n"
	}
	s := harness.Start(t, harness.Options{Units: units})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	for _, i := range []int{0, 7, 19} {
		u := fmt.Sprintf("ring%02d.target", i)
		_, errs, code := s.Sctl("start", u)
		if code == 0 || !strings.Contains(errs, "transaction order is cyclic") || strings.Count(errs, "ring") < 20 {
			t.Errorf("start %s: exit %d %q", u, code, errs)
		}
		if st := s.Show(u, "ActiveState"); st != "inactive" {
			t.Errorf("%s is %s", u, st)
		}
	}
	if out, _, _ := s.Sctl("list-jobs"); out != "No jobs running.\n" {
		t.Errorf("a refused transaction left jobs:\n%s", out)
	}
	if out, _, code := s.Sctl("is-active", "multi-user.target"); code != 0 || out != "active\n" {
		t.Errorf("the manager stopped serving: %q %d", out, code)
	}
	// The ring, all inactive, does not block the shutdown.
	s.Sctl("poweroff")
	select {
	case <-s.Exited():
	case <-time.After(10 * time.Second):
		t.Fatalf("poweroff blocked by the inactive ring; console:\n%s", s.Console())
	}
}
