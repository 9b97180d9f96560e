package system

import (
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// listed reports whether `sctl list-units --all` shows unit, with its row.
func listed(s *harness.System, unit string) (bool, string) {
	out, _, _ := s.Sctl("list-units", "--all", "--no-legend", "--plain")
	row := rowOf(out, unit)
	return row != "", row
}

// collected fails the test unless unit is out of memory: not in `list-units --all`.
func collected(t *testing.T, s *harness.System, unit string) {
	t.Helper()
	if ok, row := listed(s, unit); ok {
		t.Errorf("%s was not collected: %s", unit, row)
	}
}

// An unreferenced oneshot that finished is unloaded; status and show load it again, its log intact, and it can be
// started again.
func TestCollectFinishedOneshot(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"once.service": "[Unit]\nDescription=Once\n[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo ran once'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "once.service"); code != 0 {
		t.Fatalf("start: exit %d %s", code, errs)
	}
	collected(t, s, "once.service")
	out, _, code := s.Sctl("status", "once.service")
	if code != 3 || !strings.Contains(out, "Active: inactive (dead)") || !strings.Contains(out, "sh: ran once") ||
		!strings.Contains(out, "Finished once.service - Once.") {
		t.Errorf("status of the collected unit: exit %d\n%s", code, out)
	}
	// Loading it for status did not keep it.
	collected(t, s, "once.service")
	if st, d := s.Show("once.service", "ActiveState"), s.Show("once.service", "Description"); st != "inactive" || d != "Once" {
		t.Errorf("show of the collected unit: %s, %q", st, d)
	}
	// It is read afresh from disk.
	s.WriteFile("system/once.service", "[Unit]\nDescription=Once more\n[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo ran again'\n")
	if _, errs, code := s.Sctl("start", "once.service"); code != 0 {
		t.Fatalf("second start: exit %d %s", code, errs)
	}
	out, _, _ = s.Sctl("status", "once.service")
	if !strings.Contains(out, "sh: ran once") || !strings.Contains(out, "sh: ran again") || !strings.Contains(out, "Finished once.service - Once more.") {
		t.Errorf("status after the second run:\n%s", out)
	}
	collected(t, s, "once.service")
}

// A failed unit stays until reset-failed (CollectMode=inactive); with CollectMode=inactive-or-failed it goes as
// it fails, and the start still reports the failure.
func TestCollectFailedUnits(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"bad.service":    "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'exit 3'\n",
		"badgc.service":  "[Unit]\nCollectMode=inactive-or-failed\n[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo failing; exit 4'\n",
		"slowgc.service": "[Unit]\nCollectMode=inactive-or-failed\n[Service]\nType=oneshot\nExecStart=/bin/sh -c 'sleep 1; exit 5'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)

	if _, _, code := s.Sctl("start", "bad.service"); code == 0 {
		t.Fatal("start of bad.service succeeded")
	}
	if ok, row := listed(s, "bad.service"); !ok || !strings.Contains(row, "failed") {
		t.Errorf("a failed unit (CollectMode=inactive) is not listed as failed: %q", row)
	}
	if r := s.Show("bad.service", "Result"); r != "exit-code" {
		t.Errorf("bad.service Result %q", r)
	}
	if _, errs, code := s.Sctl("reset-failed", "bad.service"); code != 0 {
		t.Fatalf("reset-failed: %d %s", code, errs)
	}
	collected(t, s, "bad.service")
	if out, _, _ := s.Sctl("status", "bad.service"); !strings.Contains(out, "bad.service: Failed with result 'exit-code'.") {
		t.Errorf("status after reset-failed and collection:\n%s", out)
	}

	_, errs, code := s.Sctl("start", "badgc.service")
	if code != 1 || !strings.Contains(errs, "Job for badgc.service failed") {
		t.Errorf("start of badgc.service: exit %d %q", code, errs)
	}
	collected(t, s, "badgc.service")
	if st := s.Show("badgc.service", "ActiveState"); st != "inactive" {
		t.Errorf("badgc.service, loaded afresh: %s", st)
	}
	if out, _, _ := s.Sctl("status", "badgc.service"); !strings.Contains(out, "sh: failing") || !strings.Contains(out, "Failed with result 'exit-code'.") {
		t.Errorf("status of the collected failed unit:\n%s", out)
	}

	// The waiter is in place long before the unit fails and is collected: it still gets the job's result.
	_, errs, code = s.Sctl("start", "slowgc.service")
	if code != 1 || !strings.Contains(errs, "Job for slowgc.service failed") {
		t.Errorf("start of slowgc.service: exit %d %q", code, errs)
	}
	collected(t, s, "slowgc.service")
}

// A unit wanted by an active target stays loaded when it has finished, with what it last did; when the target goes
// down, both go.
func TestCollectKeptByActiveTarget(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"keeper.target":   "[Unit]\nWants=kept.service\n",
		"kept.service":    "[Service]\nType=oneshot\nExecStart=/bin/true\n",
		"unneeded.target": "[Unit]\nDescription=Nobody wants me\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "keeper.target", "unneeded.target"); code != 0 {
		t.Fatalf("start: exit %d %s", code, errs)
	}
	if ok, row := listed(s, "kept.service"); !ok || !strings.Contains(row, "inactive") {
		t.Errorf("kept.service, wanted by an active target: %q", row)
	}
	if pid := s.Show("kept.service", "ExecMainPID"); pid == "0" || pid == "" {
		t.Errorf("kept.service lost its ExecMainPID: %q", pid)
	}
	// The default target and an active unit stay in any case.
	for _, u := range []string{"multi-user.target", "unneeded.target"} {
		if ok, _ := listed(s, u); !ok {
			t.Errorf("%s was collected", u)
		}
	}
	if _, errs, code := s.Sctl("stop", "keeper.target", "unneeded.target"); code != 0 {
		t.Fatalf("stop: exit %d %s", code, errs)
	}
	for _, u := range []string{"keeper.target", "kept.service", "unneeded.target"} {
		collected(t, s, u)
	}
	if ok, _ := listed(s, "multi-user.target"); !ok {
		t.Error("multi-user.target was collected")
	}
}

// A start skipped by a condition leaves its reason in the unit's log, which sctl status shows after the unit was
// collected (its ConditionResult went with it).
func TestCollectConditionSkip(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"skip.service":     "[Unit]\nConditionPathExists=/nonexistent\n[Service]\nExecStart=/bin/sleep 100\n",
		"notrigger.target": "[Unit]\nDescription=No trigger\nConditionPathExists=|/nonexistent\nConditionPathExists=|/also-missing\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	for _, u := range []string{"skip.service", "notrigger.target"} {
		if _, errs, code := s.Sctl("start", u); code != 0 {
			t.Fatalf("start %s: exit %d %s", u, code, errs)
		}
		collected(t, s, u)
	}
	out, _, _ := s.Sctl("status", "skip.service")
	if !strings.Contains(out, "skip.service was skipped because of an unmet condition check (ConditionPathExists=/nonexistent).") {
		t.Errorf("status of a collected skipped unit:\n%s", out)
	}
	out, _, _ = s.Sctl("status", "notrigger.target")
	if !strings.Contains(out, "notrigger.target - No trigger was skipped because no trigger condition checks were met.") {
		t.Errorf("status of a collected skipped target:\n%s", out)
	}
}
