package system

import (
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// release is the commit whose checkpoint format the current core must read: the last one that saved enums by
// their iota numbers. host/manager/testdata/checkpoint-<release> holds the units below and the state.db that
// release wrote for them (TestDaemonReexecFromRelease writes it again when SYSMASTER_CHECKPOINT_FIXTURE names a
// directory).
const release = "9a25d52"

// releaseUnits reads the scenario's unit files from the fixture directory.
func releaseUnits(t *testing.T) map[string]string {
	dir := filepath.Join(harness.RepoRoot(), "host/manager/testdata/checkpoint-"+release, "units")
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	units := map[string]string{}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		units[e.Name()] = string(b)
	}
	return units
}

// jobRows are list-jobs' rows as "JOB UNIT TYPE STATE", sorted (the old and the new sctl may lay them out
// differently).
func jobRows(out string) []string {
	var rows []string
	for _, line := range strings.Split(out, "\n") {
		if f := strings.Fields(line); len(f) >= 4 && f[0] != "JOB" && strings.Contains(f[1], ".") {
			rows = append(rows, strings.Join(f[:4], " "))
		}
	}
	slices.Sort(rows)
	return rows
}

// An upgrade: a system runs the release's binaries, the package manager puts the current core, plugins and sctl
// in place, and `sctl daemon-reexec` executes the new core, which restores the old core's checkpoint. Every unit
// keeps its state and processes, every job its id, type and state; the armed restart timer, the socket's
// listener and the running control process go on working under the new core.
func TestDaemonReexecFromRelease(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Tree: harness.InstallRelease(t, release), Units: releaseUnits(t)})
	s.WriteFile("ready.py", pyNotify+"notify(\"READY=1\")\nwhile True:\n    time.sleep(1000)\n")
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "all.target")
	mustSctl(t, s, "start", "--no-block", "slow.service", "after.service")
	s.WaitActive("retry.service", "activating", 10*time.Second)
	if !s.WaitFor(10*time.Second, func() bool {
		return s.Show("slow.service", "SubState") == "start-pre" && s.Show("retry.service", "SubState") == "auto-restart"
	}) {
		t.Fatalf("slow.service %s, retry.service %s", s.Show("slow.service", "SubState"), s.Show("retry.service", "SubState"))
	}
	armed := time.Now() // retry.service's restart timer fires 30 s after this, at the earliest
	props := []string{"ActiveState", "SubState", "Result", "MainPID", "ControlPID", "NRestarts", "ExecMainPID",
		"ExecMainCode", "ExecMainStatus", "InvocationID", "ActiveEnterTimestamp"}
	names := []string{"a.service", "n.service", "fork.service", "once.service", "bad.service", "retry.service",
		"slow.service", "after.service", "web.socket", "web.service", "all.target"}
	before := map[string]string{}
	known := map[string]bool{} // the properties the release's sctl show lists (InvocationID came later)
	for _, u := range names {
		all, _, _ := s.Sctl("show", u)
		for _, p := range props {
			before[u+" "+p] = s.Show(u, p)
			known[p] = known[p] || strings.Contains("\n"+all, "\n"+p+"=")
		}
	}
	jobs, _, _ := s.Sctl("list-jobs")
	if rows := jobRows(jobs); len(rows) != 2 || !strings.Contains(jobs, "slow.service") || !strings.Contains(jobs, "after.service") {
		t.Fatalf("list-jobs before the upgrade:\n%s", jobs)
	}
	if dir := os.Getenv("SYSMASTER_CHECKPOINT_FIXTURE"); dir != "" {
		b, err := s.ReadFile("/run/sysmaster/state.db")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "state.db"), []byte(b), 0o644); err != nil {
			t.Fatal(err)
		}
	}

	// The upgrade: new binaries renamed into place, as a package manager does.
	fresh := harness.Install(t)
	bins := []string{"usr/lib/sysmaster/sysmaster", "usr/bin/sctl"}
	plugins, _ := filepath.Glob(filepath.Join(fresh, "usr/lib/sysmaster/plugins/*"))
	for _, p := range plugins {
		bins = append(bins, strings.TrimPrefix(p, fresh+"/"))
	}
	for _, rel := range bins {
		replaceFile(t, filepath.Join(fresh, rel), filepath.Join(s.Root, rel))
	}
	core := coreOf(t, s)
	mustSctl(t, s, "daemon-reexec")
	if got := coreOf(t, s); got != core {
		t.Fatalf("the core's pid changed from %d to %d", core, got)
	}
	if exe, _ := os.Readlink("/proc/" + strconv.Itoa(core) + "/exe"); strings.HasSuffix(exe, " (deleted)") {
		t.Fatalf("the core still runs the release's binary: %s", exe)
	}
	// On a busy machine the upgrade may take longer than the restart timer: then retry.service restarted, as it
	// should, and only its other units are compared.
	timerFired := time.Since(armed) > 25*time.Second
	for _, u := range names {
		if u == "retry.service" && timerFired {
			t.Logf("the upgrade took %v: retry.service's restart timer may have fired", time.Since(armed))
			continue
		}
		for _, p := range props {
			if !known[p] {
				continue // nothing to compare with
			}
			if got := s.Show(u, p); got != before[u+" "+p] {
				t.Errorf("%s %s after the upgrade: %q, was %q", u, p, got, before[u+" "+p])
			}
		}
	}
	if now, _, _ := s.Sctl("list-jobs"); !slices.Equal(jobRows(now), jobRows(jobs)) {
		t.Errorf("jobs after the upgrade:\n%s\nwere:\n%s", now, jobs)
	}

	// What the old core armed and opened works under the new one: the restart timer fires, the listener starts
	// its service, and the control process is still the core's to stop and reap.
	if !s.WaitFor(60*time.Second, func() bool { return s.Show("retry.service", "NRestarts") != before["retry.service NRestarts"] }) {
		t.Errorf("retry.service never restarted: NRestarts %s", s.Show("retry.service", "NRestarts"))
	}
	c, err := net.Dial("unix", filepath.Join("/proc", strconv.Itoa(s.InitPid), "root/run/web.sock"))
	if err != nil {
		t.Fatalf("the socket's listener is gone: %v", err)
	}
	c.Close()
	s.WaitActive("web.service", "active", 10*time.Second)
	control, _ := strconv.Atoi(before["slow.service ControlPID"])
	mustSctl(t, s, "stop", "slow.service")
	if st := s.Show("slow.service", "ActiveState"); st != "inactive" && st != "failed" {
		t.Errorf("slow.service after stop: %s", st)
	}
	if control <= 0 || nsAlive(s, control) {
		t.Errorf("slow.service's control process %d was not ended and reaped", control)
	}
	mustSctl(t, s, "stop", "a.service", "n.service", "fork.service")
	for _, u := range []string{"a.service", "n.service", "fork.service"} {
		if pid, _ := strconv.Atoi(before[u+" MainPID"]); pid <= 0 || nsAlive(s, pid) {
			t.Errorf("%s's main process %d was not ended and reaped", u, pid)
		}
	}
}
