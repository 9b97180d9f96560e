package system

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Crashes at the precise moments the soak test hit by chance: the core is killed at a crash point
// (host/manager/crashpoint.go) instead of at a random time. Both cases left a unit in stop-sigterm, its main
// process gone, until TimeoutStopSec=: the tests give it 60 s and want the job done in far less.

// crashSystem boots a system whose core takes the crash points written to /run/crash-at.
func crashSystem(t *testing.T, units map[string]string) *harness.System {
	s := harness.Start(t, harness.Options{Units: units, Env: []string{"SYSMASTER_TEST_CRASH_AT=/run/crash-at"}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	return s
}

// armCrash makes the core kill itself at point; the returned wait reports once it did and the next core serves.
func armCrash(t *testing.T, s *harness.System, point string) (wait func()) {
	t.Helper()
	core := coreOf(t, s)
	file := inRoot(s, "/run/crash-at")
	if err := os.WriteFile(file, []byte(point), 0o644); err != nil {
		t.Fatal(err)
	}
	return func() {
		t.Helper()
		if !s.WaitFor(20*time.Second, func() bool {
			_, err := os.Stat(file)
			c := coreOf(t, s)
			_, _, code := s.Sctl("is-active", "multi-user.target")
			return os.IsNotExist(err) && c != 0 && c != core && code == 0
		}) {
			t.Fatalf("the core never crashed at %q, or no core came back; console:\n%s", point, s.Console())
		}
		if !strings.Contains(s.Console(), "test crash point reached") {
			t.Fatalf("the core died, but not at %q; console:\n%s", point, s.Console())
		}
	}
}

// A process forked in the last turn of a core, before the spawn log notes it: it must not run. It did, unknown
// to the next core, which replayed the turn and waited for the unit's cgroup to empty (the restart's stop half)
// while it ran there: a restart stuck in stop-sigterm right after its start half.
func TestCrashBeforeSpawnLogged(t *testing.T) {
	t.Parallel()
	s := crashSystem(t, map[string]string{
		"again.service": "[Service]\nTimeoutStopSec=60\nExecStart=/bin/sleep 100000\n",
	})
	mustSctl(t, s, "start", "again.service")
	old := s.Show("again.service", "MainPID")
	crashed := armCrash(t, s, "forked again.service")
	s.Sctl("restart", "--no-block", "again.service") // the core may die before it answers
	crashed()
	if !s.WaitFor(20*time.Second, func() bool {
		pid := s.Show("again.service", "MainPID")
		return s.Show("again.service", "SubState") == "running" && pid != "0" && pid != old
	}) {
		out, _, _ := s.Sctl("status", "again.service")
		t.Fatalf("the restart did not finish (TimeoutStopSec=60):\n%s\nconsole:\n%s", out, s.Console())
	}
	// One sleep runs, the unit's main process (once it has executed it): the one forked before the crash never
	// ran.
	main := s.Show("again.service", "MainPID")
	var got []string
	if !s.WaitFor(10*time.Second, func() bool {
		got = nsProcs(s, "/bin/sleep 100000")
		return len(got) == 1 && got[0] == main
	}) {
		t.Errorf("sleep processes %v, want only the main process %s", got, main)
	}
}

// A process spawned in a turn the core did not commit, which forked a daemon before the core died: the next core
// kills both (the turn spawns them again). It killed the spawned process alone, and the daemon, re-parented to
// init, stayed in the unit's cgroup unknown: the restart's replayed stop half waited for the cgroup to empty.
func TestCrashBeforeSpawnCommitted(t *testing.T) {
	t.Parallel()
	s := crashSystem(t, map[string]string{
		"daemon.service": "[Service]\nType=forking\nTimeoutStopSec=60\nExecStart=/bin/sh -c '/bin/sleep 100000 &'\n",
	})
	mustSctl(t, s, "start", "daemon.service")
	old := s.Show("daemon.service", "MainPID")
	// The restart's start half spawns the start command; the core dies once it has forked the daemon.
	crashed := armCrash(t, s, "spawned daemon.service")
	s.Sctl("restart", "--no-block", "daemon.service")
	crashed()
	if !s.WaitFor(20*time.Second, func() bool {
		pid := s.Show("daemon.service", "MainPID")
		return s.Show("daemon.service", "SubState") == "running" && pid != "0" && pid != old
	}) {
		out, _, _ := s.Sctl("status", "daemon.service")
		t.Fatalf("the restart did not finish (TimeoutStopSec=60):\n%s\nconsole:\n%s", out, s.Console())
	}
	main := s.Show("daemon.service", "MainPID")
	var got []string
	if !s.WaitFor(10*time.Second, func() bool {
		got = nsProcs(s, "/bin/sleep 100000")
		return len(got) == 1 && got[0] == main
	}) {
		t.Errorf("daemons %v, want only the main process %s", got, main)
	}
}

// An exit the core's reaper took from the kernel just before the core died: it must reach the next core. It
// did not when the reaper reaped first and logged after: the stop waited in stop-sigterm for an exit that was
// gone.
func TestCrashBeforeExitLogged(t *testing.T) {
	t.Parallel()
	s := crashSystem(t, map[string]string{
		"held.service": "[Service]\nTimeoutStopSec=60\nExecStart=/bin/sleep 100000\n",
	})
	mustSctl(t, s, "start", "held.service")
	crashed := armCrash(t, s, "exit "+s.Show("held.service", "MainPID"))
	s.Sctl("stop", "--no-block", "held.service")
	crashed()
	if !s.WaitFor(20*time.Second, func() bool { return s.Show("held.service", "ActiveState") == "inactive" }) {
		out, _, _ := s.Sctl("status", "held.service")
		t.Fatalf("the stop did not finish (TimeoutStopSec=60): the exit was lost\n%s\nconsole:\n%s", out, s.Console())
	}
	if r := s.Show("held.service", "Result"); r != "success" {
		t.Errorf("Result=%s, want success", r)
	}
}

// nsProcs lists the pids, as the system's namespace numbers them, of its processes whose command line is cmdline.
func nsProcs(s *harness.System, cmdline string) []string {
	ns, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", s.InitPid))
	procs, _ := filepath.Glob("/proc/[0-9]*")
	var out []string
	for _, p := range procs {
		if l, _ := os.Readlink(p + "/ns/pid"); l != ns {
			continue
		}
		b, _ := os.ReadFile(p + "/cmdline")
		if strings.Join(strings.Split(strings.TrimRight(string(b), "\x00"), "\x00"), " ") != cmdline {
			continue
		}
		st, _ := os.ReadFile(p + "/status")
		for _, line := range strings.Split(string(st), "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == "NSpid:" {
				out = append(out, f[len(f)-1])
			}
		}
	}
	return out
}
