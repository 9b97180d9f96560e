package system

import (
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

func TestOnFailureOnSuccessStartLimitResetFailed(t *testing.T) {
	t.Parallel()
	run := harness.BuildPlugin(t, "sdk/examples/run", t.TempDir())
	s := harness.Start(t, harness.Options{
		Config: "[Plugin.run]\nPath = \"" + run + "\"\n",
		Units: map[string]string{
			"fail.run":              "[Unit]\nOnFailure=handle-failure.target\n[Run]\nCommand=/bin/sh -c \"exit 3\"\n",
			"ok.run":                "[Unit]\nOnSuccess=celebrate.target\n[Run]\nCommand=/bin/true\n",
			"limit.run":             "[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=2\n[Run]\nCommand=/bin/sh -c \"exit 1\"\n",
			"handle-failure.target": "[Unit]\nDescription=Failure handler\n",
			"celebrate.target":      "[Unit]\nDescription=Success handler\n",
		},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)

	if _, errs, code := s.Sctl("start", "fail.run"); code != 0 {
		t.Fatalf("start fail.run: %d %s", code, errs)
	}
	s.WaitActive("fail.run", "failed", 10*time.Second)
	if r := s.Show("fail.run", "Result"); r != "exit-code" {
		t.Errorf("fail.run Result = %q", r)
	}
	s.WaitActive("handle-failure.target", "active", 10*time.Second)
	if _, _, code := s.Sctl("is-failed", "fail.run"); code != 0 {
		t.Errorf("is-failed of a failed unit: exit %d", code)
	}

	if _, errs, code := s.Sctl("start", "ok.run"); code != 0 {
		t.Fatalf("start ok.run: %d %s", code, errs)
	}
	s.WaitActive("celebrate.target", "active", 10*time.Second)
	if st := s.Show("ok.run", "ActiveState"); st != "inactive" {
		t.Errorf("ok.run after a clean exit: %s", st)
	}

	// Two starts pass within the limit; the third is refused and marks the unit.
	for i := 0; i < 2; i++ {
		if _, errs, code := s.Sctl("start", "limit.run"); code != 0 {
			t.Fatalf("start %d of limit.run: exit %d %s", i+1, code, errs)
		}
		s.WaitActive("limit.run", "failed", 10*time.Second)
	}
	if _, _, code := s.Sctl("start", "limit.run"); code == 0 {
		t.Error("third start within the limit succeeded")
	}
	if r := s.Show("limit.run", "Result"); r != "start-limit-hit" {
		t.Errorf("Result = %q, want start-limit-hit", r)
	}
	if _, errs, code := s.Sctl("reset-failed", "limit.run"); code != 0 {
		t.Fatalf("reset-failed: %d %s", code, errs)
	}
	if st, r := s.Show("limit.run", "ActiveState"), s.Show("limit.run", "Result"); st != "inactive" || r != "success" {
		t.Errorf("after reset-failed: %s, %s", st, r)
	}
	if _, errs, code := s.Sctl("start", "limit.run"); code != 0 {
		t.Errorf("start after reset-failed: exit %d %s", code, errs)
	}
	// reset-failed without units resets every failed unit.
	s.WaitActive("fail.run", "failed", time.Second)
	s.Sctl("reset-failed")
	if st := s.Show("fail.run", "ActiveState"); st != "inactive" {
		t.Errorf("reset-failed without units left fail.run %s", st)
	}
}

func TestIsolate(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"keep.target":   "[Unit]\nIgnoreOnIsolate=yes\n",
		"other.target":  "[Unit]\nDescription=Other\n",
		"closed.target": "[Unit]\nDescription=Not isolatable\n",
		"only.target":   "[Unit]\nAllowIsolate=yes\nWants=wanted.target\n",
		"wanted.target": "[Unit]\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	for _, u := range []string{"keep.target", "other.target"} {
		if _, errs, code := s.Sctl("start", u); code != 0 {
			t.Fatalf("start %s: %s", u, errs)
		}
	}
	if _, errs, code := s.Sctl("isolate", "closed.target"); code == 0 || !strings.Contains(errs, "may not be isolated") {
		t.Errorf("isolate without AllowIsolate: exit %d %q", code, errs)
	}
	if st := s.Show("other.target", "ActiveState"); st != "active" {
		t.Errorf("a refused isolate changed other.target: %s", st)
	}
	if _, errs, code := s.Sctl("isolate", "only.target"); code != 0 {
		t.Fatalf("isolate only.target: exit %d %s", code, errs)
	}
	want := map[string]string{"only.target": "active", "wanted.target": "active", "keep.target": "active",
		"other.target": "inactive", "multi-user.target": "inactive"}
	for u, st := range want {
		if got := s.Show(u, "ActiveState"); got != st {
			t.Errorf("after isolate: %s is %s, want %s", u, got, st)
		}
	}
}

// A stop that never completes (the process ignores SIGTERM and the example plugin sends nothing stronger)
// ends with result timeout after JobTimeoutSec=.
func TestJobTimeout(t *testing.T) {
	t.Parallel()
	run := harness.BuildPlugin(t, "sdk/examples/run", t.TempDir())
	s := harness.Start(t, harness.Options{
		Config: "[Plugin.run]\nPath = \"" + run + "\"\n",
		Units: map[string]string{
			"stubborn.run": "[Unit]\nJobTimeoutSec=1\n[Run]\nCommand=/bin/sh -c \"trap '' TERM; touch /run/stubborn.trapping; while :; do sleep 0.1; done\"\n",
		},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "stubborn.run"); code != 0 {
		t.Fatalf("start: %s", errs)
	}
	// A SIGTERM before the trap is set would end it at once.
	if !s.WaitFor(10*time.Second, func() bool { _, err := s.ReadFile("/run/stubborn.trapping"); return err == nil }) {
		t.Fatal("stubborn.run never got to ignore SIGTERM")
	}
	start := time.Now()
	_, errs, code := s.Sctl("stop", "stubborn.run")
	if code != 1 || !strings.Contains(errs, "Job for stubborn.run timed out.") {
		t.Errorf("stop: exit %d %q", code, errs)
	}
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Errorf("the job timed out after %v, before JobTimeoutSec=1", d)
	}
	if st := s.Show("stubborn.run", "ActiveState"); st != "deactivating" {
		t.Errorf("the unit is %s: a job timeout leaves the unit to its own timeouts", st)
	}
	if j := s.Show("stubborn.run", "Job"); j != "" {
		t.Errorf("the job is still installed: %q", j)
	}
	// End the stubborn process so that the test's shutdown is quick.
	pid := s.Show("stubborn.run", "MainPID")
	if n, _ := strconv.Atoi(pid); n <= 1 {
		t.Fatalf("MainPID %q", pid) // kill -9 0 would kill the test's own process group
	}
	if out, err := exec.Command("nsenter", "-t", itoa(s.InitPid), "-m", "-p", "kill", "-9", pid).CombinedOutput(); err != nil {
		t.Fatalf("kill %s: %v %s", pid, err, out)
	}
	s.WaitActive("stubborn.run", "inactive", 10*time.Second)
}

func TestBindsToAndUpholds(t *testing.T) {
	t.Parallel()
	run := harness.BuildPlugin(t, "sdk/examples/run", t.TempDir())
	s := harness.Start(t, harness.Options{
		Config: "[Plugin.run]\nPath = \"" + run + "\"\n",
		Units: map[string]string{
			"short.run":     "[Run]\nCommand=/bin/sleep 0.5\n",
			"bound.run":     "[Unit]\nBindsTo=short.run\n[Run]\nCommand=/bin/sleep 30\n",
			"flaky.run":     "[Run]\nCommand=/bin/sleep 0.5\n",
			"keeper.target": "[Unit]\nUpholds=flaky.run\n",
		},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "bound.run"); code != 0 {
		t.Fatalf("start bound.run: %s", errs)
	}
	if st := s.Show("short.run", "ActiveState"); st != "active" {
		t.Fatalf("BindsTo did not pull short.run in: %s", st)
	}
	// short.run ends by itself: bound.run is stopped with it.
	s.WaitActive("short.run", "inactive", 10*time.Second)
	s.WaitActive("bound.run", "inactive", 10*time.Second)

	if _, errs, code := s.Sctl("start", "keeper.target"); code != 0 {
		t.Fatalf("start keeper.target: %s", errs)
	}
	s.WaitActive("flaky.run", "active", 10*time.Second)
	first := s.Show("flaky.run", "ActiveEnterTimestampMonotonic")
	// flaky.run ends after half a second and is started again while keeper.target upholds it.
	if !s.WaitFor(10*time.Second, func() bool {
		return s.Show("flaky.run", "ActiveEnterTimestampMonotonic") != first && s.Show("flaky.run", "ActiveState") == "active"
	}) {
		t.Fatalf("flaky.run was not started again; console:\n%s", s.Console())
	}
	// Stopping it on purpose is respected.
	s.Sctl("stop", "keeper.target")
	s.Sctl("stop", "flaky.run")
	time.Sleep(300 * time.Millisecond)
	if st := s.Show("flaky.run", "ActiveState"); st != "inactive" {
		t.Errorf("flaky.run came back after an explicit stop: %s", st)
	}
}

func TestRestartDependenciesMode(t *testing.T) {
	t.Parallel()
	run := harness.BuildPlugin(t, "sdk/examples/run", t.TempDir())
	s := harness.Start(t, harness.Options{
		Config: "[Plugin.run]\nPath = \"" + run + "\"\n",
		Units: map[string]string{
			"db.run":  "[Run]\nCommand=/bin/sleep 60\n",
			"app.run": "[Unit]\nRequires=db.run\nAfter=db.run\n[Run]\nCommand=/bin/sleep 60\n",
		},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "app.run"); code != 0 {
		t.Fatalf("start app.run: %s", errs)
	}
	appPid, dbPid := s.Show("app.run", "MainPID"), s.Show("db.run", "MainPID")
	if _, errs, code := s.Sctl("start", "--job-mode=restart-dependencies", "db.run"); code != 0 {
		t.Fatalf("start --job-mode=restart-dependencies: exit %d %s", code, errs)
	}
	// sctl waits for db.run's own job only; app.run's restart follows.
	if !s.WaitFor(10*time.Second, func() bool {
		p := s.Show("app.run", "MainPID")
		return p != appPid && p != "0" && s.Show("app.run", "ActiveState") == "active"
	}) {
		t.Errorf("app.run was not restarted: MainPID %s (was %s)", s.Show("app.run", "MainPID"), appPid)
	}
	if p := s.Show("db.run", "MainPID"); p != dbPid {
		t.Errorf("db.run (already active, only started) changed MainPID %s -> %s", dbPid, p)
	}
	if _, errs, code := s.Sctl("start", "--job-mode=triggering", "db.run"); code == 0 || !strings.Contains(errs, "only allowed with stop") {
		t.Errorf("triggering with start: exit %d %q", code, errs)
	}
}

func TestStopWhenUnneeded(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"helper.target": "[Unit]\nStopWhenUnneeded=yes\n",
		"user.target":   "[Unit]\nWants=helper.target\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "user.target"); code != 0 {
		t.Fatalf("start user.target: %s", errs)
	}
	if st := s.Show("helper.target", "ActiveState"); st != "active" {
		t.Fatalf("helper.target is %s while user.target wants it", st)
	}
	s.Sctl("stop", "user.target")
	s.WaitActive("helper.target", "inactive", 5*time.Second)
	// Started on its own, with nobody needing it, it stops at once.
	s.Sctl("start", "helper.target")
	s.WaitActive("helper.target", "inactive", 5*time.Second)
}
