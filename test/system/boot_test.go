package system

import (
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

var factoryTargets = []string{"multi-user.target", "basic.target", "sysinit.target", "sockets.target", "timers.target",
	"paths.target", "local-fs.target"}

func TestBootReachesDefaultTarget(t *testing.T) {
	t.Parallel()
	run := harness.BuildPlugin(t, "sdk/examples/run", t.TempDir())
	s := harness.Start(t, harness.Options{Config: "[Plugin.run]\nPath = \"" + run + "\"\n"})
	s.WaitActive("default.target", "active", 10*time.Second)
	if id := s.Show("default.target", "Id"); id != "multi-user.target" {
		t.Errorf("default.target is %q, want the alias of multi-user.target", id)
	}
	out, _, code := s.Sctl("list-units", "--no-legend", "--plain")
	if code != 0 {
		t.Fatalf("list-units exit %d", code)
	}
	for _, u := range factoryTargets {
		if !hasRow(out, u, "loaded", "active", "active") {
			t.Errorf("list-units has no active row for %s:\n%s", u, out)
		}
	}
	plugins, _, code := s.Sctl("list-plugins")
	if code != 0 {
		t.Fatalf("list-plugins exit %d", code)
	}
	if !hasRow(plugins, "target") || !strings.Contains(rowOf(plugins, "target"), " loaded") {
		t.Errorf("target plugin not loaded:\n%s", plugins)
	}
	if !strings.Contains(rowOf(plugins, "run"), "not loaded") {
		t.Errorf("run plugin loaded without any .run unit:\n%s", plugins)
	}
	if !strings.Contains(s.Console(), "Reached target multi-user.target - Multi-User System.") {
		t.Errorf("console lacks the status line:\n%s", s.Console())
	}
}

func TestStatusExitCodes(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"idle.target": "[Unit]\nDescription=Idle\n"}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	cases := []struct {
		unit string
		code int
	}{{"multi-user.target", 0}, {"idle.target", 3}, {"nonexistent.target", 4}}
	for _, c := range cases {
		out, errs, code := s.Sctl("status", c.unit)
		if code != c.code {
			t.Errorf("status %s: exit %d, want %d\n%s%s", c.unit, code, c.code, out, errs)
		}
	}
	if out, _, _ := s.Sctl("status", "multi-user.target"); !strings.Contains(out, "Active: active") || !strings.Contains(out, "Loaded: loaded (/usr/lib/sysmaster/system/multi-user.target") {
		t.Errorf("status output:\n%s", out)
	}
	if out, code := isActive(s, "idle.target"); out != "inactive" || code != 3 {
		t.Errorf("is-active idle.target = %q exit %d", out, code)
	}
}

func TestStartStopWithDependencies(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"app.target":   "[Unit]\nDescription=App\nRequires=db.target\nWants=cache.target\nAfter=db.target\n",
		"db.target":    "[Unit]\nDescription=DB\n",
		"cache.target": "[Unit]\nDescription=Cache\nWants=missing.target\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "app.target"); code != 0 {
		t.Fatalf("start app.target: exit %d: %s", code, errs)
	}
	for _, u := range []string{"app.target", "db.target", "cache.target"} {
		if st := s.Show(u, "ActiveState"); st != "active" {
			t.Errorf("%s is %s after starting app.target", u, st)
		}
	}
	// db was ordered first: it entered active no later than app.
	db, _ := strconv.ParseInt(s.Show("db.target", "ActiveEnterTimestampMonotonic"), 10, 64)
	app, _ := strconv.ParseInt(s.Show("app.target", "ActiveEnterTimestampMonotonic"), 10, 64)
	if db == 0 || db > app {
		t.Errorf("db.target entered active at %d, app.target at %d: After= not honoured", db, app)
	}
	if got := s.Show("db.target", "RequiredBy"); got != "app.target" {
		t.Errorf("db.target RequiredBy = %q", got)
	}
	if st := s.Show("missing.target", "LoadState"); st != "not-found" {
		t.Errorf("missing.target LoadState = %q", st)
	}
	// Stopping a required unit stops what requires it.
	if _, errs, code := s.Sctl("stop", "db.target"); code != 0 {
		t.Fatalf("stop db.target: exit %d: %s", code, errs)
	}
	for _, u := range []string{"app.target", "db.target"} {
		if st := s.Show(u, "ActiveState"); st != "inactive" {
			t.Errorf("%s is %s after stopping db.target", u, st)
		}
	}
	if st := s.Show("cache.target", "ActiveState"); st != "active" {
		t.Errorf("cache.target (only wanted) is %s", st)
	}
	_, errs, code := s.Sctl("start", "nonexistent.target")
	if code != 5 || !strings.Contains(errs, "Unit nonexistent.target not found.") {
		t.Errorf("start of a missing unit: exit %d, %q", code, errs)
	}
}

func TestPoweroffEndsTheNamespace(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.Sctl("poweroff")
	select {
	case <-s.Exited():
	case <-time.After(20 * time.Second):
		t.Fatalf("namespace still running after sctl poweroff; console:\n%s", s.Console())
	}
	con := s.Console()
	for _, want := range []string{"Stopped target multi-user.target", "Reached target poweroff.target"} {
		if !strings.Contains(con, want) {
			t.Errorf("console lacks %q:\n%s", want, con)
		}
	}
}

func TestSIGTERMToInitShutsDownInOrder(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if err := s.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.Exited():
	case <-time.After(20 * time.Second):
		t.Fatalf("namespace still running after SIGTERM to init; console:\n%s", s.Console())
	}
	if !strings.Contains(s.Console(), "Reached target poweroff.target") {
		t.Errorf("SIGTERM did not go through poweroff.target:\n%s", s.Console())
	}
}

func isActive(s *harness.System, unit string) (string, int) {
	out, _, code := s.Sctl("is-active", unit)
	return strings.TrimSpace(out), code
}

// hasRow reports whether some line of a table starts with the given fields in order.
func hasRow(table string, fields ...string) bool {
	for _, line := range strings.Split(table, "\n") {
		f := strings.Fields(strings.TrimLeft(line, "● "))
		if len(f) >= len(fields) && strings.Join(f[:len(fields)], " ") == strings.Join(fields, " ") {
			return true
		}
	}
	return false
}

func rowOf(table, first string) string {
	for _, line := range strings.Split(table, "\n") {
		if f := strings.Fields(line); len(f) > 0 && f[0] == first {
			return line
		}
	}
	return ""
}

// sysmaster.unit= (passed to init as the kernel passes unknown options) picks another target than default.target.
func TestDefaultUnitOverriddenOnTheCommandLine(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Args: []string{"sysmaster.unit=rescue.target"}, Units: quietShells})
	s.WaitActive("rescue.target", "active", 10*time.Second)
	if st := s.Show("multi-user.target", "ActiveState"); st != "inactive" {
		t.Errorf("multi-user.target is %s when booting into rescue.target", st)
	}
	if st := s.Show("sysinit.target", "ActiveState"); st != "active" {
		t.Errorf("sysinit.target (required by rescue.target) is %s", st)
	}
}

// SIGHUP to the core is daemon-reload, as for systemd.
func TestSIGHUPReloads(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"x.target": "[Unit]\nDescription=Old\n"}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if d := s.Show("x.target", "Description"); d != "Old" {
		t.Fatalf("Description %q", d)
	}
	s.WriteFile("system/x.target", "[Unit]\nDescription=New\n")
	core := coreOf(t, s)
	if core <= 1 {
		t.Fatal("no core")
	}
	if err := syscall.Kill(core, syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	if !s.WaitFor(5*time.Second, func() bool { return s.Show("x.target", "Description") == "New" }) {
		t.Errorf("SIGHUP did not reload: Description %q", s.Show("x.target", "Description"))
	}
	if c := coreOf(t, s); c != core {
		t.Errorf("the core was replaced (%d -> %d) instead of reloading", core, c)
	}
}

// sctl called through its halt link halts: the core stops everything, reaches halt.target and init ends.
func TestHaltThroughTheLink(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Run(0, "halt"); code != 0 {
		t.Fatalf("halt: exit %d %s", code, errs)
	}
	select {
	case <-s.Exited():
	case <-time.After(20 * time.Second):
		t.Fatalf("namespace still running after halt; console:\n%s", s.Console())
	}
	for _, want := range []string{"Reached target halt.target", "final stage: halt"} {
		if !strings.Contains(s.Console(), want) {
			t.Errorf("console lacks %q:\n%s", want, s.Console())
		}
	}
}
