package system

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/test/harness"
)

// firing is a oneshot service that appends one line per run to /run/NAME.fired: its activation details.
func firing(name string) string {
	return "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'echo \"$TRIGGER_UNIT $TRIGGER_TIMER_REALTIME_USEC $TRIGGER_TIMER_MONOTONIC_USEC\" >> /run/" +
		name + ".fired'\n"
}

// firedLines returns the lines the service of firing(name) wrote.
func firedLines(s *harness.System, name string) []string {
	b, _ := s.ReadFile("/run/" + name + ".fired")
	return strings.Fields(strings.ReplaceAll(b, " ", "_"))
}

// waitFired waits until the service of firing(name) ran n times and returns its lines.
func waitFired(t *testing.T, s *harness.System, name string, n int, timeout time.Duration) []string {
	t.Helper()
	var got []string
	if !s.WaitFor(timeout, func() bool { got = firedLines(s, name); return len(got) >= n }) {
		out, _, _ := s.Sctl("status", name+".timer")
		t.Fatalf("%s ran %d times, want %d; status:\n%s\nconsole:\n%s", name, len(got), n, out, s.Console())
	}
	return got
}

// A timer with OnActiveSec=1 starts its oneshot once, within its AccuracySec, with the activation details in
// the environment, and is then elapsed.
func TestTimerOnActiveSec(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"once.timer":   "[Timer]\nOnActiveSec=1\nAccuracySec=10ms\n",
		"once.service": firing("once"),
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	started := time.Now()
	mustSctl(t, s, "start", "once.timer")
	got := waitFired(t, s, "once", 1, 10*time.Second)
	if d := time.Since(started); d < time.Second {
		t.Errorf("fired after %v", d)
	}
	f := strings.Split(got[0], "_")
	real, _ := strconv.ParseInt(f[len(f)-2], 10, 64)
	mono, _ := strconv.ParseInt(f[len(f)-1], 10, 64)
	if f[0] != "once.timer" || time.Since(time.UnixMicro(real)) > 10*time.Second {
		t.Errorf("activation details %q", got[0])
	}
	// The trigger came a second after the timer's start, within AccuracySec= and what one turn of the core's
	// loop and one plugin call take on a busy machine.
	began, _ := strconv.ParseInt(s.Show("once.timer", "InactiveExitTimestampMonotonic"), 10, 64)
	if d := time.Duration(mono-began) * time.Microsecond; d < time.Second || d > time.Second+10*time.Millisecond+500*time.Millisecond {
		t.Errorf("triggered %v after the timer's start, want 1s within the accuracy", d)
	}
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("once.timer", "SubState") == "elapsed" }) {
		t.Fatalf("once.timer is %s", s.Show("once.timer", "SubState"))
	}
	if n := len(firedLines(s, "once")); n != 1 {
		t.Errorf("ran %d times", n)
	}
	if last := s.Show("once.timer", "LastTriggerUSec"); last == "" {
		t.Errorf("LastTriggerUSec=%q", last)
	}
}

// OnUnitActiveSec= repeats, counting from each activation of the service.
func TestTimerOnUnitActiveSecRepeats(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"rep.timer":   "[Timer]\nOnActiveSec=1\nOnUnitActiveSec=1\nAccuracySec=10ms\n",
		"rep.service": firing("rep"),
	}})
	mustSctl(t, s, "start", "rep.timer")
	waitFired(t, s, "rep", 3, 20*time.Second)
	if sub := s.Show("rep.timer", "SubState"); sub != "waiting" && sub != "running" {
		t.Errorf("rep.timer is %s", sub)
	}
	mustSctl(t, s, "stop", "rep.timer")
	if sub := s.Show("rep.timer", "SubState"); sub != "dead" {
		t.Errorf("stopped rep.timer is %s", sub)
	}
}

// OnCalendar= with a time a few seconds ahead fires at that time.
func TestTimerOnCalendar(t *testing.T) {
	t.Parallel()
	at := time.Now().UTC().Add(3 * time.Second).Truncate(time.Second)
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"cal.timer":   "[Timer]\nOnCalendar=" + at.Format("2006-01-02 15:04:05") + " UTC\nAccuracySec=10ms\n",
		"cal.service": firing("cal"),
	}})
	mustSctl(t, s, "start", "cal.timer")
	if next := s.Show("cal.timer", "NextElapseUSecRealtime"); !strings.Contains(next, at.Format("15:04:05")) && !strings.Contains(next, at.Local().Format("15:04:05")) {
		t.Errorf("NextElapseUSecRealtime=%q, want %v", next, at)
	}
	got := waitFired(t, s, "cal", 1, 15*time.Second)
	f := strings.Split(got[0], "_")
	real, _ := strconv.ParseInt(f[len(f)-2], 10, 64)
	if fired := time.UnixMicro(real); fired.Before(at) || fired.After(at.Add(2*time.Second)) {
		t.Errorf("fired at %v, want %v", fired, at)
	}
	// A calendar time that will not come again leaves the timer elapsed.
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("cal.timer", "SubState") == "elapsed" }) {
		t.Errorf("cal.timer is %s", s.Show("cal.timer", "SubState"))
	}
}

// stampFile is the Persistent= stamp of a timer, in the system's own /var/lib/sysmaster (the harness binds a
// directory of the test's over it).
func stampFile(s *harness.System, name string) string {
	return filepath.Join(s.VarLib, "timers", "stamp-"+name)
}

// An OnCalendar= Persistent=yes timer whose stamp is older than its last elapse fires once at start (the
// catch-up of a downtime), writes its stamp, and then waits for the next elapse: not twice.
func TestTimerPersistentCatchUp(t *testing.T) {
	t.Parallel()
	name := fmt.Sprintf("catchup%d", os.Getpid())
	s := harness.Start(t, harness.Options{Units: map[string]string{
		name + ".timer":   "[Timer]\nOnCalendar=daily\nPersistent=yes\nAccuracySec=10ms\n",
		name + ".service": firing(name),
	}})
	// The timer is not enabled: it reads the stamp when it is started below.
	stamp := stampFile(s, name+".timer")
	if err := os.MkdirAll(filepath.Dir(stamp), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stamp, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-49 * time.Hour)
	if err := os.Chtimes(stamp, old, old); err != nil {
		t.Fatal(err)
	}
	mustSctl(t, s, "start", name+".timer")
	waitFired(t, s, name, 1, 10*time.Second)
	// Back to waiting for tomorrow, with the stamp of the run.
	if !s.WaitFor(10*time.Second, func() bool { return s.Show(name+".timer", "SubState") == "waiting" }) {
		t.Fatalf("%s.timer is %s", name, s.Show(name+".timer", "SubState"))
	}
	if st, err := os.Stat(stamp); err != nil || time.Since(st.ModTime()) > time.Minute {
		t.Errorf("stamp not renewed: %v %v", st.ModTime(), err)
	}
	next := s.Show(name+".timer", "NextElapseUSecRealtime")
	if n := len(firedLines(s, name)); n != 1 {
		t.Errorf("the catch-up ran %d times; next elapse %s", n, next)
	}
	if !strings.Contains(next, "00:00:00") {
		t.Errorf("next elapse %q, want midnight", next)
	}
	// A new start reads the fresh stamp: nothing to catch up.
	mustSctl(t, s, "restart", name+".timer")
	if n := len(firedLines(s, name)); n != 1 || s.Show(name+".timer", "SubState") != "waiting" {
		t.Errorf("after a restart: %d runs, %s", n, s.Show(name+".timer", "SubState"))
	}
}

// A timer armed before a core SIGKILL fires once after it, and one armed before its plugin is killed fires too:
// the host holds the timers.
func TestTimerSurvivesCoreAndPluginCrash(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"core.timer":     "[Timer]\nOnActiveSec=4\nAccuracySec=10ms\n",
		"core.service":   firing("core"),
		"plugin.timer":   "[Timer]\nOnActiveSec=4\nAccuracySec=10ms\n",
		"plugin.service": firing("plugin"),
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "core.timer")
	killCore(t, s)
	mustSctl(t, s, "start", "plugin.timer")
	killPlugin(t, s, "timer")
	waitFired(t, s, "core", 1, 20*time.Second)
	waitFired(t, s, "plugin", 1, 20*time.Second)
	for _, u := range []string{"core", "plugin"} {
		if !s.WaitFor(10*time.Second, func() bool { return s.Show(u+".timer", "SubState") == "elapsed" }) {
			t.Errorf("%s.timer is %s", u, s.Show(u+".timer", "SubState"))
		}
		if n := len(firedLines(s, u)); n != 1 {
			t.Errorf("%s ran %d times", u, n)
		}
	}
}

// list-timers shows the waiting timers in systemctl's columns, soonest first; --all adds the inactive ones.
func TestListTimers(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"hour.timer":   "[Timer]\nOnActiveSec=1h\n",
		"hour.service": "[Unit]\nWants=idle.timer\n" + firing("hour"), // loads idle.timer, which nothing starts
		"far.timer":    "[Unit]\nDescription=Far\n[Timer]\nOnCalendar=2099-01-01 00:00:00 UTC\n",
		"far.service":  firing("far"),
		"idle.timer":   "[Timer]\nOnActiveSec=1\n",
		"idle.service": firing("idle"),
		"other.timer":  "[Timer]\nOnCalendar=hourly\nUnit=hour.service\n",
	}})
	mustSctl(t, s, "start", "hour.timer", "far.timer", "other.timer")
	out := mustSctl(t, s, "list-timers")
	lines := strings.Split(out, "\n")
	if !strings.HasPrefix(lines[0], "NEXT") || !strings.Contains(lines[0], "LEFT") || !strings.Contains(lines[0], "PASSED") ||
		!strings.Contains(lines[0], "UNIT") || !strings.HasSuffix(strings.TrimSpace(lines[0]), "ACTIVATES") {
		t.Fatalf("header:\n%s", out)
	}
	order := []string{"other.timer", "hour.timer", "far.timer"}
	for i, u := range order {
		if !strings.Contains(lines[i+1], u) {
			t.Fatalf("row %d is not %s:\n%s", i+1, u, out)
		}
	}
	if !strings.Contains(lines[1], "hour.service") || !strings.Contains(lines[3], "2099-01-01") || !strings.Contains(lines[2], "left") {
		t.Errorf("rows:\n%s", out)
	}
	if strings.Contains(out, "idle.timer") || !strings.Contains(out, "3 timers listed.") || !strings.Contains(out, "Pass --all") {
		t.Errorf("without --all:\n%s", out)
	}
	all := mustSctl(t, s, "list-timers", "--all")
	if !strings.Contains(all, "idle.timer") || !strings.Contains(all, "4 timers listed.") {
		lu, _, _ := s.Sctl("list-units", "--all")
		t.Errorf("--all:\n%s\n%s", all, lu)
	}
	st, _, _ := s.Sctl("status", "far.timer")
	if !strings.Contains(st, "Trigger: Thu 2099-01-01") || !strings.Contains(st, "Triggers: ● far.service") || !strings.Contains(st, "active (waiting)") {
		t.Errorf("status:\n%s", st)
	}
}

// Debian 12's timers load unchanged, start (with stand-ins for their services) and show a next elapse.
func TestDebianTimers(t *testing.T) {
	t.Parallel()
	names := []string{"apt-daily", "apt-daily-upgrade", "logrotate", "man-db", "e2scrub_all", "dpkg-db-backup"}
	units := map[string]string{}
	for _, n := range names {
		units[n+".timer"] = debianUnit(t, n+".timer")
		units[n+".service"] = "[Service]\nType=oneshot\nExecStart=/bin/true\n"
	}
	// fstrim.timer's condition (not in a container) may or may not hold here: it loads either way.
	units["fstrim.timer"] = debianUnit(t, "fstrim.timer")
	units["fstrim.service"] = "[Service]\nType=oneshot\nExecStart=/bin/true\n"
	s := harness.Start(t, harness.Options{Units: units})
	for _, n := range append(names, "fstrim") {
		if ls := s.Show(n+".timer", "LoadState"); ls != "loaded" {
			t.Errorf("%s.timer: LoadState=%s", n, ls)
		}
	}
	args := []string{"start"}
	for _, n := range names {
		args = append(args, n+".timer")
	}
	mustSctl(t, s, args...)
	out := mustSctl(t, s, "list-timers")
	for _, n := range names {
		row := timerRow(out, n+".timer")
		if row == "" || strings.HasPrefix(row, "-") {
			t.Errorf("%s.timer shows no next elapse:\n%s", n, out)
		}
		if sub := s.Show(n+".timer", "SubState"); sub != "waiting" && sub != "running" {
			t.Errorf("%s.timer is %s", n, sub)
		}
	}
	if got := s.Show("apt-daily.timer", "After"); !strings.Contains(got, "time-sync.target") || !strings.Contains(got, "sysinit.target") {
		t.Errorf("apt-daily.timer After=%s", got)
	}
	if got := s.Show("apt-daily.timer", "Before"); !strings.Contains(got, "timers.target") || !strings.Contains(got, "apt-daily.service") {
		t.Errorf("apt-daily.timer Before=%s", got)
	}
}

// timerRow is list-timers' row of unit, "" when it has none.
func timerRow(out, unit string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(" "+l+" ", " "+unit+" ") {
			return l
		}
	}
	return ""
}

// A start of the service that a condition skips does not leave the timer running for ever: it hears that the
// start ended and waits for its next elapse, at which the service runs once the condition holds.
func TestTimerServiceSkippedByCondition(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"cond.timer":   "[Timer]\nOnActiveSec=1\nOnUnitInactiveSec=1\nAccuracySec=10ms\n",
		"cond.service": "[Unit]\nConditionPathExists=/run/cond.go\n" + firing("cond"),
	}})
	mustSctl(t, s, "start", "cond.timer")
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("cond.timer", "LastTriggerUSec") != "" }) {
		t.Fatal("cond.timer never triggered")
	}
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("cond.timer", "SubState") == "waiting" }) {
		t.Fatalf("cond.timer is %s after a skipped start", s.Show("cond.timer", "SubState"))
	}
	if err := os.WriteFile(inRoot(s, "/run/cond.go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitFired(t, s, "cond", 1, 15*time.Second)
}

// Setting the realtime clock (to the time it reads: the kernel cancels the host's timerfd all the same) starts
// an OnClockChange= timer's unit, and an OnCalendar= timer keeps its elapse.
func TestTimerOnClockChange(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"clk.timer":   "[Timer]\nOnClockChange=yes\n",
		"clk.service": firing("clk"),
		"far.timer":   "[Timer]\nOnCalendar=2099-01-01 00:00:00 UTC\n",
		"far.service": firing("far"),
	}})
	mustSctl(t, s, "start", "clk.timer", "far.timer")
	if sub := s.Show("clk.timer", "SubState"); sub != "waiting" {
		t.Fatalf("clk.timer is %s", sub)
	}
	next := s.Show("far.timer", "NextElapseUSecRealtime")
	if n := len(firedLines(s, "clk")); n != 0 {
		t.Fatalf("clk ran %d times before the clock was set", n)
	}
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_REALTIME, &ts); err != nil {
		t.Fatal(err)
	}
	if err := unix.ClockSettime(unix.CLOCK_REALTIME, &ts); err != nil {
		t.Fatalf("clock_settime: %v", err)
	}
	got := waitFired(t, s, "clk", 1, 10*time.Second)
	if !strings.HasPrefix(got[0], "clk.timer_") {
		t.Errorf("activation details %q", got[0])
	}
	if got := s.Show("far.timer", "NextElapseUSecRealtime"); got != next || s.Show("far.timer", "SubState") != "waiting" {
		t.Errorf("far.timer: next %q (was %q), %s", got, next, s.Show("far.timer", "SubState"))
	}
	if n := len(firedLines(s, "far")); n != 0 {
		t.Errorf("far ran %d times", n)
	}
}

// Bad input as systemd 252 takes it: an OnCalendar= that does not parse is logged with its file, line and
// expression and ignored, the unit loads with the rest; a timer left with nothing to elapse is bad-setting.
// WakeSystem=, which sysmaster cannot honour, is said in the status.
func TestTimerBadInput(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"half.timer":   "[Timer]\nOnCalendar=Mon..Fri 25:00\nOnActiveSec=1h\nWakeSystem=yes\n",
		"half.service": firing("half"),
		"none.timer":   "[Timer]\nOnCalendar=Mon..Fri 25:00\n",
		"none.service": firing("none"),
	}})
	mustSctl(t, s, "start", "half.timer")
	st, _, _ := s.Sctl("status", "half.timer")
	if !strings.Contains(st, "active (waiting)") ||
		!strings.Contains(st, "/etc/sysmaster/system/half.timer:2: [Timer] OnCalendar: Failed to parse calendar specification, ignoring: Mon..Fri 25:00") ||
		!strings.Contains(st, "Warning: WakeSystem= is not enforced by sysmaster") {
		t.Errorf("status:\n%s", st)
	}
	if _, _, code := s.Sctl("start", "none.timer"); code == 0 {
		t.Error("a timer without a value started")
	}
	st, _, _ = s.Sctl("status", "none.timer")
	if !strings.Contains(st, "bad-setting") || !strings.Contains(st, "lacks value setting") {
		t.Errorf("status:\n%s", st)
	}
}

// A timer enabled into timers.target (as Debian's are, WantedBy=timers.target) starts at boot, ordered before
// timers.target, and OnStartupSec= counts from the manager's start.
func TestTimersTargetStartsEnabledTimers(t *testing.T) {
	t.Parallel()
	harness.Install(t) // built before the clock starts
	booted := time.Now()
	s := harness.Start(t, harness.Options{
		Units: map[string]string{
			"boot.timer":   "[Timer]\nOnStartupSec=3\nAccuracySec=10ms\n[Install]\nWantedBy=timers.target\n",
			"boot.service": firing("boot"),
		},
		Links: map[string]string{"timers.target.wants/boot.timer": "/etc/sysmaster/system/boot.timer"},
	})
	s.WaitActive("timers.target", "active", 10*time.Second)
	if sub := s.Show("boot.timer", "SubState"); sub != "waiting" && sub != "running" && sub != "elapsed" {
		t.Fatalf("boot.timer is %s at boot", sub)
	}
	got := waitFired(t, s, "boot", 1, 15*time.Second)
	f := strings.Split(got[0], "_")
	real, _ := strconv.ParseInt(f[len(f)-2], 10, 64)
	// init starts after booted and before the first answer; the elapse is 3 s after it.
	if at := time.UnixMicro(real); at.Before(booted.Add(3*time.Second)) || at.After(booted.Add(10*time.Second)) {
		t.Errorf("OnStartupSec=3 fired %v after the test started the system", at.Sub(booted))
	}
	if before := s.Show("boot.timer", "Before"); !strings.Contains(before, "timers.target") {
		t.Errorf("Before=%s", before)
	}
}

// leftSpans hides the spans of LEFT and PASSED ("55min left", "3s ago"), which move between two readings.
var leftSpans = regexp.MustCompile(`\d+(min|h|s|ms|us|d|w)\b`)

// list-timers and the Trigger: line of status read as systemd 252's, for the same timers.
func TestListTimersLikeSystemctl(t *testing.T) {
	t.Parallel()
	if !harness.HaveSystemd() {
		t.Fatalf("%s is not installed (apt-get install systemd)", harness.SystemdBinary)
	}
	units := map[string]string{
		"cmp.target":   "[Unit]\nWants=hour.timer far.timer\n",
		"hour.timer":   "[Timer]\nOnCalendar=hourly\n",
		"hour.service": "[Service]\nType=oneshot\nExecStart=/bin/true\n",
		"far.timer":    "[Timer]\nOnCalendar=2099-01-01 00:00:00 UTC\nUnit=hour.service\n",
	}
	sd := harness.StartSystemd(t, units, "cmp.target")
	waitSystemdActive(t, sd, "hour.timer", "far.timer")
	theirs, _, _ := sd.Ctl("list-timers")
	theirStatus, _, _ := sd.Ctl("status", "far.timer")
	sd.Kill()
	s := harness.Start(t, harness.Options{Units: units})
	mustSctl(t, s, "start", "cmp.target")
	ours := mustSctl(t, s, "list-timers")
	if a, b := leftSpans.ReplaceAllString(ours, "N$1"), leftSpans.ReplaceAllString(theirs, "N$1"); a != b {
		t.Errorf("sctl list-timers:\n%s\nsystemctl list-timers:\n%s", ours, theirs)
	}
	ourStatus, _, _ := s.Sctl("status", "far.timer")
	for _, label := range []string{"Trigger:", "Triggers:"} {
		if a, b := leftSpans.ReplaceAllString(lineWith(ourStatus, label), "N$1"), leftSpans.ReplaceAllString(lineWith(theirStatus, label), "N$1"); a != b || a == "" {
			t.Errorf("status %s\n%q\nsystemctl's:\n%q", label, a, b)
		}
	}
}

// lineWith is the first line of out that holds s.
func lineWith(out, s string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, s) {
			return l
		}
	}
	return ""
}

// The timer's properties in sctl show read as in systemctl show, for the same timer.
func TestTimerShowLikeSystemctl(t *testing.T) {
	t.Parallel()
	if !harness.HaveSystemd() {
		t.Fatalf("%s is not installed (apt-get install systemd)", harness.SystemdBinary)
	}
	units := map[string]string{
		"cmp.target": "[Unit]\nWants=show.timer\n",
		"show.timer": "[Timer]\nOnCalendar=2099-01-01 00:00:00 UTC\nOnCalendar=2098-06-01 00:00:00 UTC\nOnUnitActiveSec=1h\n" +
			"OnUnitInactiveSec=2h\nAccuracySec=5s\nRandomizedDelaySec=0\nPersistent=no\nRemainAfterElapse=no\nUnit=other.service\n",
		"other.service": "[Service]\nType=oneshot\nExecStart=/bin/true\n",
	}
	props := []string{"Unit", "TimersMonotonic", "TimersCalendar", "OnClockChange", "OnTimezoneChange",
		"NextElapseUSecRealtime", "NextElapseUSecMonotonic", "LastTriggerUSecMonotonic", "Result", "AccuracyUSec",
		"RandomizedDelayUSec", "FixedRandomDelay", "Persistent", "WakeSystem", "RemainAfterElapse", "Triggers",
		"ActiveState", "SubState"}
	arg := "--property=" + strings.Join(props, ",")
	sd := harness.StartSystemd(t, units, "cmp.target")
	waitSystemdActive(t, sd, "show.timer")
	theirs, _, _ := sd.Ctl("show", arg, "show.timer")
	sd.Kill()
	s := harness.Start(t, harness.Options{Units: units})
	mustSctl(t, s, "start", "show.timer")
	ours := mustSctl(t, s, "show", arg, "show.timer")
	sorted := func(out string) string {
		lines := strings.Split(strings.TrimSpace(out), "\n")
		slices.Sort(lines)
		return strings.Join(lines, "\n")
	}
	if a, b := sorted(ours), sorted(theirs); a != b {
		t.Errorf("sctl show:\n%s\nsystemctl show:\n%s", a, b)
	}
}

// waitSystemdActive waits until systemd has started units (StartSystemd returns when systemctl answers, while its
// default target may still be starting).
func waitSystemdActive(t *testing.T, sd *harness.Systemd, units ...string) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for {
		_, _, code := sd.Ctl(append([]string{"is-active", "--quiet"}, units...)...)
		if code == 0 {
			return
		}
		if time.Now().After(deadline) {
			out, _, _ := sd.Ctl("list-units", "--all")
			t.Fatalf("systemd did not start %v:\n%s\n%s", units, out, sd.Console())
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// A daemon-reload that changes a waiting timer's OnCalendar= re-arms it for the new expression at once (systemd
// re-computes the elapse at the reload); a reload that changes nothing keeps the elapse, random delay included.
func TestTimerDaemonReloadRecomputes(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"far.timer":   "[Timer]\nOnCalendar=2099-01-01 00:00:00 UTC\nRandomizedDelaySec=1h\n",
		"far.service": firing("far"),
	}})
	mustSctl(t, s, "start", "far.timer")
	next := s.Show("far.timer", "NextElapseUSecRealtime")
	if !strings.Contains(next, "2099") && !strings.Contains(next, "2098") {
		t.Fatalf("NextElapseUSecRealtime=%q", next)
	}
	mustSctl(t, s, "daemon-reload")
	if got := s.Show("far.timer", "NextElapseUSecRealtime"); got != next {
		t.Errorf("a reload that changed nothing moved the elapse: %q, was %q", got, next)
	}
	s.WriteFile("system/far.timer", "[Timer]\nOnCalendar=2090-06-01 00:00:00 UTC\n")
	mustSctl(t, s, "daemon-reload")
	var got string
	if !s.WaitFor(5*time.Second, func() bool {
		got = s.Show("far.timer", "NextElapseUSecRealtime")
		return strings.Contains(got, "2090")
	}) {
		t.Fatalf("after OnCalendar= changed and a reload: NextElapseUSecRealtime=%q (was %q)", got, next)
	}
	if sub := s.Show("far.timer", "SubState"); sub != "waiting" {
		t.Errorf("far.timer is %s", sub)
	}
	if cal := s.Show("far.timer", "TimersCalendar"); !strings.Contains(cal, "2090-06-01") {
		t.Errorf("TimersCalendar=%q", cal)
	}
}

// A timer or path unit whose unit to trigger is not loaded (no file) is refused at its start, as systemd's
// unit_test_trigger_loaded refuses it: the job fails, the unit stays inactive (not failed), and its log says why.
func TestTriggerNotLoadedRefusesStart(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"lonely.timer": "[Timer]\nOnActiveSec=1h\n",
		"other.timer":  "[Timer]\nOnActiveSec=1h\nUnit=missing.service\n",
		"lonely.path":  "[Path]\nPathExists=/run/nothing-here\n",
		"fine.timer":   "[Timer]\nOnActiveSec=1h\n",
		"fine.service": firing("fine"),
	}})
	for unit, trigger := range map[string]string{"lonely.timer": "lonely.service", "other.timer": "missing.service",
		"lonely.path": "lonely.service"} {
		if _, _, code := s.Sctl("start", unit); code == 0 {
			t.Errorf("%s started without %s", unit, trigger)
		}
		if st := s.Show(unit, "ActiveState") + "/" + s.Show(unit, "SubState"); st != "inactive/dead" {
			t.Errorf("%s is %s, want inactive/dead", unit, st)
		}
		want := "Refusing to start, unit " + trigger + " to trigger not loaded."
		if out, _, _ := s.Sctl("logs", unit); !strings.Contains(out, want) {
			t.Errorf("%s's log does not say %q:\n%s", unit, want, out)
		}
	}
	mustSctl(t, s, "start", "fine.timer")
	if sub := s.Show("fine.timer", "SubState"); sub != "waiting" {
		t.Errorf("fine.timer is %s", sub)
	}
}
