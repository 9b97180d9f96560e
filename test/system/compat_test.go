package system

import (
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
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
				strings.HasPrefix(k, "N") && !strings.HasPrefix(k, "Need") && !strings.HasPrefix(k, "Names") ||
				strings.HasPrefix(k, "Can") || strings.HasPrefix(k, "Refuse")) {
				t.Errorf("%s: %s is empty", u, k)
			}
		}
		if out, _, _ := s.Sctl("status", u); strings.Contains(out, "Condition:") || strings.Contains(out, "Assert:") {
			t.Errorf("status of %s shows a check that never ran:\n%s", u, out)
		}
	}
}

// unitFileStates is `sctl list-unit-files` as name → state.
func unitFileStates(t *testing.T, s *harness.System) map[string]string {
	t.Helper()
	out, errs, code := s.Sctl("list-unit-files", "--no-legend")
	if code != 0 {
		t.Fatalf("list-unit-files: exit %d %s", code, errs)
	}
	states := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 2 {
			states[f[0]] = f[1]
		}
	}
	return states
}

// isEnabled is `sctl is-enabled NAME`'s output and exit code.
func isEnabled(s *harness.System, name string) (string, int) {
	out, errs, code := s.Sctl("is-enabled", name)
	return strings.TrimSpace(out + errs), code
}

// links lists the symlinks under the system's /etc/sysmaster/system, relative to it.
func links(t *testing.T, s *harness.System) []string {
	t.Helper()
	var out []string
	root := filepath.Join(s.Etc, "system")
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode()&os.ModeSymlink != 0 {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// Bug 3 (enabling through an alias): install operations resolve aliases as systemd's install.c does. Enabling
// a unit through its alias enables the unit under its own name; disabling the unit removes every link to it;
// `enable sshd` for Debian's ssh.service (Alias=sshd.service) makes no second link.
func TestEnablingThroughAnAlias(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"a-real.service": "[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\nAlias=a-alias.service\n",
		"ssh.service":    debianUnit(t, "ssh.service"),
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "enable", "a-real.service")
	mustSctl(t, s, "enable", "a-alias.service")
	if got := links(t, s); !slices.Equal(got, []string{"a-alias.service", "multi-user.target.wants/a-real.service"}) {
		t.Errorf("links after enable a-real, enable a-alias: %v", got)
	}
	if st, code := isEnabled(s, "a-alias.service"); st != "alias" || code != 0 {
		t.Errorf("is-enabled a-alias: %q %d", st, code)
	}
	mustSctl(t, s, "disable", "a-real.service")
	if got := links(t, s); len(got) != 0 {
		t.Errorf("links left after disable a-real: %v", got)
	}
	if st, code := isEnabled(s, "a-real.service"); st != "disabled" || code != 1 {
		t.Errorf("is-enabled a-real after disable: %q %d", st, code)
	}
	if w := s.Show("multi-user.target", "Wants"); strings.Contains(w, "a-") {
		t.Errorf("multi-user.target still wants %s", w)
	}
	// Disabling through the alias disables the unit too.
	mustSctl(t, s, "enable", "a-real.service")
	mustSctl(t, s, "disable", "a-alias.service")
	if got := links(t, s); len(got) != 0 {
		t.Errorf("links left after disable a-alias: %v", got)
	}

	mustSctl(t, s, "enable", "ssh.service")
	_, errs, code := s.Sctl("enable", "sshd.service")
	if code != 0 || errs != "" {
		t.Errorf("enable sshd: exit %d %q", code, errs)
	}
	if got := links(t, s); !slices.Equal(got, []string{"multi-user.target.wants/ssh.service", "sshd.service"}) {
		t.Errorf("links after enable ssh, enable sshd: %v", got)
	}
	for name, want := range map[string]string{"ssh.service": "enabled", "sshd.service": "alias"} {
		if st, _ := isEnabled(s, name); st != want {
			t.Errorf("is-enabled %s: %q, want %s", name, st, want)
		}
	}
	mustSctl(t, s, "disable", "sshd.service")
	if got := links(t, s); len(got) != 0 {
		t.Errorf("links left after disable sshd: %v", got)
	}
}

// Bug 4: a template without DefaultInstance= is not enabled (systemd's message, no link), and preset-all does not
// enable it either; one with DefaultInstance= is enabled as that instance.
func TestTemplatesWithoutDefaultInstance(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"serial-getty@.service": debianUnit(t, "serial-getty@.service"),
		"getty@.service":        debianUnit(t, "getty@.service"),
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	_, errs, code := s.Sctl("enable", "serial-getty@.service")
	if code != 0 || !strings.Contains(errs, "no installation config") {
		t.Errorf("enable serial-getty@.service: exit %d %q", code, errs)
	}
	if got := links(t, s); len(got) != 0 {
		t.Errorf("enable of a template without DefaultInstance= made links: %v", got)
	}
	mustSctl(t, s, "preset-all")
	if got := links(t, s); !slices.Equal(got, []string{"getty.target.wants/getty@tty1.service"}) {
		t.Errorf("links after preset-all: %v", got)
	}
	// An instance is enabled by naming it.
	mustSctl(t, s, "enable", "serial-getty@ttyS0.service")
	if st, _ := isEnabled(s, "serial-getty@ttyS0.service"); st != "enabled" {
		t.Errorf("is-enabled serial-getty@ttyS0: %q", st)
	}
}

// Bug 5: template names are valid for cat, show, status, is-enabled and list-unit-files; a template whose
// instances are enabled is indirect, enabled when its DefaultInstance= is; a template takes no job.
func TestTemplateNames(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"getty@.service":        debianUnit(t, "getty@.service"),
		"serial-getty@.service": debianUnit(t, "serial-getty@.service"),
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	for _, name := range []string{"getty@.service", "serial-getty@.service"} {
		if out, errs, code := s.Sctl("cat", name); code != 0 || !strings.Contains(out, "[Install]") {
			t.Errorf("cat %s: exit %d %s", name, code, errs)
		}
		if got := s.Show(name, "LoadState"); got != "loaded" {
			t.Errorf("%s: LoadState=%s", name, got)
		}
		if out, errs, code := s.Sctl("status", name); code != 3 || !strings.Contains(out, "Loaded: loaded") {
			t.Errorf("status %s: exit %d\n%s%s", name, code, out, errs)
		}
		if st, code := isEnabled(s, name); st != "disabled" || code != 1 {
			t.Errorf("is-enabled %s: %q %d", name, st, code)
		}
	}
	if st := unitFileStates(t, s); st["getty@.service"] != "disabled" || st["serial-getty@.service"] != "disabled" {
		t.Errorf("list-unit-files: %v", st)
	}
	mustSctl(t, s, "enable", "getty@tty2.service", "serial-getty@ttyS1.service")
	for name, want := range map[string]string{"getty@.service": "indirect", "serial-getty@.service": "indirect",
		"getty@tty2.service": "enabled", "getty@tty1.service": "disabled"} {
		if st, _ := isEnabled(s, name); st != want {
			t.Errorf("is-enabled %s: %q, want %s", name, st, want)
		}
	}
	if st := unitFileStates(t, s); st["getty@.service"] != "indirect" {
		t.Errorf("list-unit-files: getty@.service is %s", st["getty@.service"])
	}
	mustSctl(t, s, "enable", "getty@.service")
	if st, _ := isEnabled(s, "getty@.service"); st != "enabled" {
		t.Errorf("is-enabled getty@.service after enabling its DefaultInstance=: %q", st)
	}
	if _, errs, code := s.Sctl("start", "getty@.service"); code == 0 || !strings.Contains(errs, "missing the instance name") {
		t.Errorf("start of a template: exit %d %q", code, errs)
	}
	// Disabling the template removes its instances' links.
	mustSctl(t, s, "disable", "getty@.service")
	if got := links(t, s); !slices.Equal(got, []string{"getty.target.wants/serial-getty@ttyS1.service"}) {
		t.Errorf("links after disable getty@.service: %v", got)
	}
}

// Bug 6: a unit of a type no plugin serves (here a socket under the embedded profile) answers consistently:
// list-unit-files, is-enabled, enable and preset-all treat its file alike, and status shows its LoadError.
func TestUnsupportedUnitTypes(t *testing.T) {
	t.Parallel()
	conf := "[Manager]\nUnitPaths = [\"/etc/sysmaster/system\", \"/run/sysmaster/system\", \"/usr/lib/sysmaster/system\"]\n" +
		"[Plugins]\nDir = \"/usr/lib/sysmaster/plugins\"\nProfile = \"embedded\"\n"
	s := harness.Start(t, harness.Options{Config: conf, Units: map[string]string{
		"web.socket":  "[Socket]\nListenStream=/run/web.sock\n[Install]\nWantedBy=sockets.target\n",
		"web.service": "[Service]\nExecStart=/bin/true\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	agree := func(want string) {
		t.Helper()
		if st := unitFileStates(t, s)["web.socket"]; st != want {
			t.Errorf("list-unit-files: web.socket is %q, want %s", st, want)
		}
		if st, _ := isEnabled(s, "web.socket"); st != want {
			t.Errorf("is-enabled web.socket: %q, want %s", st, want)
		}
		if st := s.Show("web.socket", "UnitFileState"); st != want {
			t.Errorf("UnitFileState=%q, want %s", st, want)
		}
	}
	agree("disabled")
	mustSctl(t, s, "enable", "web.socket")
	agree("enabled")
	mustSctl(t, s, "disable", "web.socket")
	mustSctl(t, s, "preset-all")
	agree("enabled")
	out, errs, code := s.Sctl("status", "web.socket")
	if code != 3 || !strings.Contains(out, "Loaded: not-found (Reason:") || !strings.Contains(out, `unit type "socket" is not allowed by plugin profile "embedded"`) {
		t.Errorf("status web.socket: exit %d\n%s%s", code, out, errs)
	}
	if _, errs, code := s.Sctl("start", "web.socket"); code == 0 || !strings.Contains(errs, "not allowed by plugin profile") {
		t.Errorf("start web.socket: exit %d %q", code, errs)
	}
}

// Bug 12: unit name patterns expand over the units in memory as systemctl's do: stop 'bench-*.service',
// status 'ssh*', list-units 'sys*'.
func TestUnitNamePatterns(t *testing.T) {
	t.Parallel()
	units := map[string]string{"ssh.service": "[Service]\nExecStart=/bin/sleep infinity\n"}
	for _, n := range []string{"bench-1", "bench-2", "bench-3"} {
		units[n+".service"] = "[Service]\nExecStart=/bin/sleep infinity\n"
	}
	s := harness.Start(t, harness.Options{Units: units})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "bench-1.service", "bench-2.service", "bench-3.service", "ssh.service")
	if _, errs, code := s.Sctl("stop", "bench-*.service"); code != 0 {
		t.Fatalf("stop 'bench-*.service': exit %d %s", code, errs)
	}
	for _, n := range []string{"bench-1", "bench-2", "bench-3"} {
		if st := s.Show(n+".service", "ActiveState"); st != "inactive" {
			t.Errorf("%s.service is %s after stop 'bench-*.service'", n, st)
		}
	}
	if st := s.Show("ssh.service", "ActiveState"); st != "active" {
		t.Errorf("ssh.service is %s: the pattern reached it", st)
	}
	out, errs, code := s.Sctl("status", "ssh*")
	if code != 0 || !strings.Contains(out, "● ssh.service") || strings.Contains(out, "bench") {
		t.Errorf("status 'ssh*': exit %d\n%s%s", code, out, errs)
	}
	out, _, code = s.Sctl("list-units", "--no-legend", "sys*")
	if code != 0 || !strings.Contains(out, "sysinit.target") || strings.Contains(out, "multi-user") {
		t.Errorf("list-units 'sys*': exit %d\n%s", code, out)
	}
	// The stopped bench units were collected: no longer in memory, no pattern reaches them, as in systemd.
	if out, errs, code := s.Sctl("is-active", "ss?.service", "bench-?.service"); code != 0 || out != "active\n" {
		t.Errorf("is-active 'ss?.service' 'bench-?.service': exit %d %q %s", code, out, errs)
	}
	// A pattern that matches nothing does nothing; reset-failed does not reset every unit.
	if _, errs, code := s.Sctl("stop", "nomatch-*"); code != 0 || errs != "" {
		t.Errorf("stop 'nomatch-*': exit %d %q", code, errs)
	}
}

// Bug 7: unit logs are not world-readable. `sctl logs` and the log tail of `sctl status` are served to root and
// to the members of Manager.LogReaderGroups (adm and systemd-journal by default); others get "Access denied".
func TestUnitLogsAreNotWorldReadable(t *testing.T) {
	t.Parallel()
	const nobody = 65534 // the harness runs sctl as uid = gid = 65534: group nogroup
	units := map[string]string{"secret.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/echo the-secret\n"}
	check := func(s *harness.System, readable bool) {
		t.Helper()
		s.WaitActive("multi-user.target", "active", 10*time.Second)
		mustSctl(t, s, "start", "secret.service")
		if out, _, _ := s.Sctl("logs", "secret.service"); !strings.Contains(out, "the-secret") {
			t.Fatalf("root cannot read the log:\n%s", out)
		}
		out, errs, code := s.SctlAs(nobody, "logs", "secret.service")
		if got := strings.Contains(out, "the-secret"); got != readable {
			t.Errorf("logs as nobody: exit %d, read %v, want %v\n%s%s", code, got, readable, out, errs)
		}
		if !readable && (code != 4 || !strings.Contains(errs, "Failed to read logs: Access denied")) {
			t.Errorf("logs as nobody: exit %d %q", code, errs)
		}
		out, _, _ = s.SctlAs(nobody, "status", "secret.service")
		if got := strings.Contains(out, "the-secret"); got != readable || !readable && !strings.Contains(out, "Hint:") {
			t.Errorf("status as nobody (readable %v):\n%s", readable, out)
		}
	}
	check(harness.Start(t, harness.Options{Units: units}), false)
	conf := "[Manager]\nLogReaderGroups = [\"adm\", \"nogroup\"]\n"
	check(harness.Start(t, harness.Options{Units: units, Config: conf}), true)
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

// Bug 8, last part: a UnitPaths entry that does not exist and a system.conf that does not parse are reported by
// daemon-reload and status, not only on the console.
func TestConfigProblemsAreReported(t *testing.T) {
	t.Parallel()
	conf := "[Manager]\nUnitPaths = [\"/etc/sysmaster/system\", \"/nonexistent/units\", \"/usr/lib/sysmaster/system\"]\n"
	s := harness.Start(t, harness.Options{Config: conf})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	// The factory shells load as they are (they are not started here: they would take the console).
	for _, u := range []string{"rescue.service", "emergency.service"} {
		if st := s.Show(u, "LoadState"); st != "loaded" {
			t.Errorf("%s: LoadState=%s (%s)", u, st, s.Show(u, "LoadError"))
		}
	}
	const missing = "Warning: config: Manager.UnitPaths entry /nonexistent/units: no such directory"
	if _, errs, code := s.Sctl("daemon-reload"); code != 0 || !strings.Contains(errs, missing) {
		t.Errorf("daemon-reload: exit %d %q", code, errs)
	}
	if _, errs, _ := s.Sctl("status", "multi-user.target"); !strings.Contains(errs, missing) {
		t.Errorf("status: %q", errs)
	}
	s.WriteFile("system.conf", "[Manager\nthis is not TOML\n")
	_, errs, code := s.Sctl("daemon-reload")
	if code != 0 || !strings.Contains(errs, "Warning: config: /etc/sysmaster/system.conf:") || !strings.Contains(errs, "using defaults") {
		t.Errorf("daemon-reload of a bad system.conf: exit %d %q", code, errs)
	}
	if _, errs, _ := s.Sctl("status", "multi-user.target"); !strings.Contains(errs, "using defaults") {
		t.Errorf("status after a bad system.conf: %q", errs)
	}
	// Fixed, the warnings go.
	s.WriteFile("system.conf", "[Manager]\nLogLevel = \"info\"\n")
	if _, errs, code := s.Sctl("daemon-reload"); code != 0 || errs != "" {
		t.Errorf("daemon-reload of a good system.conf: exit %d %q", code, errs)
	}
}
