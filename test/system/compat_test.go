package system

import (
	"maps"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// The regression tests of issue 15: bugs that Debian's own unit files and systemctl habits found. Each is
// named after the bug.

// debianUnit returns one of Debian 12's unit files kept in testdata/debian.
func debianUnit(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata/debian", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lines counts the lines of a file the system's processes wrote; a missing file has none.
func lines(s *harness.System, path string) int {
	b, err := s.ReadFile(path)
	if err != nil {
		return 0
	}
	return strings.Count(b, "\n")
}

// Bug 10: restarting a service on a booted system must not start sysinit.target's inactive wants again (a
// failed one, a condition-skipped one): the start of the active sysinit.target is redundant, and what only it
// pulled in goes with it.
func TestJobsPulledInOnlyByRedundantJobsRunAgain(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{
		Units: map[string]string{
			"flaky.service": "[Unit]\nDefaultDependencies=no\nBefore=sysinit.target\n[Service]\nType=oneshot\n" +
				"ExecStart=/bin/sh -c 'echo run >> /run/flaky-runs; exit 1'\n",
			"skipped.service": "[Unit]\nDefaultDependencies=no\nBefore=sysinit.target\nConditionPathExists=/nonexistent\n" +
				"[Service]\nType=oneshot\nExecStart=/bin/true\n",
			"cron.service": "[Service]\nExecStart=/bin/sh -c 'echo start >> /run/cron-runs; exec sleep infinity'\n" +
				"[Install]\nWantedBy=multi-user.target\n",
		},
		Links: map[string]string{
			"sysinit.target.wants/flaky.service":   "../flaky.service",
			"sysinit.target.wants/skipped.service": "../skipped.service",
			"multi-user.target.wants/cron.service": "../cron.service",
		},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.WaitActive("cron.service", "active", 10*time.Second)
	// Type=simple: active comes before the shell writes; a restart before that would kill it first.
	if !s.WaitFor(10*time.Second, func() bool { return lines(s, "/run/cron-runs") == 1 }) {
		t.Fatalf("cron.service never wrote its line")
	}
	if n := lines(s, "/run/flaky-runs"); n != 1 {
		t.Fatalf("flaky.service ran %d times at boot", n)
	}
	skippedAt := s.Show("skipped.service", "ConditionTimestampMonotonic")
	if _, errs, code := s.Sctl("restart", "cron.service"); code != 0 {
		t.Fatalf("restart cron: exit %d %s", code, errs)
	}
	// Type=simple: "started" comes before the shell writes.
	if !s.WaitFor(10*time.Second, func() bool { return lines(s, "/run/cron-runs") == 2 }) {
		n := lines(s, "/run/cron-runs")
		out, _, _ := s.Sctl("status", "cron.service")
		t.Fatalf("cron.service started %d times:\n%s", n, out)
	}
	// Whatever the restart's transaction held has run once no job is left.
	if !s.WaitFor(10*time.Second, func() bool { out, _, _ := s.Sctl("list-jobs"); return out == "No jobs running.\n" }) {
		t.Fatal("jobs left after the restart")
	}
	if n := lines(s, "/run/flaky-runs"); n != 1 {
		t.Errorf("restarting cron.service started sysinit.target's failed want again: it ran %d times", n)
	}
	if now := s.Show("skipped.service", "ConditionTimestampMonotonic"); now != skippedAt {
		t.Errorf("restarting cron.service checked the conditions of a skipped want again (%s → %s)", skippedAt, now)
	}
	// A start of sysinit.target itself still starts its failed want, as systemctl start does.
	if _, errs, code := s.Sctl("start", "sysinit.target"); code != 0 {
		t.Fatalf("start sysinit.target: exit %d %s", code, errs)
	}
	if !s.WaitFor(10*time.Second, func() bool { return lines(s, "/run/flaky-runs") == 2 }) {
		out, _, _ := s.Sctl("logs", "flaky.service")
		t.Errorf("start sysinit.target did not start its failed want: %d runs\n%s", lines(s, "/run/flaky-runs"), out)
	}
}

// Bug 11: a unit wanted by multi-user.target and ordered after it starts at boot. Debian's
// systemd-update-utmp-runlevel.service (DefaultDependencies=no, After=runlevel3.target, an alias of
// multi-user.target) and a unit with default dependencies and After=multi-user.target both run; the target's
// default After= on its wants is left out for them instead of making a cycle.
func TestWantedUnitOrderedAfterItsTarget(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{
		Units: map[string]string{
			"systemd-update-utmp-runlevel.service": debianUnit(t, "systemd-update-utmp-runlevel.service"),
			// The real command would write the host's /var/log/wtmp.
			"systemd-update-utmp-runlevel.service.d/test.conf": "[Unit]\nRequiresMountsFor=\n[Service]\nExecStart=\n" +
				"ExecStart=/bin/sh -c 'echo runlevel > /run/utmp-runlevel'\n",
			"systemd-update-utmp.service": "[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
			"late.service": "[Unit]\nAfter=multi-user.target\n[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo late > /run/late'\n" +
				"[Install]\nWantedBy=multi-user.target\n",
		},
		Links: map[string]string{
			"runlevel3.target": "/usr/lib/sysmaster/system/multi-user.target",
			"sysinit.target.wants/systemd-update-utmp.service":             "../systemd-update-utmp.service",
			"multi-user.target.wants/systemd-update-utmp-runlevel.service": "../systemd-update-utmp-runlevel.service",
			"multi-user.target.wants/late.service":                         "../late.service",
		},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	for _, f := range []string{"/run/utmp-runlevel", "/run/late"} {
		if !s.WaitFor(10*time.Second, func() bool { _, err := s.ReadFile(f); return err == nil }) {
			t.Errorf("%s never written: the unit did not run; console:\n%s", f, s.Console())
		}
	}
	if after := s.Show("multi-user.target", "After"); strings.Contains(after, "late.service") || strings.Contains(after, "utmp-runlevel") {
		t.Errorf("multi-user.target After=%s", after)
	}
	if strings.Contains(s.Console(), "ordering cycle") {
		t.Errorf("a cycle was found:\n%s", s.Console())
	}
}

// Bug 11, second half: a job dropped to break an ordering cycle is logged, naming the cycle, in the unit's log.
func TestCycleBreakIsLogged(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"loop-a.service": "[Unit]\nWants=loop-b.service\nAfter=loop-b.service\n[Service]\nExecStart=/bin/sleep infinity\n",
		"loop-b.service": "[Unit]\nAfter=loop-a.service\n[Service]\nExecStart=/bin/sleep infinity\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "loop-a.service"); code != 0 {
		t.Fatalf("start: exit %d %s", code, errs)
	}
	out, _, _ := s.Sctl("logs", "loop-b.service")
	if !strings.Contains(out, "loop-b.service/start deleted to break ordering cycle") || !strings.Contains(out, "loop-a.service/start") {
		t.Errorf("loop-b's log:\n%s", out)
	}
	if !strings.Contains(s.Console(), "ordering cycle") {
		t.Errorf("console lacks the cycle:\n%s", s.Console())
	}
}

// Bug 1 (a stale listener): a socket stopped while its service's start job runs, then started again. The
// service's start (it had taken the old listener) is replaced by a stop, and the socket listens anew: the next
// client starts the service with the new listener instead of hanging on a queue nobody accepts from.
func TestStaleListener(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"stale.socket": "[Socket]\nListenStream=/run/stale.sock\n",
		// It never says READY=1: its start job runs until something ends it.
		"stale.service": "[Service]\nType=notify\nTimeoutStartSec=infinity\nExecStart=/bin/sleep infinity\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "stale.socket")
	dial := func() {
		c, err := net.DialTimeout("unix", inRoot(s, "/run/stale.sock"), 5*time.Second)
		if err != nil {
			t.Fatal(err)
		}
		c.Close()
	}
	dial()
	s.WaitActive("stale.service", "activating", 10*time.Second)
	mustSctl(t, s, "stop", "stale.socket")
	mustSctl(t, s, "start", "stale.socket")
	s.WaitActive("stale.service", "inactive", 10*time.Second)
	if sub := s.Show("stale.socket", "SubState"); sub != "listening" {
		t.Errorf("stale.socket is %s after its restart, want listening", sub)
	}
	if out, _, _ := s.Sctl("list-jobs"); out != "No jobs running.\n" {
		t.Errorf("jobs left:\n%s", out)
	}
	dial()
	s.WaitActive("stale.service", "activating", 10*time.Second)
}

// Bug 2: boolean conditions take systemd's booleans. On a boot that is not the first, ConditionFirstBoot=no
// (and off, 0, false) holds and ConditionFirstBoot=yes (and on) does not; a bad boolean is reported, not taken
// for false.
func TestBooleanConditionsTakeSystemdBooleans(t *testing.T) {
	t.Parallel()
	units := map[string]string{"bad-bool.target": "[Unit]\nConditionFirstBoot=maybe\n"}
	want := map[string]string{}
	for _, v := range []string{"no", "off", "0", "false", "yes", "on", "1", "true"} {
		name := "first-" + v + ".target"
		units[name] = "[Unit]\nConditionFirstBoot=" + v + "\n"
		want[name] = map[bool]string{true: "yes", false: "no"}[v == "no" || v == "off" || v == "0" || v == "false"]
	}
	s := harness.Start(t, harness.Options{Units: units})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	for name, res := range want {
		s.Sctl("start", name)
		if got := s.Show(name, "ConditionResult"); got != res {
			t.Errorf("%s: ConditionResult=%s, want %s", name, got, res)
		}
	}
	s.Sctl("start", "bad-bool.target")
	out, _, _ := s.Sctl("status", "bad-bool.target")
	if !strings.Contains(out, "not a boolean") {
		t.Errorf("status of a unit with ConditionFirstBoot=maybe:\n%s", out)
	}
}

// Bug 9: ConditionResult, AssertResult and every boolean property print no, and numbers 0, for a unit that
// never ran or was collected, as systemd does (they were empty).
func TestNeverRunPropertiesAreNoAndZero(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"idle.service":    "[Service]\nExecStart=/bin/true\n",
		"skipped.service": "[Unit]\nConditionPathExists=/nonexistent\n[Service]\nExecStart=/bin/true\n",
		"idle.target":     "[Unit]\nDescription=Never started\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	// skipped.service is collected once its skipped start is over; shown again, it is loaded afresh.
	s.Sctl("start", "skipped.service")
	for _, u := range []string{"idle.service", "skipped.service", "idle.target"} {
		out, errs, code := s.Sctl("show", "--all", u)
		if code != 0 {
			t.Fatalf("show %s: %d %s", u, code, errs)
		}
		props := map[string]string{}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			k, v, _ := strings.Cut(l, "=")
			props[k] = v
		}
		for _, k := range []string{"ConditionResult", "AssertResult"} {
			if props[k] != "no" {
				t.Errorf("%s: %s=%q, want no", u, k, props[k])
			}
		}
		for k, v := range props {
			if v == "" && (strings.HasSuffix(k, "Monotonic") || strings.HasPrefix(k, "Exec") && strings.HasSuffix(k, "PID") ||
				strings.HasSuffix(k, "Code") || strings.HasSuffix(k, "Status") && !strings.HasSuffix(k, "ExitStatus") ||
				len(k) > 1 && k[0] == 'N' && k[1] >= 'A' && k[1] <= 'Z' || // counters: NRestarts, NAccepted, …
				strings.HasPrefix(k, "Can") || strings.HasPrefix(k, "Refuse")) {
				t.Errorf("%s: %s is empty", u, k)
			}
		}
		if out, _, _ := s.Sctl("status", u); strings.Contains(out, "Condition:") || strings.Contains(out, "Assert:") {
			t.Errorf("status of %s shows a check that never ran:\n%s", u, out)
		}
	}
}

// quietShells replace the factory rescue and emergency shells, which would take the console the test machine
// shares with the namespace, by a process that waits.
var quietShells = map[string]string{
	"rescue.service.d/test.conf":    "[Service]\nExecStart=\nExecStart=/bin/sleep infinity\nStandardInput=null\nStandardOutput=journal\n",
	"emergency.service.d/test.conf": "[Service]\nExecStart=\nExecStart=/bin/sleep infinity\nStandardInput=null\nStandardOutput=journal\n",
}

// Bug 8: a boot always leaves a way in. A default target that is missing falls back to rescue.target, which runs
// rescue.service; with rescue.target masked too, to emergency.target and emergency.service.
func TestBootAlwaysLeavesAWayIn(t *testing.T) {
	t.Parallel()
	t.Run("rescue", func(t *testing.T) {
		t.Parallel()
		s := harness.Start(t, harness.Options{Args: []string{"sysmaster.unit=nosuch.target"}, Units: quietShells})
		s.WaitActive("rescue.target", "active", 10*time.Second)
		s.WaitActive("rescue.service", "active", 10*time.Second)
		if c := s.Console(); !strings.Contains(c, "Falling back to rescue.target.") {
			t.Errorf("console:\n%s", c)
		}
		if out, _, _ := s.Sctl("cat", "rescue.service"); !strings.Contains(out, "sulogin") {
			t.Errorf("the factory rescue.service runs no sulogin:\n%s", out)
		}
	})
	t.Run("emergency", func(t *testing.T) {
		t.Parallel()
		units := map[string]string{"broken.target": "[Unit]\nRequires=nosuch.service\n"}
		maps.Copy(units, quietShells)
		s := harness.Start(t, harness.Options{Args: []string{"sysmaster.unit=broken.target"}, Units: units,
			Links: map[string]string{"rescue.target": "/dev/null"}})
		s.WaitActive("emergency.target", "active", 10*time.Second)
		s.WaitActive("emergency.service", "active", 10*time.Second)
		c := s.Console()
		if !strings.Contains(c, "Falling back to rescue.target.") || !strings.Contains(c, "Falling back to emergency.target.") {
			t.Errorf("console:\n%s", c)
		}
		if st := s.Show("multi-user.target", "ActiveState"); st != "inactive" {
			t.Errorf("multi-user.target is %s", st)
		}
	})
}

// Bug 10, the socket activation the issue names beside restart: a connection that starts a socket's service on a
// booted system does not start sysinit.target's failed or condition-skipped wants again either.
func TestJobsPulledInOnlyByRedundantJobsSocketActivation(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{
		Units: map[string]string{
			"flaky.service": "[Unit]\nDefaultDependencies=no\nBefore=sysinit.target\n[Service]\nType=oneshot\n" +
				"ExecStart=/bin/sh -c 'echo run >> /run/flaky-runs; exit 1'\n",
			"skipped.service": "[Unit]\nDefaultDependencies=no\nBefore=sysinit.target\nConditionPathExists=/nonexistent\n" +
				"[Service]\nType=oneshot\nExecStart=/bin/true\n",
			"ten.socket":  "[Socket]\nListenStream=/run/ten.sock\n[Install]\nWantedBy=sockets.target\n",
			"ten.service": "[Service]\nExecStart=/bin/sh -c 'echo start >> /run/ten-runs; exec sleep infinity'\n",
		},
		Links: map[string]string{
			"sysinit.target.wants/flaky.service":   "../flaky.service",
			"sysinit.target.wants/skipped.service": "../skipped.service",
			"sockets.target.wants/ten.socket":      "../ten.socket",
		},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.WaitActive("ten.socket", "active", 10*time.Second)
	if n := lines(s, "/run/flaky-runs"); n != 1 {
		t.Fatalf("flaky.service ran %d times at boot", n)
	}
	skippedAt := s.Show("skipped.service", "ConditionTimestampMonotonic")
	c, err := net.Dial("unix", filepath.Join("/proc", strconv.Itoa(s.InitPid), "root/run/ten.sock"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	if !s.WaitFor(10*time.Second, func() bool { return lines(s, "/run/ten-runs") == 1 }) {
		out, _, _ := s.Sctl("status", "ten.service")
		t.Fatalf("the connection did not start ten.service:\n%s", out)
	}
	if !s.WaitFor(10*time.Second, func() bool { out, _, _ := s.Sctl("list-jobs"); return out == "No jobs running.\n" }) {
		t.Fatal("jobs left after the activation")
	}
	if n := lines(s, "/run/flaky-runs"); n != 1 {
		t.Errorf("the socket activation started sysinit.target's failed want again: it ran %d times", n)
	}
	if now := s.Show("skipped.service", "ConditionTimestampMonotonic"); now != skippedAt {
		t.Errorf("the socket activation checked the conditions of a skipped want again (%s → %s)", skippedAt, now)
	}
}
