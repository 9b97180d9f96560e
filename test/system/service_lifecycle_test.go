package system

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// restartCases are the ways a run of a service ends, each as unit file lines. The first run of each unit
// touches a marker in /run/rm and ends its way; a later run (after a restart) just keeps running.
var restartCases = map[string]string{
	"clean":   "ExecStart=/bin/sh -c 'mkdir -p /run/rm; [ -e /run/rm/%N ] && exec sleep 1000; touch /run/rm/%N; exit 0'\n",
	"fail":    "ExecStart=/bin/sh -c 'mkdir -p /run/rm; [ -e /run/rm/%N ] && exec sleep 1000; touch /run/rm/%N; exit 1'\n",
	"kill":    "ExecStart=/bin/sh -c 'mkdir -p /run/rm; [ -e /run/rm/%N ] && exec sleep 1000; touch /run/rm/%N; kill -KILL $$$$'\n",
	"segv":    "ExecStart=/bin/sh -c 'mkdir -p /run/rm; [ -e /run/rm/%N ] && exec sleep 1000; touch /run/rm/%N; kill -SEGV $$$$'\nLimitCORE=0\n",
	"timeout": "RuntimeMaxSec=1\nExecStart=/bin/sleep 1000\n",
	// Type=notify never ready: the start times out.
	"starttimeout": "Type=notify\nTimeoutStartSec=1\nExecStart=/bin/sleep 1000\n",
	// READY=1 and never WATCHDOG=1.
	"watchdog": "Type=notify\nWatchdogSec=1\nExecStart=/usr/bin/python3 -c 'import os, socket, time; s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); s.connect(os.environ[\"NOTIFY_SOCKET\"]); s.send(b\"READY=1\"); time.sleep(1000)'\n",
}

// restartTable is man systemd.service's table under Restart=: which endings restart under each value, and the
// result of each ending.
var (
	restartTable = map[string][]string{
		"no":          {},
		"on-success":  {"clean"},
		"on-failure":  {"fail", "kill", "segv", "timeout", "starttimeout", "watchdog"},
		"on-abnormal": {"kill", "segv", "timeout", "starttimeout", "watchdog"},
		"on-watchdog": {"watchdog"},
		"on-abort":    {"kill", "segv"},
		"always":      {"clean", "fail", "kill", "segv", "timeout", "starttimeout", "watchdog"},
	}
	restartResult = map[string]string{"clean": "success", "fail": "exit-code", "kill": "signal", "segv": "signal",
		"timeout": "timeout", "starttimeout": "timeout", "watchdog": "watchdog"}
)

type restartWant struct {
	restart bool
	result  string // when it does not restart
}

// Every Restart= value × every way a run ends (clean exit, exit 1, SIGKILL, SIGSEGV, RuntimeMaxSec=, a missed
// watchdog): the service restarts (NRestarts 1, "Scheduled restart job" in its log) exactly where the table of
// man systemd.service says so, and otherwise ends inactive or failed with the ending's result. Besides:
// RestartPreventExitStatus=, RestartForceExitStatus=, SuccessExitStatus= (a code and a signal), and RestartSec=
// honoured between two runs. All units run side by side in one system.
func TestRestartMatrix(t *testing.T) {
	t.Parallel()
	const common = "[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=1000\n[Service]\nRestartSec=100ms\nTimeoutStopSec=5\n"
	units := map[string]string{}
	want := map[string]restartWant{}
	for restart, yes := range restartTable {
		for c, lines := range restartCases {
			name := fmt.Sprintf("r-%s-%s.service", restart, c)
			units[name] = common + "Restart=" + restart + "\n" + lines
			w := restartWant{result: restartResult[c]}
			for _, y := range yes {
				w.restart = w.restart || y == c
			}
			want[name] = w
		}
	}
	once := func(tail string) string {
		return "ExecStart=/bin/sh -c 'mkdir -p /run/rm; [ -e /run/rm/%N ] && exec sleep 1000; touch /run/rm/%N; " + tail + "'\n"
	}
	units["x-prevent.service"] = common + "Restart=always\nRestartPreventExitStatus=3 SIGUSR2\n" + once("exit 3")
	want["x-prevent.service"] = restartWant{result: "exit-code"}
	units["x-prevent-sig.service"] = common + "Restart=always\nRestartPreventExitStatus=3 SIGUSR2\n" + once("kill -USR2 $$$$")
	want["x-prevent-sig.service"] = restartWant{result: "signal"}
	units["x-force.service"] = common + "Restart=no\nRestartForceExitStatus=4\n" + once("exit 4")
	want["x-force.service"] = restartWant{restart: true}
	units["x-success.service"] = common + "Restart=on-failure\nSuccessExitStatus=5 SIGUSR1\n" + once("exit 5")
	want["x-success.service"] = restartWant{result: "success"}
	units["x-success-sig.service"] = common + "Restart=on-failure\nSuccessExitStatus=5 SIGUSR1\n" + once("kill -USR1 $$$$")
	want["x-success-sig.service"] = restartWant{result: "success"}
	// SuccessExitStatus= makes exit 5 a success for on-success too.
	units["x-success-restart.service"] = common + "Restart=on-success\nSuccessExitStatus=5\n" + once("exit 5")
	want["x-success-restart.service"] = restartWant{restart: true}
	// RestartSec=1s: each run appends its start time (ns); the first fails.
	units["x-delay.service"] = "[Service]\nRestart=on-failure\nRestartSec=1s\n" +
		"ExecStart=/bin/sh -c 'date +%%s%%N >> /run/delay.times; [ -e /run/delay.once ] && exec sleep 1000; touch /run/delay.once; exit 1'\n"

	s := harness.Start(t, harness.Options{Units: units})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	names := make([]string, 0, len(units))
	for name := range units {
		names = append(names, name)
	}
	sort.Strings(names)
	t0 := time.Now()
	if _, errs, code := s.Sctl(append([]string{"start", "--no-block"}, names...)...); code != 0 {
		t.Fatalf("start: exit %d %s", code, errs)
	}
	// A run that ends either restarts (auto-restart, then NRestarts 1) or settles in inactive/failed at once:
	// the plugin decides when the run ends, so a settled unit will not restart any more.
	decided := map[string]map[string]string{}
	s.WaitFor(20*time.Second, func() bool {
		pending := []string{}
		for _, n := range names {
			if _, ok := decided[n]; !ok && n != "x-delay.service" {
				pending = append(pending, n)
			}
		}
		if len(pending) == 0 {
			return true
		}
		for n, p := range props(s, pending, "ActiveState", "SubState", "Result", "NRestarts", "ExecMainStatus") {
			if p["NRestarts"] != "0" && p["NRestarts"] != "" || p["ActiveState"] == "inactive" || p["ActiveState"] == "failed" {
				decided[n] = p
			}
		}
		return false
	})
	t.Logf("the matrix settled in %v", time.Since(t0))
	// The stop half of a restart job shows the unit inactive for a moment before it starts again: the restart
	// count is taken afresh now that every unit has settled (the matrix took a second or more, RestartSec= is
	// 100ms), so such a moment cannot pass for "no restart".
	now := props(s, names, "ActiveState", "SubState", "Result", "NRestarts")
	for _, n := range names {
		if n == "x-delay.service" {
			continue
		}
		p, ok := decided[n]
		w := want[n]
		if ok && now[n]["NRestarts"] != "0" {
			p["NRestarts"] = now[n]["NRestarts"]
		}
		switch {
		case !ok:
			t.Errorf("%s: never restarted nor settled: %v\n%s", n, now[n], unitLogs(s, n))
		case w.restart && p["NRestarts"] == "0":
			t.Errorf("%s: not restarted: %v\n%s", n, p, unitLogs(s, n))
		case w.restart && !strings.Contains(unitLogs(s, n), "Scheduled restart job, restart counter is at 1."):
			t.Errorf("%s: restarted without 'Scheduled restart job' in its log:\n%s", n, unitLogs(s, n))
		case !w.restart && (p["NRestarts"] != "0" || p["Result"] != w.result):
			t.Errorf("%s: %v, want no restart with result %s\n%s", n, p, w.result, unitLogs(s, n))
		case !w.restart && (w.result == "success") != (p["ActiveState"] == "inactive"):
			t.Errorf("%s: ActiveState %s with result %s", n, p["ActiveState"], p["Result"])
		}
	}

	var times []string
	if !s.WaitFor(10*time.Second, func() bool {
		b, _ := s.ReadFile("/run/delay.times")
		times = strings.Fields(b)
		return len(times) >= 2
	}) {
		t.Fatalf("x-delay.service never restarted: %v\n%s", times, unitLogs(s, "x-delay.service"))
	}
	a, _ := strconv.ParseInt(times[0], 10, 64)
	b, _ := strconv.ParseInt(times[1], 10, 64)
	if d := time.Duration(b - a); d < time.Second || d > 5*time.Second {
		t.Errorf("RestartSec=1s: the second run started %v after the first", d)
	}
}

// waitActive waits until unit's ActiveState is want; it fails the test with the unit's log otherwise.
func waitActive(t *testing.T, s *harness.System, unit, want string, timeout time.Duration) {
	t.Helper()
	var got map[string]string
	if !s.WaitFor(timeout, func() bool {
		got = props(s, []string{unit}, "ActiveState", "SubState", "Result", "ExecMainCode", "ExecMainStatus")[unit]
		return got["ActiveState"] == want
	}) {
		t.Fatalf("%s: %v, want ActiveState %s\n%s", unit, got, want, unitLogs(s, unit))
	}
}

// waitSub waits until unit's SubState is sub; it fails the test otherwise.
func waitSub(t *testing.T, s *harness.System, unit, sub string, timeout time.Duration) {
	t.Helper()
	var got map[string]string
	if !s.WaitFor(timeout, func() bool {
		got = props(s, []string{unit}, "ActiveState", "SubState", "Result")[unit]
		return got["SubState"] == sub
	}) {
		t.Fatalf("%s: %v, want SubState %s\n%s", unit, got, sub, unitLogs(s, unit))
	}
}

func wantProps(t *testing.T, s *harness.System, unit string, want map[string]string) {
	t.Helper()
	names := []string{}
	for k := range want {
		names = append(names, k)
	}
	got := props(s, []string{unit}, names...)[unit]
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %s=%q, want %q (all: %v)\n%s", unit, k, got[k], v, got, unitLogs(s, unit))
			return
		}
	}
}

// mainHostPid is the host's pid of unit's main process; it fails the test unless it is a process of the system.
func mainHostPid(t *testing.T, s *harness.System, unit string) int {
	t.Helper()
	ns, _ := strconv.Atoi(props(s, []string{unit}, "MainPID")[unit]["MainPID"])
	pid := 0
	if ns > 1 {
		pid = hostPid(t, s, ns)
	}
	if pid <= 1 {
		t.Fatalf("%s: MainPID %d (host pid %d)", unit, ns, pid)
	}
	return pid
}

// killHost SIGKILLs a process of the system left behind by a test (never pid 0 or 1: kill(0) would hit the
// test's own process group).
func killHost(s *harness.System, pid int) {
	if pid > 1 && isDescendant(pid, s.InitPid) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
}

// ignoreTerm is a main process that ignores SIGTERM; the start returns once it does (ExecStartPost= waits for the
// file it writes then), so that a stop never finds it still starting.
const ignoreTerm = "ExecStart=/usr/bin/python3 -c 'import os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); open(\"/run/ign-\" + str(os.getpid()), \"w\").close(); time.sleep(1000)'\n" + waitIgnoring

const waitIgnoring = "ExecStartPost=/bin/sh -c 'while [ ! -e /run/ign-$$MAINPID ]; do sleep 0.01; done'\n"

// Per-phase timeouts end in the right sub-state and result: a hanging ExecStartPre= fails the start with
// Result=timeout; a hanging ExecStop= ends the service with Result=timeout; a main process that ignores SIGTERM
// goes through stop-sigterm and stop-sigkill; SendSIGKILL=no leaves it running; FinalKillSignal= is the signal
// of the last resort.
func TestTimeoutPhases(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"t-pre.service":      "[Service]\nTimeoutStartSec=1\nExecStartPre=/bin/sleep 1000\nExecStart=/bin/sleep 1000\n",
		"t-stop.service":     "[Service]\nTimeoutStopSec=1\nExecStart=/bin/sleep 1000\nExecStop=/bin/sleep 1000\n",
		"t-trap.service":     "[Service]\nTimeoutStopSec=1\n" + ignoreTerm,
		"t-nokill.service":   "[Service]\nTimeoutStopSec=1\nSendSIGKILL=no\n" + ignoreTerm,
		"t-finalsig.service": "[Service]\nTimeoutStopSec=1\nFinalKillSignal=SIGUSR1\n" + ignoreTerm,
		// Ignores its FinalKillSignal= too, so that stop-sigkill lasts long enough to be seen.
		"t-stubborn.service": "[Service]\nTimeoutStopSec=1\nFinalKillSignal=SIGUSR1\n" +
			"ExecStart=/usr/bin/python3 -c 'import os, signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); signal.signal(signal.SIGUSR1, signal.SIG_IGN); open(\"/run/ign-\" + str(os.getpid()), \"w\").close(); time.sleep(1000)'\n" + waitIgnoring,
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	for _, u := range []string{"t-stop.service", "t-trap.service", "t-nokill.service", "t-finalsig.service", "t-stubborn.service"} {
		if _, errs, code := s.Sctl("start", u); code != 0 {
			t.Fatalf("start %s: %s\n%s", u, errs, unitLogs(s, u))
		}
	}
	if _, _, code := s.Sctl("start", "--no-block", "t-pre.service"); code != 0 {
		t.Fatal("start t-pre")
	}
	waitSub(t, s, "t-pre.service", "start-pre", 900*time.Millisecond)
	nokill := mainHostPid(t, s, "t-nokill.service")
	t.Cleanup(func() { killHost(s, nokill) })
	stubborn := mainHostPid(t, s, "t-stubborn.service")
	t.Cleanup(func() { killHost(s, stubborn) })
	trap := mainHostPid(t, s, "t-trap.service")
	t0 := time.Now()
	if _, errs, code := s.Sctl(append([]string{"stop", "--no-block"}, "t-stop.service", "t-trap.service", "t-nokill.service", "t-finalsig.service", "t-stubborn.service")...); code != 0 {
		t.Fatalf("stop: %s", errs)
	}
	// SIGTERM ignored: stop-sigterm for TimeoutStopSec=, then stop-sigkill (FinalKillSignal= ignored too), then
	// on through final-sigterm and final-sigkill to failed, the process left behind.
	waitSub(t, s, "t-stubborn.service", "stop-sigterm", 900*time.Millisecond)
	waitSub(t, s, "t-stubborn.service", "stop-sigkill", 3*time.Second)
	if el := time.Since(t0); el < time.Second {
		t.Errorf("t-stubborn: stop-sigkill %v after the stop, before TimeoutStopSec=1", el)
	}
	waitSub(t, s, "t-stubborn.service", "final-sigterm", 3*time.Second)
	waitSub(t, s, "t-stubborn.service", "final-sigkill", 3*time.Second)
	waitActive(t, s, "t-stubborn.service", "failed", 3*time.Second)
	wantProps(t, s, "t-stubborn.service", map[string]string{"Result": "timeout"})
	if logs := unitLogs(s, "t-stubborn.service"); !strings.Contains(logs, "State 'stop-sigterm' timed out. Killing.") ||
		!strings.Contains(logs, "Processes still around after SIGKILL. Ignoring.") ||
		!strings.Contains(logs, "Processes still around after final SIGKILL. Entering failed mode.") {
		t.Errorf("t-stubborn: the log does not tell the way through the killing states:\n%s", logs)
	}
	if !alive(stubborn) {
		t.Errorf("t-stubborn: the process ignoring its signals is gone")
	}

	waitActive(t, s, "t-pre.service", "failed", 5*time.Second)
	wantProps(t, s, "t-pre.service", map[string]string{"Result": "timeout"})

	// The trapping one: SIGKILL after TimeoutStopSec=.
	waitActive(t, s, "t-trap.service", "failed", 5*time.Second)
	if el := time.Since(t0); el < time.Second {
		t.Errorf("t-trap: ended %v after the stop, before TimeoutStopSec=1", el)
	}
	wantProps(t, s, "t-trap.service", map[string]string{"Result": "timeout", "ExecMainCode": "2", "ExecMainStatus": "9"})
	if logs := unitLogs(s, "t-trap.service"); !strings.Contains(logs, "stop-sigterm") || !strings.Contains(logs, "Killing") {
		t.Errorf("t-trap: the log does not tell of the SIGKILL after stop-sigterm:\n%s", logs)
	}
	if alive(trap) {
		t.Errorf("t-trap: the main process %d is still alive", trap)
	}

	waitActive(t, s, "t-stop.service", "failed", 8*time.Second)
	wantProps(t, s, "t-stop.service", map[string]string{"Result": "timeout", "MainPID": "0"})

	waitActive(t, s, "t-finalsig.service", "failed", 8*time.Second)
	wantProps(t, s, "t-finalsig.service", map[string]string{"Result": "timeout", "ExecMainCode": "2", "ExecMainStatus": strconv.Itoa(int(syscall.SIGUSR1))})

	// SendSIGKILL=no: stop-sigterm times out, nothing is killed, the unit ends failed and the process lives on.
	waitActive(t, s, "t-nokill.service", "failed", 8*time.Second)
	wantProps(t, s, "t-nokill.service", map[string]string{"Result": "timeout"})
	if !alive(nokill) {
		t.Errorf("t-nokill: SendSIGKILL=no, yet its main process %d is gone", nokill)
	}
}

// killModeScript: the main process and two children, each recording the SIGTERM it gets in /run/km/UNIT.NAME.
const killModeScript = `#!/bin/sh
d=/run/km/$2
mkdir -p /run/km
if [ "$1" = child ]; then
	echo $$ > $d.$3.pid
	trap "echo TERM > $d.$3; exit 0" TERM
	while :; do sleep 0.1; done
fi
trap "echo TERM > $d.main; exit 0" TERM
sh $0 child $2 a &
sh $0 child $2 b &
while [ ! -e $d.b.pid ] || [ ! -e $d.a.pid ]; do sleep 0.05; done
echo ready > $d.ready
while :; do sleep 0.1; done
`

// KillMode=: control-group signals every process with SIGTERM; mixed the main process with SIGTERM and the rest
// with SIGKILL; process only the main process (the children stay); none nobody.
func TestKillModes(t *testing.T) {
	t.Parallel()
	units := map[string]string{}
	modes := []string{"control-group", "mixed", "process", "none"}
	for _, m := range modes {
		units["km-"+m+".service"] = "[Service]\nKillMode=" + m + "\nTimeoutStopSec=5\nExecStart=/bin/sh /etc/sysmaster/km.sh main %N\n"
	}
	s := harness.Start(t, harness.Options{Units: units})
	s.WriteFile("km.sh", killModeScript)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	type procs struct{ main, a, b int }
	got := map[string]procs{}
	for _, m := range modes {
		u := "km-" + m + ".service"
		if _, errs, code := s.Sctl("start", u); code != 0 {
			t.Fatalf("start %s: %s", u, errs)
		}
		if !s.WaitFor(5*time.Second, func() bool { _, err := s.ReadFile("/run/km/km-" + m + ".ready"); return err == nil }) {
			t.Fatalf("%s never got ready\n%s", u, unitLogs(s, u))
		}
		p := procs{main: mainHostPid(t, s, u)}
		for _, c := range []string{"a", "b"} {
			b, _ := s.ReadFile("/run/km/km-" + m + "." + c + ".pid")
			ns, _ := strconv.Atoi(strings.TrimSpace(b))
			hp := 0
			if ns > 1 {
				hp = hostPid(t, s, ns)
			}
			if hp <= 1 {
				t.Fatalf("%s: child %s has pid %q", u, c, b)
			}
			if c == "a" {
				p.a = hp
			} else {
				p.b = hp
			}
		}
		got[m] = p
		t.Cleanup(func() { killHost(s, p.main); killHost(s, p.a); killHost(s, p.b) })
	}
	for _, m := range modes {
		u := "km-" + m + ".service"
		if _, errs, code := s.Sctl("stop", u); code != 0 {
			t.Errorf("stop %s: exit %d %s", u, code, errs)
		}
		wantProps(t, s, u, map[string]string{"ActiveState": "inactive"})
	}
	termed := func(m, who string) bool { _, err := s.ReadFile("/run/km/km-" + m + "." + who); return err == nil }
	goneAll := func(ps ...int) bool {
		for _, p := range ps {
			if alive(p) {
				return false
			}
		}
		return true
	}
	// control-group: every process got SIGTERM and is gone.
	p := got["control-group"]
	if !s.WaitFor(3*time.Second, func() bool { return goneAll(p.main, p.a, p.b) }) || !termed("control-group", "main") ||
		!termed("control-group", "a") || !termed("control-group", "b") {
		t.Errorf("control-group: alive %v %v %v, SIGTERM seen by main %v a %v b %v", alive(p.main), alive(p.a), alive(p.b),
			termed("control-group", "main"), termed("control-group", "a"), termed("control-group", "b"))
	}
	// mixed: SIGTERM to the main process, SIGKILL to the children: all gone, only main saw SIGTERM.
	p = got["mixed"]
	if !s.WaitFor(3*time.Second, func() bool { return goneAll(p.main, p.a, p.b) }) || !termed("mixed", "main") ||
		termed("mixed", "a") || termed("mixed", "b") {
		t.Errorf("mixed: alive %v %v %v, SIGTERM seen by main %v a %v b %v (want main only)", alive(p.main), alive(p.a), alive(p.b),
			termed("mixed", "main"), termed("mixed", "a"), termed("mixed", "b"))
	}
	// process: the main process got SIGTERM; the children live on, untouched.
	p = got["process"]
	if !s.WaitFor(3*time.Second, func() bool { return !alive(p.main) }) || !termed("process", "main") ||
		!alive(p.a) || !alive(p.b) || termed("process", "a") || termed("process", "b") {
		t.Errorf("process: alive main %v a %v b %v, SIGTERM seen by main %v a %v b %v (want the children alive and untouched)",
			alive(p.main), alive(p.a), alive(p.b), termed("process", "main"), termed("process", "a"), termed("process", "b"))
	}
	// none: nothing is signalled.
	p = got["none"]
	if !alive(p.main) || !alive(p.a) || !alive(p.b) || termed("none", "main") || termed("none", "a") || termed("none", "b") {
		t.Errorf("none: alive main %v a %v b %v, SIGTERM seen by main %v a %v b %v (want all alive and untouched)",
			alive(p.main), alive(p.a), alive(p.b), termed("none", "main"), termed("none", "a"), termed("none", "b"))
	}
}

// Type=forking, with PIDFile= and with the main pid guessed: MainPID is the daemon; stop kills it; the daemon
// ending by itself makes the service inactive (exit 0) or failed (exit 3, Result=exit-code).
func TestForkingDaemon(t *testing.T) {
	t.Parallel()
	// The daemon (fk.sh) waits for /run/fk/NAME.quit, then exits with the code written in it.
	daemon := func(name string, pidfile bool) string {
		u := "[Service]\nType=forking\n"
		write := ""
		if pidfile {
			u += "PIDFile=/run/fk/" + name + ".pid\n"
			write = " echo $! > /run/fk/" + name + ".pid;"
		}
		return u + "ExecStart=/bin/sh -c 'mkdir -p /run/fk; sh /etc/sysmaster/fk.sh " + name + " &" + write + " exit 0'\n"
	}
	units := map[string]string{}
	for _, n := range []string{"pf-stop", "pf-ok", "pf-fail"} {
		units[n+".service"] = daemon(n, true)
	}
	for _, n := range []string{"g-stop", "g-ok", "g-fail"} {
		units[n+".service"] = daemon(n, false)
	}
	s := harness.Start(t, harness.Options{Units: units})
	s.WriteFile("fk.sh", "while [ ! -e /run/fk/$1.quit ]; do sleep 0.05; done\nexit $(cat /run/fk/$1.quit)\n")
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	for _, prefix := range []string{"pf-", "g-"} {
		pids := map[string]int{}
		for _, n := range []string{"stop", "ok", "fail"} {
			u := prefix + n + ".service"
			if _, errs, code := s.Sctl("start", u); code != 0 {
				t.Fatalf("start %s: exit %d %s\n%s", u, code, errs, unitLogs(s, u))
			}
			wantProps(t, s, u, map[string]string{"ActiveState": "active", "SubState": "running"})
			pid := mainHostPid(t, s, u)
			pids[n] = pid
			t.Cleanup(func() { killHost(s, pid) })
			// The daemon is a fork of the shell until it has exec'd fk.sh: wait for that.
			var cmdline []byte
			if !s.WaitFor(5*time.Second, func() bool {
				cmdline, _ = os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
				return string(cmdline) == "sh\x00/etc/sysmaster/fk.sh\x00"+prefix+n+"\x00"
			}) {
				t.Errorf("%s: MainPID is %q, not the daemon", u, cmdline)
			}
		}
		u := prefix + "stop.service"
		if _, errs, code := s.Sctl("stop", u); code != 0 {
			t.Errorf("stop %s: exit %d %s", u, code, errs)
		}
		wantProps(t, s, u, map[string]string{"ActiveState": "inactive"})
		if alive(pids["stop"]) {
			t.Errorf("%s: the daemon %d survived the stop", u, pids["stop"])
		}
		writeInSystem(t, s, "/run/fk/"+prefix+"ok.quit", "0")
		writeInSystem(t, s, "/run/fk/"+prefix+"fail.quit", "3")
		waitActive(t, s, prefix+"ok.service", "inactive", 5*time.Second)
		wantProps(t, s, prefix+"ok.service", map[string]string{"Result": "success"})
		waitActive(t, s, prefix+"fail.service", "failed", 5*time.Second)
		wantProps(t, s, prefix+"fail.service", map[string]string{"Result": "exit-code", "ExecMainStatus": "3"})
	}
}

// RuntimeDirectory= is removed when the unit stops (unless RuntimeDirectoryPreserve=yes), and so are the
// PrivateTmp= directories made in the host's /tmp, as systemd does.
func TestRuntimeDirectoryRemoved(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"rd.service": "[Service]\nType=oneshot\nRuntimeDirectory=rd-test\nPrivateTmp=yes\nExecStart=/bin/sh -c 'touch /run/rd-test/x /tmp/x'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	before, _ := filepath.Glob("/tmp/sysmaster-private-*-rd.service")
	if _, errs, code := s.Sctl("start", "rd.service"); code != 0 {
		t.Fatalf("start: %s\n%s", errs, unitLogs(s, "rd.service"))
	}
	if !s.WaitFor(3*time.Second, func() bool {
		_, err := os.Stat(inSystem(s, "/run/rd-test"))
		return errors.Is(err, fs.ErrNotExist)
	}) {
		t.Errorf("RuntimeDirectory= /run/rd-test is still there after the unit stopped")
	}
	// Removed in the same step as the runtime directory, just after it: wait for it too.
	var left []string
	s.WaitFor(3*time.Second, func() bool {
		after, _ := filepath.Glob("/tmp/sysmaster-private-*-rd.service")
		left = left[:0]
		for _, d := range after {
			if !slices.Contains(before, d) {
				left = append(left, d)
			}
		}
		return len(left) == 0
	})
	for _, d := range left {
		t.Errorf("PrivateTmp= directory %s left behind after the unit stopped", d)
		os.RemoveAll(d)
		os.RemoveAll(strings.Replace(d, "/tmp/", "/var/tmp/", 1))
	}
}
