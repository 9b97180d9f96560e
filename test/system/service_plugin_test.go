package system

import (
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// pluginPid is the pid (in the system's namespace) list-plugins shows for typ, 0 if none.
func pluginPid(s *harness.System, typ string) int {
	out, _, code := s.Sctl("list-plugins")
	if code != 0 {
		return 0
	}
	f := strings.Fields(rowOf(out, typ))
	if len(f) < 4 {
		return 0
	}
	pid, _ := strconv.Atoi(f[3])
	return pid
}

// alive reports whether host pid runs (exists and is no zombie). Only pids > 1 are asked about.
func alive(pid int) bool {
	if pid <= 1 {
		return false
	}
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// SIGKILL to the service plugin while services run: no service notices; they keep their main pids and run on,
// stop still stops them, and an exit that happens while the plugin is dead is applied by the next one.
func TestPluginKilledServicesRunOn(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"simple.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		"notify.service": "[Service]\nType=notify\nExecStart=/usr/bin/python3 /etc/sysmaster/ready.py\n",
		"once.service":   "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
		"fork.service": "[Service]\nType=forking\nPIDFile=/run/fork.pid\n" +
			"ExecStart=/bin/sh -c 'sleep 1000 & echo $! > /run/fork.pid'\n",
		// Exits with status 7 once /etc/sysmaster/go exists.
		"late.service": "[Service]\nExecStart=/bin/sh -c 'while [ ! -e /etc/sysmaster/go ]; do sleep 0.05; done; exit 7'\n",
	}})
	s.WriteFile("ready.py", pyNotify+`notify("READY=1")
while True:
    time.sleep(1000)
`)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	running := []string{"simple.service", "notify.service", "fork.service", "late.service"}
	mains := map[string]string{}
	hosts := map[string]int{}
	for _, u := range append([]string{"once.service"}, running...) {
		if _, errs, code := s.Sctl("start", u); code != 0 {
			t.Fatalf("start %s: exit %d %s\n%s", u, code, errs, s.Console())
		}
	}
	for _, u := range running {
		mains[u] = s.Show(u, "MainPID")
		n, _ := strconv.Atoi(mains[u])
		if hosts[u] = hostPid(t, s, n); n <= 1 || !alive(hosts[u]) {
			t.Fatalf("%s: MainPID %s (host pid %d) not running", u, mains[u], hosts[u])
		}
	}

	old := pluginPid(s, "service")
	h := hostPid(t, s, old)
	if old <= 1 || h <= 1 {
		out, _, _ := s.Sctl("list-plugins")
		t.Fatalf("service plugin pid %d (host %d):\n%s", old, h, out)
	}
	if err := syscall.Kill(h, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %d: %v", h, err)
	}
	if !s.WaitFor(5*time.Second, func() bool { return !alive(h) }) {
		t.Fatalf("the plugin (host pid %d) survived SIGKILL", h)
	}
	// late.service exits while no service plugin runs.
	s.WriteFile("go", "")
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("late.service", "ActiveState") == "failed" }) {
		logs, _, _ := s.Sctl("logs", "late.service")
		t.Fatalf("late.service: %s/%s after its exit while the plugin was dead\n%s\n%s", s.Show("late.service", "ActiveState"),
			s.Show("late.service", "SubState"), logs, s.Console())
	}
	if st, r, c := s.Show("late.service", "ExecMainStatus"), s.Show("late.service", "Result"), s.Show("late.service", "ExecMainCode"); st != "7" || r != "exit-code" || c != "1" {
		t.Errorf("late.service: ExecMainCode %s ExecMainStatus %s Result %s, want 1, 7, exit-code", c, st, r)
	}
	if alive(hosts["late.service"]) {
		t.Errorf("late.service's main process still runs")
	}
	running = running[:3]

	for _, u := range running {
		if st, sub := s.Show(u, "ActiveState"), s.Show(u, "SubState"); st != "active" || sub != "running" {
			t.Errorf("%s: %s/%s after the plugin's death", u, st, sub)
		}
		if m := s.Show(u, "MainPID"); m != mains[u] {
			t.Errorf("%s: MainPID %s → %s", u, mains[u], m)
		}
		if !alive(hosts[u]) {
			t.Errorf("%s: its main process (host pid %d) died with the plugin", u, hosts[u])
		}
	}
	if st, sub := s.Show("once.service", "ActiveState"), s.Show("once.service", "SubState"); st != "active" || sub != "exited" {
		t.Errorf("once.service: %s/%s", st, sub)
	}
	if p := pluginPid(s, "service"); p <= 1 || p == old {
		out, _, _ := s.Sctl("list-plugins")
		t.Errorf("no fresh service plugin (pid %d, was %d):\n%s", p, old, out)
	}

	for _, u := range append(running, "once.service") {
		if _, errs, code := s.Sctl("stop", u); code != 0 {
			t.Errorf("stop %s: exit %d %s", u, code, errs)
			continue
		}
		if st := s.Show(u, "ActiveState"); st != "inactive" {
			logs, _, _ := s.Sctl("logs", u)
			t.Errorf("%s: %s after stop\n%s", u, st, logs)
		}
		if h := hosts[u]; h > 1 && !s.WaitFor(5*time.Second, func() bool { return !alive(h) }) {
			t.Errorf("%s: main process (host pid %d) runs on after stop", u, h)
		}
	}
}

// killPlugin SIGKILLs the plugin serving typ and waits until it is gone; it returns its pid in the system.
func killPlugin(t *testing.T, s *harness.System, typ string) int {
	t.Helper()
	old := pluginPid(s, typ)
	h := hostPid(t, s, old)
	if old <= 1 || h <= 1 {
		out, _, _ := s.Sctl("list-plugins")
		t.Fatalf("%s plugin pid %d (host %d):\n%s", typ, old, h, out)
	}
	if err := syscall.Kill(h, syscall.SIGKILL); err != nil {
		t.Fatalf("kill %d: %v", h, err)
	}
	if !s.WaitFor(5*time.Second, func() bool { return !alive(h) }) {
		t.Fatalf("the plugin (host pid %d) survived SIGKILL", h)
	}
	return old
}

// The plugin is killed while one service waits for READY=1 and another for its restart timer: the timer that
// fires while it is dead, and (after a second kill) the READY=1 that comes while it is dead, are both applied.
func TestPluginKilledMidTransition(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"slow.service": "[Service]\nType=notify\nExecStart=/usr/bin/python3 /etc/sysmaster/slow.py\n",
		// Fails once, then runs.
		"again.service": "[Service]\nRestart=on-failure\nRestartSec=1500ms\n" +
			"ExecStart=/bin/sh -c 'if [ -e /run/again ]; then exec sleep 1000; fi; touch /run/again; exit 3'\n",
	}})
	s.WriteFile("slow.py", pyNotify+`while not os.path.exists("/etc/sysmaster/ready-go"):
    time.sleep(0.05)
notify("STATUS=late but ready\nREADY=1")
while True:
    time.sleep(1000)
`)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.Sctl("start", "--no-block", "slow.service")
	s.Sctl("start", "--no-block", "again.service")
	if !s.WaitFor(5*time.Second, func() bool {
		return s.Show("again.service", "SubState") == "auto-restart" && s.Show("slow.service", "SubState") == "start"
	}) {
		t.Fatalf("again %s, slow %s", s.Show("again.service", "SubState"), s.Show("slow.service", "SubState"))
	}
	// The restart timer fires while no plugin runs (nothing else happens meanwhile).
	first := killPlugin(t, s, "service")
	if !s.WaitFor(10*time.Second, func() bool {
		return s.Show("again.service", "SubState") == "running" && s.Show("again.service", "NRestarts") == "1"
	}) {
		logs, _, _ := s.Sctl("logs", "again.service")
		t.Errorf("again.service: %s/%s NRestarts %s: its restart timer fired while the plugin was dead\n%s",
			s.Show("again.service", "ActiveState"), s.Show("again.service", "SubState"), s.Show("again.service", "NRestarts"), logs)
	}
	if st := s.Show("slow.service", "SubState"); st != "start" {
		t.Errorf("slow.service: %s before READY=1", st)
	}
	// READY=1 comes while no plugin runs.
	old := killPlugin(t, s, "service")
	if old == first {
		t.Errorf("the restart did not start a fresh plugin (pid %d)", old)
	}
	s.WriteFile("ready-go", "")
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("slow.service", "ActiveState") == "active" }) {
		logs, _, _ := s.Sctl("logs", "slow.service")
		t.Errorf("slow.service: %s/%s after READY=1 sent while the plugin was dead\n%s", s.Show("slow.service", "ActiveState"),
			s.Show("slow.service", "SubState"), logs)
	} else if st := s.Show("slow.service", "StatusText"); st != "late but ready" {
		t.Errorf("slow.service: StatusText %q", st)
	}
	if p := pluginPid(s, "service"); p <= 1 || p == old {
		t.Errorf("no fresh service plugin (pid %d, was %d)", p, old)
	}
}
