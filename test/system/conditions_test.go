package system

import (
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

func TestConditionsAndAsserts(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"holds.target":     "[Unit]\nConditionPathExists=/etc/sysmaster/system.conf\n",
		"unmet.target":     "[Unit]\nConditionPathExists=/nonexistent\n",
		"negated.target":   "[Unit]\nConditionPathExists=!/nonexistent\n",
		"trigger.target":   "[Unit]\nConditionPathExists=|/nonexistent\nConditionPathIsDirectory=|/etc\n",
		"notrigger.target": "[Unit]\nConditionPathExists=|/nonexistent\nConditionPathExists=|/also-missing\n",
		"assert.target":    "[Unit]\nAssertPathExists=/nonexistent\n",
		"assertok.target":  "[Unit]\nAssertPathIsDirectory=/run\n",
		// Up from boot, it references the units above without pulling them in, so that they stay loaded with
		// their ConditionResult and AssertResult once their jobs ended (an unreferenced inactive unit is
		// collected; TestCollectConditionSkip shows what survives that).
		"keep.target": "[Unit]\nAfter=holds.target unmet.target negated.target trigger.target notrigger.target assert.target assertok.target\n",
	}, Links: map[string]string{"multi-user.target.wants/keep.target": "../keep.target"}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	cases := []struct {
		unit       string
		code       int
		active     string
		condition  string
		assert     string
		errContain string
	}{
		{"holds.target", 0, "active", "yes", "yes", ""},
		// The asserts of a unit skipped by a condition never ran: AssertResult=no, as systemd shows it.
		{"unmet.target", 0, "inactive", "no", "no", ""},
		{"negated.target", 0, "active", "yes", "yes", ""},
		{"trigger.target", 0, "active", "yes", "yes", ""},
		{"notrigger.target", 0, "inactive", "no", "no", ""},
		{"assert.target", 1, "inactive", "yes", "no", "Job for assert.target failed"},
		{"assertok.target", 0, "active", "yes", "yes", ""},
	}
	for _, c := range cases {
		_, errs, code := s.Sctl("start", c.unit)
		if code != c.code || !strings.Contains(errs, c.errContain) {
			t.Errorf("start %s: exit %d %q, want %d", c.unit, code, errs, c.code)
		}
		if got := s.Show(c.unit, "ActiveState"); got != c.active {
			t.Errorf("%s: ActiveState %s, want %s", c.unit, got, c.active)
		}
		if got := s.Show(c.unit, "ConditionResult"); got != c.condition {
			t.Errorf("%s: ConditionResult %q, want %q", c.unit, got, c.condition)
		}
		if got := s.Show(c.unit, "AssertResult"); got != c.assert {
			t.Errorf("%s: AssertResult %q, want %q", c.unit, got, c.assert)
		}
	}
	out, _, _ := s.Sctl("status", "unmet.target")
	if !strings.Contains(out, "Condition: start condition unmet at") || !strings.Contains(out, "└─ ConditionPathExists=/nonexistent was not met") ||
		!strings.Contains(out, "unmet.target was skipped because of an unmet condition check (ConditionPathExists=/nonexistent).") {
		t.Errorf("status of a unit whose condition failed:\n%s", out)
	}
	if ts := s.Show("unmet.target", "ConditionTimestamp"); ts == "" {
		t.Error("no ConditionTimestamp")
	}
}
