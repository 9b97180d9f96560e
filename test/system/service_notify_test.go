package system

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// pyNotify is the start of the python3 services below: notify(msg) sends one datagram to $NOTIFY_SOCKET.
const pyNotify = `import os, signal, socket, sys, time
_addr = os.environ["NOTIFY_SOCKET"]
if _addr.startswith("@"):
    _addr = "\0" + _addr[1:]
_sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
def notify(msg):
    _sock.sendto(msg.encode(), _addr)
`

// startBlocking runs `sctl start unit` in the background; the channel gets its exit code when it returns.
func startBlocking(s *harness.System, unit string) <-chan int {
	done := make(chan int, 1)
	go func() {
		_, _, code := s.Sctl("start", unit)
		done <- code
	}()
	return done
}

// checkNotifyStart starts a Type=notify unit whose process writes marker just before it sends READY=1 and
// checks that the unit is activating until then, that `sctl start` returns only after it, and that the unit is
// active with StatusText status afterwards.
func checkNotifyStart(t *testing.T, s *harness.System, unit, marker, status string) {
	t.Helper()
	done := startBlocking(s, unit)
	sawActivating := false
	code := -1
	deadline := time.After(20 * time.Second)
wait:
	for {
		select {
		case code = <-done:
			break wait
		case <-deadline:
			t.Fatalf("%s: sctl start did not return in 20s\n%s", unit, s.Console())
		case <-time.After(20 * time.Millisecond):
		}
		st := s.Show(unit, "ActiveState")
		_, err := s.ReadFile(marker)
		if err == nil {
			continue // READY=1 may be on its way: no claim about the state
		}
		switch st {
		case "activating":
			sawActivating = true
		case "inactive":
			// before the job ran
		default:
			t.Errorf("%s: ActiveState %q before READY=1 was sent", unit, st)
		}
	}
	if code != 0 {
		logs, _, _ := s.Sctl("logs", unit)
		t.Fatalf("%s: sctl start: exit %d\n%s", unit, code, logs)
	}
	if _, err := s.ReadFile(marker); err != nil {
		t.Errorf("%s: sctl start returned before READY=1 was sent (%v)", unit, err)
	}
	if !sawActivating {
		t.Errorf("%s: never seen activating while it had not sent READY=1", unit)
	}
	if st, sub := s.Show(unit, "ActiveState"), s.Show(unit, "SubState"); st != "active" || sub != "running" {
		t.Errorf("%s: %s/%s after READY=1, want active/running", unit, st, sub)
	}
	if st := s.Show(unit, "StatusText"); st != status {
		t.Errorf("%s: StatusText %q, want %q", unit, st, status)
	}
	out, _, code := s.Sctl("status", unit)
	if code != 0 || !strings.Contains(out, `Status: "`+status+`"`) || !strings.Contains(out, "Active: active (running)") {
		t.Errorf("%s: sctl status: exit %d\n%s", unit, code, out)
	}
}

// A Type=notify service written in Go with go-systemd's daemon.SdNotify, and one in python3 writing to
// $NOTIFY_SOCKET itself: activating until READY=1, `sctl start` waits for it, STATUS= is shown.
func TestNotifyClients(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"go-notify.service": "[Service]\nType=notify\n" +
			"ExecStart=/etc/sysmaster/notifier -delay 1s -status \"go client serving\" -marker /run/go-ready\n",
		"py-notify.service": "[Service]\nType=notify\nExecStart=/usr/bin/python3 /etc/sysmaster/notify.py\n",
	}})
	bin := harness.BuildPlugin(t, "test/system/testdata/notifier", t.TempDir())
	copyExecutable(t, bin, filepath.Join(s.Etc, "notifier"))
	s.WriteFile("notify.py", pyNotify+`time.sleep(1)
notify("STATUS=python client serving")
open("/run/py-ready", "w").close()
notify("READY=1")
while True:
    time.sleep(1000)
`)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	t.Run("go", func(t *testing.T) { checkNotifyStart(t, s, "go-notify.service", "/run/go-ready", "go client serving") })
	t.Run("python", func(t *testing.T) {
		checkNotifyStart(t, s, "py-notify.service", "/run/py-ready", "python client serving")
	})
}

func copyExecutable(t testing.TB, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, b, 0o755); err != nil {
		t.Fatal(err)
	}
}

// handover is a Type=notify service whose main process (a shell) is not the one that speaks: a child, run through
// an intermediate shell that exits at once (so that the child is re-parented to the core, the child subreaper,
// as a daemon's would be), writes its pid to /run/child.pid and sends MAINPID=<its pid> and READY=1.
func handover(access string) string {
	return "[Service]\nType=notify\nNotifyAccess=" + access + "\nTimeoutStartSec=3\n" +
		"ExecStart=/bin/sh -c '/bin/sh -c \"/usr/bin/python3 /etc/sysmaster/child.py &\"; exec sleep 1000'\n"
}

const childPy = pyNotify + `pid = os.getpid()
with open("/run/child.pid.tmp", "w") as f:
    f.write(str(pid))
notify("MAINPID=%d\nREADY=1" % pid)
os.rename("/run/child.pid.tmp", "/run/child.pid")
while True:
    time.sleep(1000)
`

// MAINPID= and READY=1 from a process that is not the main one are ignored with NotifyAccess=main: the main pid
// stays, the start times out.
func TestNotifyMainPIDFromChildIgnored(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"handover.service": handover("main")}})
	s.WriteFile("child.py", childPy)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	done := startBlocking(s, "handover.service")
	var child string
	if !s.WaitFor(10*time.Second, func() bool { c, err := s.ReadFile("/run/child.pid"); child = c; return err == nil }) {
		t.Fatalf("the child never sent its message\n%s", s.Console())
	}
	main := s.Show("handover.service", "MainPID")
	if st := s.Show("handover.service", "ActiveState"); st != "activating" {
		t.Errorf("after READY=1 from a child: ActiveState %s, want activating", st)
	}
	if main == child || main != s.Show("handover.service", "ExecMainPID") {
		t.Errorf("MainPID %s after MAINPID=%s from a child, ExecMainPID %s", main, child, s.Show("handover.service", "ExecMainPID"))
	}
	select {
	case code := <-done:
		if code == 0 {
			t.Errorf("start succeeded on READY=1 from an unauthorised process")
		}
	case <-time.After(15 * time.Second):
		t.Fatalf("start did not end (TimeoutStartSec=3)")
	}
	if st, r := s.Show("handover.service", "ActiveState"), s.Show("handover.service", "Result"); st != "failed" || r != "timeout" {
		t.Errorf("after the timeout: %s result %s, want failed/timeout", st, r)
	}
	logs, _, _ := s.Sctl("logs", "handover.service")
	if want := "Got notification message from PID " + child + ", but reception only permitted for main"; !strings.Contains(logs, want) {
		t.Errorf("log lacks %q:\n%s", want, logs)
	}
}

// With NotifyAccess=all the same message is applied: the child becomes the main pid and the service is ready.
func TestNotifyMainPIDFromChildAllowed(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"handover.service": handover("all")}})
	s.WriteFile("child.py", childPy)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "handover.service"); code != 0 {
		logs, _, _ := s.Sctl("logs", "handover.service")
		t.Fatalf("start: exit %d %s\n%s\n%s", code, errs, logs, s.Console())
	}
	// The child renames its pid file after sending READY=1: the start may be over before.
	var child string
	if !s.WaitFor(10*time.Second, func() bool { c, err := s.ReadFile("/run/child.pid"); child = c; return err == nil }) {
		t.Fatal("no /run/child.pid")
	}
	if main := s.Show("handover.service", "MainPID"); main != child {
		t.Errorf("MainPID %s, want the child %s that sent MAINPID=", main, child)
	}
	if st := s.Show("handover.service", "SubState"); st != "running" {
		t.Errorf("SubState %s", st)
	}
	if _, errs, code := s.Sctl("stop", "handover.service"); code != 0 || s.Show("handover.service", "ActiveState") != "inactive" {
		t.Errorf("stop: exit %d %s: %s", code, errs, s.Show("handover.service", "ActiveState"))
	}
	n, _ := strconv.Atoi(child)
	if h := hostPid(t, s, n); n > 1 && h > 1 {
		t.Errorf("the child %s (host pid %d) survived the stop", child, h)
	}
}

// notify-reload: SIGHUP for reload, answered with RELOADING=1 + MONOTONIC_USEC= and READY=1; SIGTERM on stop.
// The exit status counts what the service saw: 88 + 11 (SIGHUP) + 7 (SIGTERM) + 3 (exit) = 109.
func TestNotifyReload(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"reloader.service": "[Service]\nType=notify-reload\nExecStart=/usr/bin/python3 /etc/sysmaster/reloader.py\n",
		"silent.service":   "[Service]\nType=notify\nTimeoutStartSec=1\nExecStart=/bin/sleep 1000\n",
	}})
	s.WriteFile("reloader.py", pyNotify+`status = 88
stop = False
def hup(signum, frame):
    global status
    status += 11
    notify("RELOADING=1\nMONOTONIC_USEC=%d" % (time.clock_gettime_ns(time.CLOCK_MONOTONIC) // 1000))
    notify("READY=1")
def term(signum, frame):
    global status, stop
    status += 7
    stop = True
signal.signal(signal.SIGHUP, hup)
signal.signal(signal.SIGTERM, term)
notify("READY=1")
try:
    while not stop:
        signal.pause()
finally:
    status += 3
    sys.stdout.flush()
    os._exit(status)
`)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "reloader.service"); code != 0 {
		t.Fatalf("start: exit %d %s\n%s", code, errs, s.Console())
	}
	main := s.Show("reloader.service", "MainPID")
	if _, errs, code := s.Sctl("reload", "reloader.service"); code != 0 {
		logs, _, _ := s.Sctl("logs", "reloader.service")
		t.Fatalf("reload: exit %d %s\n%s", code, errs, logs)
	}
	if st, rr := s.Show("reloader.service", "SubState"), s.Show("reloader.service", "ReloadResult"); st != "running" || rr != "success" {
		t.Errorf("after reload: SubState %s ReloadResult %s", st, rr)
	}
	if m := s.Show("reloader.service", "MainPID"); m != main {
		t.Errorf("reload changed MainPID %s → %s", main, m)
	}
	if _, errs, code := s.Sctl("stop", "reloader.service"); code != 0 {
		t.Fatalf("stop: exit %d %s", code, errs)
	}
	if c, st := s.Show("reloader.service", "ExecMainCode"), s.Show("reloader.service", "ExecMainStatus"); c != "1" || st != "109" {
		logs, _, _ := s.Sctl("logs", "reloader.service")
		t.Errorf("ExecMainCode/Status %s/%s, want 1/109 (88+11+7+3)\n%s", c, st, logs)
	}

	// A notify service that never says READY=1 fails with a timeout.
	t0 := time.Now()
	if _, _, code := s.Sctl("start", "silent.service"); code == 0 {
		t.Errorf("a notify service without READY=1 started")
	}
	if el := time.Since(t0); el < 900*time.Millisecond {
		t.Errorf("silent.service failed after %v, before TimeoutStartSec=1", el)
	}
	if st, r := s.Show("silent.service", "ActiveState"), s.Show("silent.service", "Result"); st != "failed" || r != "timeout" {
		t.Errorf("silent: %s result %s, want failed/timeout", st, r)
	}
}

// WatchdogSec=1 with Restart=on-watchdog: WATCHDOG_USEC is set; a service that pings for 2s and then falls
// silent is killed for it and restarted.
func TestWatchdogRestart(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"dog.service": "[Service]\nType=notify\nWatchdogSec=1\nRestart=on-watchdog\nRestartSec=100ms\n" +
			"ExecStart=/usr/bin/python3 /etc/sysmaster/dog.py\n",
	}})
	s.WriteFile("dog.py", pyNotify+`def log(line):
    with open("/run/dog.log", "a") as f:
        f.write(line + "\n")
log("run WATCHDOG_USEC=%s pid=%s" % (os.environ.get("WATCHDOG_USEC", ""), "self" if os.environ.get("WATCHDOG_PID") == str(os.getpid()) else os.environ.get("WATCHDOG_PID")))
notify("READY=1")
for i in range(10):
    time.sleep(0.2)
    notify("WATCHDOG=1")
log("quiet")
while True:
    time.sleep(1000)
`)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "dog.service"); code != 0 {
		t.Fatalf("start: exit %d %s\n%s", code, errs, s.Console())
	}
	if !s.WaitFor(15*time.Second, func() bool { n, _ := strconv.Atoi(s.Show("dog.service", "NRestarts")); return n >= 1 }) {
		logs, _, _ := s.Sctl("logs", "dog.service")
		t.Fatalf("never restarted: %s/%s\n%s", s.Show("dog.service", "ActiveState"), s.Show("dog.service", "SubState"), logs)
	}
	runs, _ := s.ReadFile("/run/dog.log")
	if !strings.HasPrefix(runs, "run WATCHDOG_USEC=1000000 pid=self\nquiet\n") {
		t.Errorf("the runs of dog.service: %q; want WATCHDOG_USEC=1000000, WATCHDOG_PID its own pid, and the first run killed only once it fell silent", runs)
	}
	logs, _, _ := s.Sctl("logs", "dog.service")
	for _, want := range []string{"Watchdog timeout", "Failed with result 'watchdog'", "Scheduled restart job, restart counter is at 1."} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

// MAINPID= may name a process of the unit that is not the core's child (here a child of the still running main
// process, with NotifyAccess=all): it becomes the main pid, supervised through a pidfd, as systemd accepts any
// process of the unit's cgroup ("Supervising process … which is not our child").
func TestNotifyMainPIDOfAGrandchild(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"handover.service": "[Service]\nType=notify\n" +
		"NotifyAccess=all\nTimeoutStartSec=5\nExecStart=/bin/sh -c '/usr/bin/python3 /etc/sysmaster/child.py & exec sleep 1000'\n"}})
	s.WriteFile("child.py", childPy)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "handover.service"); code != 0 {
		logs, _, _ := s.Sctl("logs", "handover.service")
		t.Fatalf("start: exit %d %s\n%s", code, errs, logs)
	}
	// The child renames its pid file after sending READY=1: the start may be over before.
	var child string
	if !s.WaitFor(10*time.Second, func() bool { c, err := s.ReadFile("/run/child.pid"); child = c; return err == nil }) {
		t.Fatal("no /run/child.pid")
	}
	if main := s.Show("handover.service", "MainPID"); main != child {
		t.Errorf("MainPID %s, want %s, the process that sent MAINPID= (a child of the old main process)", main, child)
	}
}
