package system

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Each dependency type, driven through sctl and checked with show -p and exit codes.
func TestDependencyTypes(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"requisite.target":   "[Unit]\nRequisite=needed.target\nAfter=needed.target\n",
		"needed.target":      "[Unit]\n",
		"part.target":        "[Unit]\nPartOf=whole.target\n",
		"whole.target":       "[Unit]\nWants=part.target\n",
		"conflicting.target": "[Unit]\nConflicts=peace.target\n",
		"peace.target":       "[Unit]\n",
		"manual-no.target":   "[Unit]\nRefuseManualStart=yes\nRefuseManualStop=yes\n",
		"puller.target":      "[Unit]\nWants=manual-no.target\n",
		"nodefault.target":   "[Unit]\nDefaultDependencies=no\n",
		"stopper.target":     "[Unit]\nPropagatesStopTo=follower.target\n",
		"follower.target":    "[Unit]\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	state := func(u string) string { return s.Show(u, "ActiveState") }

	// Requisite: fails unless the unit is already active; never starts it.
	if _, errs, code := s.Sctl("start", "requisite.target"); code == 0 || !strings.Contains(errs, "dependency") {
		t.Errorf("Requisite on an inactive unit: exit %d %q", code, errs)
	}
	if state("needed.target") != "inactive" || state("requisite.target") != "inactive" {
		t.Errorf("Requisite started something: %s %s", state("needed.target"), state("requisite.target"))
	}
	s.Sctl("start", "needed.target")
	if _, errs, code := s.Sctl("start", "requisite.target"); code != 0 || state("requisite.target") != "active" {
		t.Errorf("Requisite on an active unit: exit %d %q", code, errs)
	}

	// PartOf: stopping the whole stops the part; stopping the part leaves the whole.
	s.Sctl("start", "whole.target")
	s.Sctl("stop", "part.target")
	if state("whole.target") != "active" {
		t.Error("stopping a part stopped the whole")
	}
	s.Sctl("start", "part.target")
	s.Sctl("stop", "whole.target")
	if state("part.target") != "inactive" {
		t.Errorf("PartOf: part is %s after stopping the whole", state("part.target"))
	}

	// Conflicts, both ways.
	s.Sctl("start", "peace.target")
	s.Sctl("start", "conflicting.target")
	if state("peace.target") != "inactive" || state("conflicting.target") != "active" {
		t.Errorf("Conflicts: peace %s, conflicting %s", state("peace.target"), state("conflicting.target"))
	}
	s.Sctl("start", "peace.target")
	if state("conflicting.target") != "inactive" {
		t.Errorf("ConflictedBy: conflicting is %s", state("conflicting.target"))
	}

	// RefuseManualStart/Stop: refused by hand, fine as a dependency.
	if _, errs, code := s.Sctl("start", "manual-no.target"); code == 0 || !strings.Contains(errs, "refuse manual start") {
		t.Errorf("manual start: exit %d %q", code, errs)
	}
	s.Sctl("start", "puller.target")
	if state("manual-no.target") != "active" {
		t.Errorf("pulled in as a dependency it should start: %s", state("manual-no.target"))
	}
	if _, errs, code := s.Sctl("stop", "manual-no.target"); code == 0 || !strings.Contains(errs, "refuse manual start/stop") {
		t.Errorf("manual stop: exit %d %q", code, errs)
	}

	// DefaultDependencies: a target gets Conflicts=/Before=shutdown.target unless it says no.
	if c := s.Show("peace.target", "Conflicts"); !strings.Contains(c, "shutdown.target") {
		t.Errorf("default dependencies missing: Conflicts=%q", c)
	}
	if c := s.Show("nodefault.target", "Conflicts"); strings.Contains(c, "shutdown.target") {
		t.Errorf("DefaultDependencies=no still got Conflicts=%q", c)
	}

	// PropagatesStopTo.
	s.Sctl("start", "stopper.target", "follower.target")
	s.Sctl("stop", "stopper.target")
	if state("follower.target") != "inactive" {
		t.Errorf("PropagatesStopTo: follower is %s", state("follower.target"))
	}
}

// Each job mode, through sctl --job-mode.
func TestJobModes(t *testing.T) {
	t.Parallel()
	run := harness.BuildPlugin(t, "sdk/examples/run", t.TempDir())
	s := harness.Start(t, harness.Options{
		Config: "[Plugin.run]\nPath = \"" + run + "\"\n",
		Units: map[string]string{
			// slow.run stops slowly (it ignores SIGTERM for 4 s), so its stop job stays installed over the next sctl
			// call even on a loaded machine.
			"slow.run":     "[Run]\nCommand=/bin/sh -c \"trap 'rm /run/slow.trapping; sleep 4; exit 0' TERM; touch /run/slow.trapping; while :; do sleep 0.1; done\"\n",
			"dep.target":   "[Unit]\n",
			"req.target":   "[Unit]\nRequires=dep.target\nAfter=dep.target\n",
			"other.target": "[Unit]\n",
		},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	state := func(u string) string { return s.Show(u, "ActiveState") }
	// startSlow starts slow.run and waits until it traps SIGTERM: a SIGTERM that comes before kills it at once.
	startSlow := func() {
		t.Helper()
		s.Sctl("start", "slow.run")
		if !s.WaitFor(10*time.Second, func() bool { _, err := s.ReadFile("/run/slow.trapping"); return err == nil }) {
			t.Fatal("slow.run never got to trap SIGTERM")
		}
	}

	// fail: refused while a conflicting job is installed; replace: takes over.
	startSlow()
	s.Sctl("stop", "--no-block", "slow.run")
	if _, errs, code := s.Sctl("start", "--job-mode=fail", "slow.run"); code == 0 || !strings.Contains(errs, "destructive") {
		t.Errorf("--job-mode=fail over a stop job: exit %d %q", code, errs)
	}
	s.WaitActive("slow.run", "inactive", 10*time.Second)

	// ignore-requirements: the requirement is not pulled in.
	if _, errs, code := s.Sctl("start", "--job-mode=ignore-requirements", "req.target"); code != 0 {
		t.Fatalf("ignore-requirements: %s", errs)
	}
	if state("dep.target") != "inactive" {
		t.Errorf("ignore-requirements pulled in dep.target")
	}
	s.Sctl("stop", "req.target")

	// ignore-dependencies: likewise, and no ordering either.
	if _, errs, code := s.Sctl("start", "--job-mode=ignore-dependencies", "req.target"); code != 0 || state("dep.target") != "inactive" {
		t.Errorf("ignore-dependencies: exit %d %q, dep %s", code, errs, state("dep.target"))
	}
	s.Sctl("stop", "req.target")

	// flush: cancels every other installed job.
	startSlow()
	s.Sctl("stop", "--no-block", "slow.run")
	if _, errs, code := s.Sctl("start", "--job-mode=flush", "other.target"); code != 0 {
		t.Fatalf("flush: %s", errs)
	}
	if j := s.Show("slow.run", "Job"); j != "" {
		t.Errorf("flush left slow.run's job: %q", j)
	}
	s.WaitActive("slow.run", "inactive", 10*time.Second)

	// replace-irreversibly: a later conflicting request cannot replace the job.
	startSlow()
	s.Sctl("stop", "--no-block", "--job-mode=replace-irreversibly", "slow.run")
	if _, errs, code := s.Sctl("start", "slow.run"); code == 0 || !strings.Contains(errs, "destructive") {
		t.Errorf("replacing an irreversible job: exit %d %q", code, errs)
	}
	s.WaitActive("slow.run", "inactive", 10*time.Second)

	if _, errs, code := s.Sctl("start", "--job-mode=nonsense", "other.target"); code == 0 || !strings.Contains(errs, "unknown job mode") {
		t.Errorf("bad job mode: exit %d %q", code, errs)
	}
}

// A reload propagates to the units named by PropagatesReloadTo= (and the reverse ReloadPropagatedFrom=).
func TestReloadPropagation(t *testing.T) {
	t.Parallel()
	run := harness.BuildPlugin(t, "sdk/examples/run", t.TempDir())
	reloadable := func(name string) string {
		return "[Run]\nCommand=/bin/sleep 60\nReloadCommand=/bin/sh -c \"echo x >> /run/" + name + ".reloads\"\n"
	}
	s := harness.Start(t, harness.Options{
		Config: "[Plugin.run]\nPath = \"" + run + "\"\n",
		Units: map[string]string{
			"main.run":      "[Unit]\nPropagatesReloadTo=a.run\n" + reloadable("main"),
			"a.run":         reloadable("a"),
			"b.run":         "[Unit]\nReloadPropagatedFrom=main.run\n" + reloadable("b"),
			"c.run":         reloadable("c"),
			"nonreload.run": "[Run]\nCommand=/bin/sleep 60\n",
		},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.Sctl("start", "main.run", "a.run", "b.run", "c.run", "nonreload.run")
	if _, errs, code := s.Sctl("reload", "main.run"); code != 0 {
		t.Fatalf("reload: exit %d %s", code, errs)
	}
	reloads := func(name string) string {
		b, _ := readInNS(s, "/run/"+name+".reloads")
		return b
	}
	if !s.WaitFor(5*time.Second, func() bool { return reloads("a") != "" && reloads("b") != "" }) {
		t.Errorf("propagated reloads: a %q b %q", reloads("a"), reloads("b"))
	}
	if reloads("main") != "x\n" || reloads("c") != "" {
		t.Errorf("main reloaded %q, c (unrelated) %q", reloads("main"), reloads("c"))
	}
	if _, errs, code := s.Sctl("reload", "nonreload.run"); code == 0 || !strings.Contains(errs, "not applicable") {
		t.Errorf("reload of a unit that cannot: exit %d %q", code, errs)
	}
}

func readInNS(s *harness.System, path string) (string, error) {
	b, err := os.ReadFile("/proc/" + itoa(s.InitPid) + "/root" + path)
	return string(b), err
}
