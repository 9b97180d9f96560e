package pid1

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// The test binary doubles as a fake core (FAKE_CORE set): init starts it through SYSMASTER_CORE. What it sees it
// appends to /run/fake-core.log, which the test reads through /proc/PID/root.
func TestMain(m *testing.M) {
	if mode := os.Getenv("FAKE_CORE"); mode != "" {
		fakeCore(mode)
		return
	}
	os.Exit(m.Run())
}

func note(format string, args ...any) {
	f, err := os.OpenFile("/run/fake-core.log", os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		fmt.Fprintf(f, format+"\n", args...)
		f.Close()
	}
}

func fakeCore(mode string) {
	note("start pid=%d ppid=%d", os.Getpid(), os.Getppid())
	var conn *initproto.Conn
	var err error
	for i := 0; i < 100; i++ {
		if conn, err = initproto.Dial(initproto.SocketPath); err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		note("dial: %v", err)
		os.Exit(1)
	}
	conn.Hello(os.Getpid())
	first := !exists("/run/fake-core.started")
	os.WriteFile("/run/fake-core.started", nil, 0o644)
	switch {
	case mode == "orphans" && first:
		// Leave two children behind and die: they become init's, and their exits go to the next core.
		for _, st := range []int{3, 4} {
			cmd := exec.Command("/bin/sh", "-c", fmt.Sprintf("sleep 0.3; exit %d", st))
			cmd.Start()
			note("child %d status %d", cmd.Process.Pid, st)
		}
		os.Exit(0)
	case mode == "hang" && first:
		time.Sleep(time.Hour) // hung: never a heartbeat (select{} would trip the deadlock detector)
	}
	go func() {
		for {
			conn.Heartbeat()
			time.Sleep(200 * time.Millisecond)
		}
	}()
	for {
		m, err := conn.Recv()
		if err != nil {
			note("recv: %v", err)
			os.Exit(1)
		}
		switch m.Type {
		case initproto.TypeExit:
			note("exit %d code %d status %d", m.Pid, m.Code, m.Status)
		case initproto.TypeShutdown:
			note("shutdown %s", m.Action)
			conn.RequestShutdown(m.Action)
			os.Exit(0)
		}
	}
}

func exists(p string) bool { _, err := os.Stat(p); return err == nil }

type ns struct {
	t    *testing.T
	cmd  *exec.Cmd
	init int
	out  *syncBuffer
	done chan struct{}
}

// syncBuffer lets the test read init's output while init writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// start runs the real init binary as PID 1 of a fresh PID+mount namespace with a fresh /run and the fake core.
func start(t *testing.T, mode string, env ...string) *ns {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "init")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/init").CombinedOutput(); err != nil {
		t.Fatalf("build init: %v\n%s", err, out)
	}
	self, _ := os.Executable()
	n := &ns{t: t, out: &syncBuffer{}, done: make(chan struct{})}
	n.cmd = exec.Command("unshare", "--pid", "--mount", "--fork", "--kill-child", "/bin/sh", "-c",
		`mount -t tmpfs tmpfs /run && exec "$0"`, bin)
	n.cmd.Env = append(os.Environ(), append(env, "SYSMASTER_CORE="+self, "FAKE_CORE="+mode)...)
	n.cmd.Stdout, n.cmd.Stderr = n.out, n.out
	n.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := n.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { n.cmd.Wait(); close(n.done) }()
	t.Cleanup(func() {
		n.cmd.Process.Kill()
		<-n.done
	})
	deadline := time.Now().Add(5 * time.Second)
	for n.init == 0 && time.Now().Before(deadline) {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", n.cmd.Process.Pid, n.cmd.Process.Pid))
		fmt.Sscan(string(b), &n.init)
		time.Sleep(10 * time.Millisecond)
	}
	return n
}

func (n *ns) log() string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/root/run/fake-core.log", n.init))
	return string(b)
}

func (n *ns) waitLog(want string, timeout time.Duration) {
	n.t.Helper()
	deadline := time.Now().Add(timeout)
	for !strings.Contains(n.log(), want) {
		if time.Now().After(deadline) {
			n.t.Fatalf("fake core log lacks %q:\n%s\ninit:\n%s", want, n.log(), n.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestCoreIsAChildOfPid1AndRestarted(t *testing.T) {
	n := start(t, "plain")
	n.waitLog("start pid=", 5*time.Second)
	if !strings.Contains(n.log(), "ppid=1") {
		t.Fatalf("the core is not init's child in its own namespace:\n%s", n.log())
	}
	var pid int
	fmt.Sscanf(n.log(), "start pid=%d", &pid)
	syscall.Kill(pidOnHost(t, n, pid), syscall.SIGKILL)
	deadline := time.Now().Add(5 * time.Second)
	for strings.Count(n.log(), "start pid=") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("core not restarted:\n%s\ninit:\n%s", n.log(), n.out)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pidOnHost maps a pid of the namespace to the test's view through NSpid in /proc/PID/status.
func pidOnHost(t *testing.T, n *ns, nspid int) int {
	ents, _ := os.ReadDir("/proc")
	for _, e := range ents {
		b, err := os.ReadFile("/proc/" + e.Name() + "/status")
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.Fields(line); len(f) == 3 && f[0] == "NSpid:" && f[2] == fmt.Sprint(nspid) {
				var hostPid int
				fmt.Sscan(f[1], &hostPid)
				if nsOf(hostPid) == nsOf(n.init) {
					return hostPid
				}
			}
		}
	}
	t.Fatalf("pid %d of the namespace not found", nspid)
	return 0
}

func nsOf(pid int) string {
	s, _ := os.Readlink(fmt.Sprintf("/proc/%d/ns/pid", pid))
	return s
}

func TestExitsOfOrphansReachTheNextCore(t *testing.T) {
	n := start(t, "orphans")
	n.waitLog("child ", 5*time.Second)
	var kids [][2]int
	for _, line := range strings.Split(n.log(), "\n") {
		var pid, st int
		if _, err := fmt.Sscanf(line, "child %d status %d", &pid, &st); err == nil {
			kids = append(kids, [2]int{pid, st})
		}
	}
	for _, k := range kids {
		n.waitLog(fmt.Sprintf("exit %d code 1 status %d", k[0], k[1]), 10*time.Second)
	}
}

func TestSilentCoreIsKilledAndRestarted(t *testing.T) {
	n := start(t, "hang", "SYSMASTER_HEARTBEAT_TIMEOUT=1s")
	deadline := time.Now().Add(15 * time.Second)
	for strings.Count(n.log(), "start pid=") < 2 {
		if time.Now().After(deadline) {
			t.Fatalf("hung core not replaced:\n%s\ninit:\n%s", n.log(), n.out)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if !strings.Contains(n.out.String(), "no heartbeat") {
		t.Errorf("init did not say why it killed the core:\n%s", n.out)
	}
}

func TestSIGTERMGoesThroughTheCore(t *testing.T) {
	n := start(t, "plain")
	n.waitLog("start pid=", 5*time.Second)
	time.Sleep(100 * time.Millisecond) // hello processed
	syscall.Kill(n.init, syscall.SIGTERM)
	select {
	case <-n.done:
	case <-time.After(15 * time.Second):
		t.Fatalf("namespace did not end:\n%s", n.out)
	}
	out := n.out.String()
	for _, want := range []string{"poweroff requested", "the core finished bringing the system down: poweroff", "final stage: poweroff"} {
		if !strings.Contains(out, want) {
			t.Errorf("init output lacks %q:\n%s", want, out)
		}
	}
}
