package system

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// killCore SIGKILLs the core and waits for init to start the next one, which answers once it has restored the
// checkpoint. It returns the new core's host pid.
func killCore(t *testing.T, s *harness.System) int {
	t.Helper()
	old := coreOf(t, s)
	if old <= 1 {
		t.Fatalf("no core under init %d", s.InitPid)
	}
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var now int
	if !s.WaitFor(15*time.Second, func() bool { now = coreOf(t, s); return now != 0 && now != old }) {
		t.Fatalf("no new core; console:\n%s", s.Console())
	}
	if !s.WaitFor(15*time.Second, func() bool { _, _, code := s.Sctl("is-active", "multi-user.target"); return code == 0 }) {
		t.Fatalf("the new core never answered; console:\n%s", s.Console())
	}
	return now
}

// A core killed with SIGKILL comes back with every unit as it was: services keep their main pids and
// NRestarts, nothing is started again, a failed unit stays failed, and stop works on what runs.
func TestCoreCrashKeepsServices(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"a.service":    "[Service]\nExecStart=/bin/sleep 1000\n",
		"b.service":    "[Service]\nType=notify\nExecStart=/usr/bin/python3 /etc/sysmaster/ready.py\n",
		"fork.service": "[Service]\nType=forking\nExecStart=/bin/sh -c 'sleep 1000 &'\n",
		"once.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
		"bad.service":  "[Service]\nExecStart=/bin/false\n",
		"all.target":   "[Unit]\nWants=a.service b.service fork.service once.service bad.service\nAfter=a.service b.service fork.service once.service bad.service\n",
	}})
	s.WriteFile("ready.py", pyNotify+`notify("READY=1")
while True:
    time.sleep(1000)
`)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "all.target")
	running := []string{"a.service", "b.service", "fork.service"}
	mains := map[string]string{}
	for _, u := range running {
		mains[u] = s.Show(u, "MainPID")
		if mains[u] == "0" {
			t.Fatalf("%s has no main pid", u)
		}
	}
	if st := s.Show("bad.service", "ActiveState"); st != "failed" {
		t.Fatalf("bad.service is %s", st)
	}
	for i := 0; i < 3; i++ {
		killCore(t, s)
	}
	for _, u := range running {
		if st, sub, pid := s.Show(u, "ActiveState"), s.Show(u, "SubState"), s.Show(u, "MainPID"); st != "active" || sub != "running" || pid != mains[u] {
			t.Errorf("%s after the crashes: %s/%s MainPID %s, want active/running %s", u, st, sub, pid, mains[u])
		}
		if n := s.Show(u, "NRestarts"); n != "0" {
			t.Errorf("%s NRestarts=%s", u, n)
		}
	}
	if st, sub := s.Show("once.service", "ActiveState"), s.Show("once.service", "SubState"); st != "active" || sub != "exited" {
		t.Errorf("once.service %s/%s, want active/exited", st, sub)
	}
	if st, res := s.Show("bad.service", "ActiveState"), s.Show("bad.service", "Result"); st != "failed" || res != "exit-code" {
		t.Errorf("bad.service %s (%s), want failed (exit-code)", st, res)
	}
	// The processes are the core's no more (init adopted them), yet stop still ends them.
	for _, u := range running {
		mustSctl(t, s, "stop", u)
		if st := s.Show(u, "ActiveState"); st != "inactive" {
			t.Errorf("%s after stop: %s", u, st)
		}
		n, _ := strconv.Atoi(mains[u])
		if h := hostPid(t, s, n); h > 1 && alive(h) {
			t.Errorf("%s: its old main process %s still runs after stop", u, mains[u])
		}
	}
}

// A service that exits with status 3 while the core is dead is seen, by the next core, as exited with status
// 3 (init kept the exit) and restarted per Restart=on-failure.
func TestExitWhileCoreDown(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"three.service": "[Service]\nRestart=on-failure\nRestartSec=100ms\n" +
			"ExecStart=/bin/sh -c 'while [ ! -e /run/go ]; do sleep 0.01; done; rm /run/go; exit 3'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "three.service")
	first := s.Show("three.service", "MainPID")
	core := coreOf(t, s)
	// The core stops for good (SIGSTOP, then SIGKILL) before the service is told to exit: the exit happens
	// while no core runs, and reaches init.
	if err := syscall.Kill(core, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(inRoot(s, "/run/go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(first)
	h := hostPid(t, s, n)
	if !s.WaitFor(10*time.Second, func() bool { return !alive(h) }) {
		t.Fatalf("the service never exited")
	}
	syscall.Kill(core, syscall.SIGKILL)
	syscall.Kill(core, syscall.SIGCONT)
	if !s.WaitFor(15*time.Second, func() bool { c := coreOf(t, s); return c != 0 && c != core }) {
		t.Fatalf("no new core; console:\n%s", s.Console())
	}
	if !s.WaitFor(15*time.Second, func() bool {
		_, _, code := s.Sctl("is-active", "three.service")
		return code == 0 && s.Show("three.service", "NRestarts") == "1"
	}) {
		out, _, _ := s.Sctl("status", "three.service")
		t.Fatalf("three.service was not restarted after its exit while the core was down:\n%s\n%s", out, s.Console())
	}
	// ExecMainCode/Status describe the newest main process now: the exit is in the unit's log.
	if logs, _, _ := s.Sctl("logs", "three.service"); !strings.Contains(logs, "Main process exited, code=exited, status=3") {
		t.Errorf("the exit while the core was down is not recorded as status 3:\n%s", logs)
	}
	if pid := s.Show("three.service", "MainPID"); pid == first || pid == "0" {
		t.Errorf("MainPID %s after the restart (first was %s)", pid, first)
	}
}

// The signals that end a Go program with a stack dump, sent to the core by another process, leave it running.
func TestCoreSurvivesCrashSignals(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	core := coreOf(t, s)
	for _, sig := range []syscall.Signal{syscall.SIGQUIT, syscall.SIGILL, syscall.SIGABRT, syscall.SIGBUS, syscall.SIGFPE,
		syscall.SIGSEGV, syscall.SIGSYS} {
		if err := syscall.Kill(core, sig); err != nil {
			t.Fatal(err)
		}
		time.Sleep(50 * time.Millisecond)
		if _, errs, code := s.Sctl("is-active", "multi-user.target"); code != 0 {
			t.Fatalf("after %v: sctl is-active: exit %d %s", sig, code, errs)
		}
		if got := coreOf(t, s); got != core {
			t.Fatalf("%v took the core down (pid %d, now %d)", sig, core, got)
		}
	}
	if !strings.Contains(s.Console(), "signal received") {
		t.Errorf("the core did not log the signals:\n%s", s.Console())
	}
}

// A socket's listener outlives the core: init keeps a copy while no core runs, so a connection made then waits
// in its backlog and is answered, and the next core holds the very same socket.
func TestCoreCrashKeepsListeners(t *testing.T) {
	t.Parallel()
	port := freePort(t, "tcp")
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"web.socket":  fmt.Sprintf("[Socket]\nListenStream=127.0.0.1:%d\n", port),
		"web.service": "[Service]\nExecStart=/etc/sysmaster/activated\n",
	}})
	copyExecutable(t, harness.BuildPlugin(t, "test/system/testdata/activated", t.TempDir()), filepath.Join(s.Etc, "activated"))
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "web.socket")
	_, inode := listenerFd(t, coreOf(t, s), port)
	core := coreOf(t, s)
	if err := syscall.Kill(core, syscall.SIGSTOP); err != nil { // no core serves from now on
		t.Fatal(err)
	}
	syscall.Kill(core, syscall.SIGKILL)
	syscall.Kill(core, syscall.SIGCONT)
	// Connected while the core is dead or coming back: answered once the service runs.
	body, err := get(fmt.Sprintf("http://127.0.0.1:%d/meanwhile", port))
	if err != nil || !strings.Contains(body, "path=/meanwhile") {
		t.Fatalf("a request made while the core was down: %q, %v", body, err)
	}
	now := coreOf(t, s)
	if now == core || now == 0 {
		t.Fatalf("no new core (was %d, now %d)", core, now)
	}
	if _, after := listenerFd(t, now, port); after != inode {
		t.Errorf("the new core holds another socket (inode %s, was %s)", after, inode)
	}
	if sub := s.Show("web.socket", "SubState"); sub != "running" {
		t.Errorf("web.socket is %s with its service running", sub)
	}
}

// A checkpoint that cannot be read is reported and set aside, and the next core starts from reality: it ends
// what the dead core left running (nothing says what it belonged to) and boots afresh, once, with no crash loop.
func TestCorruptCheckpoint(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"a.service": "[Unit]\nDescription=A\n[Service]\nExecStart=/bin/sleep 1000\n[Install]\nWantedBy=multi-user.target\n",
	}, Links: map[string]string{"multi-user.target.wants/a.service": "../a.service"}})
	s.WaitActive("a.service", "active", 10*time.Second)
	old := s.Show("a.service", "MainPID")
	n, _ := strconv.Atoi(old)
	oldHost := hostPid(t, s, n)
	oldStart := startTime(oldHost)
	core := coreOf(t, s)
	syscall.Kill(core, syscall.SIGSTOP) // it must not commit over the garbage
	if err := os.WriteFile(inRoot(s, "/run/sysmaster/state.db"), []byte("garbage, not a checkpoint"), 0o600); err != nil {
		t.Fatal(err)
	}
	syscall.Kill(core, syscall.SIGKILL)
	syscall.Kill(core, syscall.SIGCONT)
	if !s.WaitFor(15*time.Second, func() bool { c := coreOf(t, s); return c != 0 && c != core }) {
		t.Fatalf("no new core:\n%s", s.Console())
	}
	s.WaitActive("a.service", "active", 15*time.Second)
	now := coreOf(t, s)
	if pid := s.Show("a.service", "MainPID"); pid == old {
		t.Errorf("a.service still has its old main pid %s: the old process was adopted blindly", pid)
	}
	// SIGKILL is sent before the new start; the process ends as soon as the signal is delivered, which on a
	// loaded machine may come after the start is reported.
	if !s.WaitFor(10*time.Second, func() bool { return !alive(oldHost) || startTime(oldHost) != oldStart }) {
		t.Errorf("the process the dead core left (pid %s) still runs beside the new one", old)
	}
	if !strings.Contains(s.Console(), "checkpoint discarded") {
		t.Errorf("the discarded checkpoint was not reported:\n%s", s.Console())
	}
	if _, err := os.Stat(inRoot(s, "/run/sysmaster/state.db.broken")); err != nil {
		t.Errorf("the broken checkpoint was not kept aside: %v", err)
	}
	time.Sleep(2 * time.Second)
	if c := coreOf(t, s); c != now {
		t.Errorf("the core changed again (%d, then %d): a crash loop", now, c)
	}
}

// A service's output pipe outlives the core: init keeps the read end, and the next core reads on. The service
// (python3, which raises BrokenPipeError on a broken stdout) goes on printing, and what it prints while no core
// runs reaches its log.
func TestCoreCrashKeepsLogPipes(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"talk.service": "[Service]\nExecStart=/usr/bin/python3 -u -c 'import time\\nn=0\\nwhile True:\\n    print(\"line\", n, flush=True); n+=1; time.sleep(0.02)'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "talk.service")
	main := s.Show("talk.service", "MainPID")
	time.Sleep(200 * time.Millisecond)
	for i := 0; i < 3; i++ {
		killCore(t, s)
		time.Sleep(300 * time.Millisecond)
	}
	if st, pid := s.Show("talk.service", "ActiveState"), s.Show("talk.service", "MainPID"); st != "active" || pid != main {
		logs, _, _ := s.Sctl("logs", "-n", "5", "talk.service")
		t.Fatalf("talk.service %s MainPID %s (was %s): its output pipe broke\n%s", st, pid, main, logs)
	}
	// Every line is in the log, in order, none lost across the crashes.
	logs, _, _ := s.Sctl("logs", "-n", "100000", "talk.service")
	var got []int
	for _, l := range strings.Split(logs, "\n") {
		if i := strings.Index(l, "line "); i >= 0 {
			n, err := strconv.Atoi(strings.TrimSpace(l[i+5:]))
			if err == nil {
				got = append(got, n)
			}
		}
	}
	if len(got) < 20 {
		t.Fatalf("only %d lines in the log:\n%s", len(got), logs)
	}
	for i, n := range got {
		if n != got[0]+i {
			t.Fatalf("line %d is %d, want %d: lines lost across the crashes", i, n, got[0]+i)
		}
	}
}

// The notify socket outlives the core: a READY=1 sent while no core runs waits in it, and the next core starts
// the service with it.
func TestReadyWhileCoreDown(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"late.service": "[Service]\nType=notify\nExecStart=/usr/bin/python3 /etc/sysmaster/late.py\n",
	}})
	s.WriteFile("late.py", pyNotify+`while not os.path.exists("/run/go"):
    time.sleep(0.01)
notify("READY=1")
open("/run/sent", "w").close()
while True:
    time.sleep(1000)
`)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "--no-block", "late.service")
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("late.service", "ActiveState") == "activating" }) {
		t.Fatalf("late.service never activating: %s", s.Show("late.service", "ActiveState"))
	}
	core := coreOf(t, s)
	syscall.Kill(core, syscall.SIGSTOP)
	if err := os.WriteFile(inRoot(s, "/run/go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if !s.WaitFor(10*time.Second, func() bool { _, err := os.Stat(inRoot(s, "/run/sent")); return err == nil }) {
		t.Fatal("the service never sent READY=1")
	}
	syscall.Kill(core, syscall.SIGKILL)
	syscall.Kill(core, syscall.SIGCONT)
	if !s.WaitFor(15*time.Second, func() bool {
		_, _, code := s.Sctl("is-active", "late.service")
		return code == 0
	}) {
		out, _, _ := s.Sctl("status", "late.service")
		t.Fatalf("the READY=1 sent while the core was down was lost:\n%s", out)
	}
}

// A cgroup that empties while no core runs: the next core sees it empty (its watch only reports later
// changes), so a stop that waited for the last process ends at once, not at TimeoutStopSec=.
func TestCgroupEmptiedWhileCoreDown(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		// The main process ends on SIGTERM; a child ignores it until /run/go exists. The start waits until it
		// does ignore it.
		"linger.service": "[Service]\nTimeoutStopSec=60\n" +
			"ExecStart=/bin/sh -c '(trap \"\" TERM; touch /run/trapped; while [ ! -e /run/go ]; do sleep 0.05; done) & exec sleep 1000'\n" +
			"ExecStartPost=/bin/sh -c 'while [ ! -e /run/trapped ]; do sleep 0.01; done'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "linger.service")
	mustSctl(t, s, "stop", "--no-block", "linger.service")
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("linger.service", "SubState") == "stop-sigterm" }) {
		t.Fatalf("linger.service never waited in stop-sigterm: %s", s.Show("linger.service", "SubState"))
	}
	core := coreOf(t, s)
	syscall.Kill(core, syscall.SIGSTOP)
	if err := os.WriteFile(inRoot(s, "/run/go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(300 * time.Millisecond) // the child ends; the cgroup empties while no core runs
	syscall.Kill(core, syscall.SIGKILL)
	syscall.Kill(core, syscall.SIGCONT)
	if !s.WaitFor(15*time.Second, func() bool {
		_, _, code := s.Sctl("is-active", "linger.service")
		return code == 3 && s.Show("linger.service", "ActiveState") == "inactive"
	}) {
		t.Fatalf("linger.service is %s/%s: the emptied cgroup went unnoticed", s.Show("linger.service", "ActiveState"), s.Show("linger.service", "SubState"))
	}
}

// startTime is field 22 of /proc/PID/stat (clock ticks after boot), which tells a process from a later one with
// the same pid; "" when pid is gone.
func startTime(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(f) < 20 {
		return ""
	}
	return f[19]
}
