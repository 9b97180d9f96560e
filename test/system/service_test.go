package system

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// A simple service: started and stopped through sctl, its main pid real, its output in its log.
func TestServiceSimpleLifecycle(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"hello.service": "[Unit]\nDescription=Hello\n[Service]\nExecStart=/bin/sh -c 'echo hello from $$; exec sleep 1000'\n",
		// Started once hello.service runs, it keeps the stopped service loaded with its ExecMain… properties
		// (an unreferenced inactive unit is collected).
		"hold.target": "[Unit]\nWants=hello.service\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if out, _, _ := s.Sctl("show", "-p", "NRestarts,Result,SubState", "hello.service"); out != "NRestarts=0\nResult=success\nSubState=dead\n" {
		t.Errorf("a service that has not run:\n%s", out)
	}
	if out, errs, code := s.Sctl("start", "hello.service"); code != 0 {
		t.Fatalf("start: exit %d %s %s\n%s", code, out, errs, s.Console())
	}
	if st := s.Show("hello.service", "SubState"); st != "running" {
		t.Fatalf("SubState %q", st)
	}
	if out, _, _ := s.Sctl("show", "-p", "Type,TimeoutStartUSec,KillMode,NRestarts", "hello.service"); out != "Type=simple\nTimeoutStartUSec=1min 30s\nKillMode=control-group\nNRestarts=0\n" {
		t.Errorf("settings as show lists them:\n%s", out)
	}
	pid, _ := strconv.Atoi(s.Show("hello.service", "MainPID"))
	if pid <= 1 || s.Show("hello.service", "ExecMainPID") != strconv.Itoa(pid) {
		t.Fatalf("MainPID %d, ExecMainPID %s", pid, s.Show("hello.service", "ExecMainPID"))
	}
	if !s.WaitFor(5*time.Second, func() bool {
		out, _, _ := s.Sctl("logs", "hello.service")
		return strings.Contains(out, " sh: hello from ") // the command's name as the ident
	}) {
		out, _, _ := s.Sctl("logs", "hello.service")
		t.Fatalf("the service's output is not in its log:\n%s", out)
	}
	out, _, code := s.Sctl("status", "hello.service")
	if code != 0 || !strings.Contains(out, "Active: active (running)") || !strings.Contains(out, "Main PID: "+strconv.Itoa(pid)) ||
		!strings.Contains(out, "Started hello.service - Hello.") || !strings.Contains(out, "└─"+strconv.Itoa(pid)+" sleep 1000") {
		t.Errorf("status (with the cgroup's processes): exit %d\n%s", code, out)
	}
	if _, errs, code := s.Sctl("start", "hold.target"); code != 0 {
		t.Fatalf("start hold.target: exit %d %s", code, errs)
	}
	if _, errs, code := s.Sctl("stop", "hello.service"); code != 0 {
		t.Fatalf("stop: exit %d %s", code, errs)
	}
	if st := s.Show("hello.service", "ActiveState"); st != "inactive" {
		t.Fatalf("after stop: %s", st)
	}
	if s.Show("hello.service", "ExecMainCode") != "2" || s.Show("hello.service", "ExecMainStatus") != "15" {
		t.Errorf("ExecMainCode/Status %s/%s, want killed by SIGTERM", s.Show("hello.service", "ExecMainCode"), s.Show("hello.service", "ExecMainStatus"))
	}
}

// Oneshot services with RemainAfterExit, failing commands, the "-" prefix and start's error message.
func TestServiceOneshotAndFailure(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"once.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStartPre=-/bin/false\n" +
			"ExecStart=/bin/sh -c 'echo one > /run/once'\nExecStart=/bin/sh -c 'echo two >> /run/once'\n",
		"bad.service":  "[Service]\nType=oneshot\nExecStart=/bin/sh -c 'exit 3'\n",
		"gone.service": "[Service]\nExecStart=/nonexistent/binary\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "once.service"); code != 0 {
		t.Fatalf("start once: exit %d %s", code, errs)
	}
	if st := s.Show("once.service", "SubState"); st != "exited" {
		t.Errorf("once SubState %q", st)
	}
	if got, err := s.ReadFile("/run/once"); err != nil || got != "one\ntwo\n" {
		t.Errorf("the commands ran as %q (%v), want one, then two", got, err)
	}
	_, errs, code := s.Sctl("start", "bad.service")
	if code == 0 || !strings.Contains(errs, "Job for bad.service failed because the control process exited with error code.") {
		t.Errorf("start bad: exit %d %q", code, errs)
	}
	if r := s.Show("bad.service", "Result"); r != "exit-code" || s.Show("bad.service", "ExecMainStatus") != "3" {
		t.Errorf("bad: Result %q ExecMainStatus %s", r, s.Show("bad.service", "ExecMainStatus"))
	}
	logs, _, _ := s.Sctl("logs", "bad.service")
	if !strings.Contains(logs, "Main process exited, code=exited, status=3/NOTIMPLEMENTED") && !strings.Contains(logs, "status=3") {
		t.Errorf("bad's log lacks the exit:\n%s", logs)
	}
	if !strings.Contains(logs, "Failed with result 'exit-code'") {
		t.Errorf("bad's log lacks the result:\n%s", logs)
	}
	s.Sctl("start", "gone.service")
	if !s.WaitFor(5*time.Second, func() bool { return s.Show("gone.service", "ActiveState") == "failed" }) {
		t.Fatalf("gone.service: %s/%s", s.Show("gone.service", "ActiveState"), s.Show("gone.service", "SubState"))
	}
	if st := s.Show("gone.service", "ExecMainStatus"); st != "203" {
		t.Errorf("a missing binary: ExecMainStatus %s, want 203", st)
	}
}

// Restart=on-failure with RestartSec: restarted, NRestarts counted, the log says so; StartLimitBurst stops it.
func TestServiceRestart(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"flaky.service": "[Unit]\nStartLimitIntervalSec=60\nStartLimitBurst=4\n[Service]\nRestart=on-failure\nRestartSec=200ms\n" +
			"ExecStart=/bin/sh -c 'sleep 0.1; exit 1'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	start := time.Now()
	s.Sctl("start", "--no-block", "flaky.service")
	if !s.WaitFor(20*time.Second, func() bool {
		return s.Show("flaky.service", "ActiveState") == "failed" && s.Show("flaky.service", "Result") == "start-limit-hit"
	}) {
		t.Fatalf("flaky: %s/%s result %s NRestarts %s\n%s", s.Show("flaky.service", "ActiveState"), s.Show("flaky.service", "SubState"),
			s.Show("flaky.service", "Result"), s.Show("flaky.service", "NRestarts"), s.Console())
	}
	if n := s.Show("flaky.service", "NRestarts"); n != "3" {
		t.Errorf("NRestarts %s, want 3 (4 starts allowed by StartLimitBurst)", n)
	}
	// Three waits of RestartSec= at least.
	if el := time.Since(start); el < 600*time.Millisecond {
		t.Errorf("four runs with RestartSec=200ms took only %v", el)
	}
	logs, _, _ := s.Sctl("logs", "flaky.service")
	for _, want := range []string{"Scheduled restart job, restart counter is at 1.", "Scheduled restart job, restart counter is at 3."} {
		if !strings.Contains(logs, want) {
			t.Errorf("log lacks %q:\n%s", want, logs)
		}
	}
}

// A notify service: active only after READY=1 from python3; one that never says it times out into failed.
func TestServiceNotify(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"ready.service":  "[Service]\nType=notify\nExecStart=/usr/bin/python3 /etc/sysmaster/ready.py\n",
		"silent.service": "[Service]\nType=notify\nTimeoutStartSec=1\nExecStart=/bin/sleep 1000\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.WriteFile("ready.py", `import os, socket, time
time.sleep(0.5)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(os.environ["NOTIFY_SOCKET"])
s.send(b"STATUS=serving\nREADY=1")
time.sleep(1000)
`)
	t0 := time.Now()
	if _, errs, code := s.Sctl("start", "ready.service"); code != 0 {
		t.Fatalf("start ready: exit %d %s\n%s", code, errs, s.Console())
	}
	if time.Since(t0) < 400*time.Millisecond {
		t.Errorf("start returned after %v, before READY=1 was sent", time.Since(t0))
	}
	if st := s.Show("ready.service", "StatusText"); st != "serving" {
		t.Errorf("StatusText %q", st)
	}
	_, errs, code := s.Sctl("start", "silent.service")
	if code == 0 {
		t.Errorf("a notify service without READY=1 started: %q", errs)
	}
	if r := s.Show("silent.service", "Result"); r != "timeout" || s.Show("silent.service", "ActiveState") != "failed" {
		t.Errorf("silent: %s result %s", s.Show("silent.service", "ActiveState"), r)
	}
}

// A forking service: the daemon, found through PIDFile=, becomes the main pid; stop kills it.
func TestServiceForking(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"daemon.service": "[Service]\nType=forking\nPIDFile=/run/daemon.pid\n" +
			"ExecStart=/bin/sh -c 'sleep 1000 & echo $! > /run/daemon.pid'\n",
		"guess.service": "[Service]\nType=forking\nExecStart=/bin/sh -c 'sleep 1000 &'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	for _, name := range []string{"daemon.service", "guess.service"} {
		if _, errs, code := s.Sctl("start", name); code != 0 {
			t.Fatalf("start %s: exit %d %s\n%s", name, code, errs, s.Console())
		}
		pid, _ := strconv.Atoi(s.Show(name, "MainPID"))
		comm, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(hostPid(t, s, pid)), "comm"))
		if pid <= 1 || strings.TrimSpace(string(comm)) != "sleep" {
			t.Fatalf("%s: MainPID %d (%q)", name, pid, comm)
		}
		if _, errs, code := s.Sctl("stop", name); code != 0 || s.Show(name, "ActiveState") != "inactive" {
			t.Fatalf("stop %s: exit %d %s: %s", name, code, errs, s.Show(name, "ActiveState"))
		}
	}
}

// hostPid maps a pid of the system's namespace to the test's, through NSpid in /proc/PID/status.
func hostPid(t *testing.T, s *harness.System, nsPid int) int {
	t.Helper()
	dirs, _ := filepath.Glob("/proc/[0-9]*/status")
	for _, d := range dirs {
		b, err := os.ReadFile(d)
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) >= 3 && f[0] == "NSpid:" && f[len(f)-1] == strconv.Itoa(nsPid) {
				pid, _ := strconv.Atoi(f[1])
				if isDescendant(pid, s.InitPid) {
					return pid
				}
			}
		}
	}
	return 0
}

func isDescendant(pid, ancestor int) bool {
	for i := 0; i < 64 && pid > 1; i++ {
		if pid == ancestor {
			return true
		}
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
		if err != nil {
			return false
		}
		f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
		pid, _ = strconv.Atoi(f[1])
	}
	return pid == ancestor
}

// sctl kill reaches the main process.
func TestServiceKill(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"victim.service": "[Service]\nExecStart=/bin/sleep 1000\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.Sctl("start", "victim.service")
	if _, errs, code := s.Sctl("kill", "--kill-whom=main", "--signal=SIGKILL", "victim.service"); code != 0 {
		t.Fatalf("kill: exit %d %s", code, errs)
	}
	if !s.WaitFor(5*time.Second, func() bool { return s.Show("victim.service", "ActiveState") == "failed" }) {
		t.Fatalf("after SIGKILL: %s", s.Show("victim.service", "ActiveState"))
	}
	if r := s.Show("victim.service", "Result"); r != "signal" || s.Show("victim.service", "ExecMainStatus") != strconv.Itoa(int(syscall.SIGKILL)) {
		t.Errorf("Result %s ExecMainStatus %s", r, s.Show("victim.service", "ExecMainStatus"))
	}
}

// start --wait returns when the service has ended again, with exit 1 when it failed.
func TestServiceStartWait(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"good.service": "[Service]\nExecStart=/bin/sh -c 'sleep 0.3; echo done > /run/good'\n",
		"sour.service": "[Service]\nExecStart=/bin/sh -c 'sleep 0.3; exit 4'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "--wait", "good.service"); code != 0 {
		t.Errorf("start --wait good: exit %d %q", code, errs)
	}
	if got, _ := s.ReadFile("/run/good"); got != "done\n" || s.Show("good.service", "ActiveState") != "inactive" {
		t.Errorf("start --wait returned before the service ended: %q, %s", got, s.Show("good.service", "ActiveState"))
	}
	_, errs, code := s.Sctl("start", "--wait", "sour.service")
	if code != 1 || !strings.Contains(errs, "Unit sour.service failed with result 'exit-code'.") {
		t.Errorf("start --wait sour: exit %d %q", code, errs)
	}
}

// Type=exec: the start job waits for the exec, so a command that cannot be executed fails `sctl start`.
func TestServiceTypeExec(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"ok.service":     "[Service]\nType=exec\nExecStart=/bin/sleep 1000\n",
		"nobin.service":  "[Service]\nType=exec\nExecStart=/nonexistent/binary\n",
		"nouser.service": "[Service]\nType=exec\nUser=no-such-user\nExecStart=/bin/sleep 1000\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "ok.service"); code != 0 || s.Show("ok.service", "SubState") != "running" {
		t.Errorf("start ok: exit %d %q, %s", code, errs, s.Show("ok.service", "SubState"))
	}
	for unit, status := range map[string]string{"nobin.service": "203", "nouser.service": "217"} {
		_, errs, code := s.Sctl("start", unit)
		if code == 0 || !strings.Contains(errs, "Job for "+unit+" failed") {
			t.Errorf("start %s: exit %d %q", unit, code, errs)
		}
		if st := s.Show(unit, "ExecMainStatus"); st != status {
			t.Errorf("%s: ExecMainStatus %s, want %s", unit, st, status)
		}
	}
	logs, _, _ := s.Sctl("logs", "nouser.service")
	if !strings.Contains(logs, "Failed at step USER spawning /bin/sleep") {
		t.Errorf("the log does not say which step failed:\n%s", logs)
	}
}

// A service writing to its log survives a crash of the core: its log pipe breaks with the core, but SIGPIPE is
// ignored (IgnoreSIGPIPE=yes, the default), so it gets EPIPE instead of dying. (Handing the pipes to the next
// core is the crash-recovery work.)
func TestServiceSurvivesCoreCrash(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"chatty.service": "[Service]\nExecStart=/bin/sh -c 'while :; do echo tick; sleep 0.1; done'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "chatty.service"); code != 0 {
		t.Fatalf("start: %s", errs)
	}
	pid, _ := strconv.Atoi(s.Show("chatty.service", "MainPID"))
	hp, core := hostPid(t, s, pid), coreOf(t, s)
	if core <= 1 || hp <= 1 {
		t.Fatalf("core %d, service %d (host pids)", core, hp)
	}
	if err := syscall.Kill(core, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !s.WaitFor(15*time.Second, func() bool { c := coreOf(t, s); return c != 0 && c != core }) {
		t.Fatalf("no new core; console:\n%s", s.Console())
	}
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	// Several ticks after the crash: each write hit the broken pipe.
	time.Sleep(500 * time.Millisecond)
	b, err := os.ReadFile("/proc/" + strconv.Itoa(hp) + "/stat")
	if err != nil || strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))[0] == "Z" {
		t.Fatalf("the service died with the core (%v)", err)
	}
}

// OOMPolicy=: the OOM kill of a process the main process runs (and reaps itself) stops the service by default and
// leaves it running with continue.
func TestServiceOOMPolicy(t *testing.T) {
	t.Parallel()
	hog := `ExecStart=/bin/sh -c 'python3 -c "x = bytearray(1) * (200 << 20)"; exec sleep 1000'` + "\n"
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"stopper.service":  "[Service]\nMemoryMax=32M\n" + hog,
		"survivor.service": "[Service]\nMemoryMax=32M\nOOMPolicy=continue\n" + hog,
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.Sctl("start", "stopper.service", "survivor.service")
	if !s.WaitFor(15*time.Second, func() bool { return s.Show("stopper.service", "ActiveState") == "failed" }) {
		logs, _, _ := s.Sctl("logs", "stopper.service")
		t.Fatalf("OOMPolicy=stop: %s\n%s", s.Show("stopper.service", "ActiveState"), logs)
	}
	if r := s.Show("stopper.service", "Result"); r != "oom-kill" {
		t.Errorf("OOMPolicy=stop: Result %s, want oom-kill", r)
	}
	logs, _, _ := s.Sctl("logs", "survivor.service")
	if !s.WaitFor(15*time.Second, func() bool {
		logs, _, _ = s.Sctl("logs", "survivor.service")
		return strings.Contains(logs, "killed by the OOM killer")
	}) {
		t.Fatalf("OOMPolicy=continue: no OOM kill seen:\n%s", logs)
	}
	if st := s.Show("survivor.service", "SubState"); st != "running" {
		t.Errorf("OOMPolicy=continue: %s, want running", st)
	}
}

// SyslogIdentifier= names the service's lines in its log; stderr reaches the log by default (inherit: the
// stdout pipe) and with StandardError=journal (a pipe of its own), not with StandardError=null.
func TestServiceSyslogIdentifier(t *testing.T) {
	t.Parallel()
	both := "ExecStart=/bin/sh -c 'echo to-out; echo to-err >&2'\n"
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"named.service":   "[Service]\nType=oneshot\nSyslogIdentifier=greeter\nExecStart=/bin/echo hi there\n",
		"inherit.service": "[Service]\nType=oneshot\n" + both,
		"journal.service": "[Service]\nType=oneshot\nStandardError=journal\n" + both,
		"null.service":    "[Service]\nType=oneshot\nStandardError=null\n" + both,
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.Sctl("start", "named.service", "inherit.service", "journal.service", "null.service")
	for unit, wantErr := range map[string]bool{"inherit.service": true, "journal.service": true, "null.service": false} {
		var out string
		s.WaitFor(5*time.Second, func() bool {
			out, _, _ = s.Sctl("logs", unit)
			return strings.Contains(out, " sh: to-out") && (!wantErr || strings.Contains(out, " sh: to-err"))
		})
		if !strings.Contains(out, " sh: to-out") || strings.Contains(out, " sh: to-err") != wantErr {
			t.Errorf("%s: log (stderr wanted: %v):\n%s", unit, wantErr, out)
		}
	}
	if !s.WaitFor(5*time.Second, func() bool {
		out, _, _ := s.Sctl("logs", "named.service")
		return strings.Contains(out, " greeter: hi there")
	}) {
		out, _, _ := s.Sctl("logs", "named.service")
		t.Fatalf("log:\n%s", out)
	}
}
