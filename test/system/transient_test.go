package system

import (
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Issue 18, item 4: scope units and transient units, made by Debian's systemd-run (systemd 252's binary,
// unchanged) over /run/systemd/private, as root's systemd-run talks to PID 1.

// startInNS starts argv inside the system's namespaces and leaves it running; it is killed when the test ends.
func startInNS(t *testing.T, s *harness.System, argv ...string) *exec.Cmd {
	t.Helper()
	cmd := exec.Command("nsenter", append([]string{"-t", strconv.Itoa(s.InitPid), "-m", "-p", "--"}, argv...)...)
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if t.Failed() {
			b, _ := os.ReadFile(out.Name())
			t.Logf("%s said:\n%s", strings.Join(argv, " "), b)
		}
	})
	return cmd
}

// scopePids are the processes in unit's cgroup, as the test (the host's PID namespace) numbers them.
func scopePids(t *testing.T, s *harness.System, unit string) []int {
	t.Helper()
	cg := s.Show(unit, "ControlGroup")
	var b string
	var err error
	// cgroup2 alone, or the hybrid layout's cgroup2 or name=systemd hierarchy.
	for _, root := range []string{"/sys/fs/cgroup", "/sys/fs/cgroup/unified", "/sys/fs/cgroup/systemd"} {
		if b, err = s.ReadFile(filepath.Join(root, cg, "cgroup.procs")); err == nil {
			break
		}
	}
	if err != nil {
		t.Fatalf("%s's cgroup.procs: %v", unit, err)
	}
	var pids []int
	for _, f := range strings.Fields(b) {
		pid, _ := strconv.Atoi(f)
		pids = append(pids, pid)
	}
	return pids
}

func comm(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
}

// `systemd-run --unit=x --scope sleep 100`: x.scope is active with sleep in its cgroup, a transient unit whose
// file is under /run/sysmaster/transient; when sleep ends the scope is dead and collected, its file gone.
// `sctl stop` of another scope SIGTERMs what runs in it.
func TestSystemdRunScope(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	s.WaitActive("multi-user.target", "active", 10*time.Second)

	run := startInNS(t, s, "/usr/bin/systemd-run", "--unit=x", "--scope", "--description=test scope", "sleep", "100")
	s.WaitActive("x.scope", "active", 20*time.Second)
	// systemd-run moved itself into the scope, and execs the command once the scope's start job is done.
	var pid int
	if !s.WaitFor(10*time.Second, func() bool {
		pids := scopePids(t, s, "x.scope")
		if len(pids) == 1 && comm(pids[0]) == "sleep" {
			pid = pids[0]
		}
		return pid != 0
	}) {
		t.Fatalf("x.scope's cgroup does not hold sleep alone: %v", scopePids(t, s, "x.scope"))
	}
	cg, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if !strings.Contains(string(cg), "/system.slice/x.scope\n") {
		t.Errorf("sleep's cgroup: %q", cg)
	}
	if cgp := s.Show("x.scope", "ControlGroup"); !strings.HasSuffix(cgp, "/system.slice/x.scope") {
		t.Errorf("ControlGroup=%q", cgp)
	}
	for prop, want := range map[string]string{"SubState": "running", "Transient": "yes", "Description": "test scope",
		"UnitFileState": "transient", "Slice": "system.slice"} {
		if got := s.Show("x.scope", prop); got != want {
			t.Errorf("x.scope %s=%q, want %q", prop, got, want)
		}
	}
	if f, err := s.ReadFile("/run/sysmaster/transient/x.scope"); err != nil || !strings.Contains(f, "Description=test scope") {
		t.Errorf("transient file: %q %v", f, err)
	}
	if out, _, _ := s.Sctl("status", "x.scope"); !strings.Contains(out, "sleep 100") {
		t.Errorf("sctl status x.scope shows no sleep:\n%s", out)
	}
	// The name is taken.
	if _, errs, code := inNS(t, s, 0, "/usr/bin/systemd-run", "--unit=x", "--scope", "true"); code == 0 ||
		!strings.Contains(errs, "already") {
		t.Errorf("a second x.scope: exit %d: %s", code, errs)
	}

	// The scope's process ends: the scope is dead, collected, its file removed.
	if err := run.Process.Kill(); err != nil { // nsenter; sleep gets its own SIGKILL below
		t.Fatal(err)
	}
	_ = killPid(pid)
	if !s.WaitFor(20*time.Second, func() bool { return s.Show("x.scope", "LoadState") == "not-found" }) {
		out, _, _ := s.Sctl("status", "x.scope")
		t.Fatalf("x.scope not collected after its process ended:\n%s", out)
	}
	if _, err := s.ReadFile("/run/sysmaster/transient/x.scope"); !os.IsNotExist(err) {
		t.Errorf("transient file after collection: %v", err)
	}

	// sctl stop: SIGTERM to the scope's processes, then dead.
	run2 := startInNS(t, s, "/usr/bin/systemd-run", "--unit=y", "--scope", "sleep", "100")
	s.WaitActive("y.scope", "active", 20*time.Second)
	done := make(chan error, 1)
	go func() { done <- run2.Wait() }()
	mustSctl(t, s, "stop", "y.scope")
	select {
	case <-done:
	case <-time.After(20 * time.Second):
		t.Fatalf("the scope's process survived sctl stop")
	}
	if st := s.Show("y.scope", "ActiveState"); st != "inactive" {
		t.Errorf("y.scope after stop: %s", st)
	}
}

func killPid(pid int) error {
	p, err := os.FindProcess(pid)
	if err != nil {
		return err
	}
	return p.Kill()
}

// `systemd-run --on-active=5 --timer-property=AccuracySec=100ms touch /run/y`: a transient timer (with a property
// systemd-run sends as AccuracyUSec) and its service (an aux unit); the timer fires 5 s later and the service
// touches /run/y. A transient service with --remain-after-exit stays until stopped,
// then its file goes.
func TestSystemdRunTimerAndService(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	s.WaitActive("multi-user.target", "active", 10*time.Second)

	out, errs, code := inNS(t, s, 0, "/usr/bin/systemd-run", "--on-active=5", "--timer-property=AccuracySec=100ms", "touch", "/run/y")
	if code != 0 || !strings.Contains(errs+out, "Running timer as unit: run-") {
		t.Fatalf("systemd-run --on-active: exit %d\n%s%s", code, out, errs)
	}
	timer := ""
	for _, w := range strings.Fields(errs + out) {
		if strings.HasPrefix(w, "run-") && strings.HasSuffix(w, ".timer") {
			timer = w
		}
	}
	if st := s.Show(timer, "ActiveState"); st != "active" {
		t.Errorf("%s is %s", timer, st)
	}
	start := time.Now()
	if got := s.Show(timer, "AccuracyUSec"); got != "100ms" {
		t.Errorf("%s AccuracyUSec=%s, want 100ms", timer, got)
	}
	if !s.WaitFor(15*time.Second, func() bool { _, err := s.ReadFile("/run/y"); return err == nil }) {
		st, _, _ := s.Sctl("status", timer, strings.TrimSuffix(timer, ".timer")+".service")
		t.Fatalf("/run/y never touched:\n%s", st)
	}
	if d := time.Since(start); d < 3*time.Second {
		t.Errorf("the timer fired after %v, before its 5 s", d)
	}

	out, errs, code = inNS(t, s, 0, "/usr/bin/systemd-run", "--unit=svc", "--remain-after-exit", "--setenv=WORD=50%",
		"sh", "-c", `echo "$WORD" > /run/svc`)
	if code != 0 {
		t.Fatalf("systemd-run --unit=svc: exit %d\n%s%s", code, out, errs)
	}
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("svc.service", "SubState") == "exited" }) {
		t.Fatalf("svc.service: %s", s.Show("svc.service", "SubState"))
	}
	if b, err := s.ReadFile("/run/svc"); b != "50%\n" {
		t.Errorf("/run/svc: %q %v", b, err)
	}
	cat, _, _ := s.Sctl("cat", "svc.service")
	if !strings.Contains(cat, "/run/sysmaster/transient/svc.service") {
		t.Errorf("sctl cat svc.service:\n%s", cat)
	}
	mustSctl(t, s, "stop", "svc.service")
	if !s.WaitFor(10*time.Second, func() bool { _, err := s.ReadFile("/run/sysmaster/transient/svc.service"); return os.IsNotExist(err) }) {
		t.Errorf("svc.service's file is left after it was stopped and collected")
	}
}

// StartTransientUnit with a property nobody knows is InvalidArgs naming it, and makes nothing.
func TestStartTransientUnitRefusesUnknownProperty(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	_, errs, code := inNS(t, s, 0, "/usr/bin/busctl", "--address=unix:path=/run/systemd/private", "call",
		"org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "StartTransientUnit",
		"ssa(sv)a(sa(sv))", "bad.service", "fail", "2", "Description", "s", "x", "Frobnicate", "b", "true", "0")
	if code == 0 || !strings.Contains(errs, "Frobnicate") {
		t.Errorf("busctl StartTransientUnit with Frobnicate: exit %d: %s", code, errs)
	}
	if _, err := s.ReadFile("/run/sysmaster/transient/bad.service"); err == nil {
		t.Errorf("a refused transient unit left its file")
	}
}
