package pid1

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	switch {
	case os.Getenv("PID1_FAKE_CORE") != "":
		os.Exit(fakeCore(os.Getenv("PID1_FAKE_CORE")))
	case os.Getenv("PID1_PROBE") != "":
		os.Exit(probe(os.Getenv("PID1_PROBE")))
	}
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

var (
	buildOnce sync.Once
	buildDir  string
	initBin   string
	buildErr  error
)

// initBinary builds cmd/init once for all the tests of the package.
func initBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		if buildDir, buildErr = os.MkdirTemp("", "pid1-test-"); buildErr != nil {
			return
		}
		initBin = filepath.Join(buildDir, "init")
		out, err := exec.Command("go", "build", "-o", initBin, "github.com/sysmaster/sysmaster/cmd/init").CombinedOutput()
		if err != nil {
			buildErr = fmt.Errorf("go build cmd/init: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return initBin
}

// system is the real init binary running as PID 1 of a fresh PID namespace, with the test binary as its core.
type system struct {
	t       *testing.T
	dir     string // host directory the fake core notes into (PID1_TEST_DIR)
	cmd     *exec.Cmd
	console *syncBuffer
	init    int // init's pid as the test sees it
	ended   chan struct{}
}

type bootOpts struct {
	mode    string   // the fake core's mode (see fakeCore)
	env     []string // more environment for init and so the core
	prelude string   // shell commands run in the namespace just before init
	shared  bool     // no mount namespace of init's own (unshare --pid --fork init)
	bin     string   // init's binary, when not the one initBinary builds
}

// boot starts init in a fresh PID and mount namespace: `unshare --pid --mount --fork sh -c 'mount -t tmpfs
// tmpfs /run && exec init'`. The fresh /run matters: the namespace starts with a copy of the host's mounts, and a
// copied tmpfs is the same file system, so without it init's socket would land in the host's /run/sysmaster.
// Everything is private to the namespace (unshare makes its mounts private), so tests run side by side. The
// namespace is killed when the test ends.
func boot(t *testing.T, o bootOpts) *system {
	t.Helper()
	bin := o.bin
	if bin == "" {
		bin = initBinary(t)
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	s := &system{t: t, dir: t.TempDir(), console: &syncBuffer{}, ended: make(chan struct{})}
	if o.shared {
		s.cmd = exec.Command("unshare", "--pid", "--fork", "--kill-child", bin)
	} else {
		script := "set -e; mount -t tmpfs -o mode=755 tmpfs /run; " + o.prelude + "\nexec \"$0\""
		s.cmd = exec.Command("unshare", "--pid", "--mount", "--fork", "--kill-child", "/bin/sh", "-c", script, bin)
	}
	s.cmd.Env = append(os.Environ(), "SYSMASTER_CORE="+self, "PID1_FAKE_CORE="+o.mode, "PID1_TEST_DIR="+s.dir)
	s.cmd.Env = append(s.cmd.Env, o.env...)
	s.cmd.Stdout, s.cmd.Stderr = s.console, s.console
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { s.cmd.Wait(); close(s.ended) }()
	t.Cleanup(func() {
		s.cmd.Process.Kill()
		select {
		case <-s.ended:
		case <-time.After(10 * time.Second):
			t.Errorf("unshare did not end after SIGKILL; console:\n%s", s.console)
		}
	})
	s.waitFor("init to run", 15*time.Second, func() bool {
		select {
		case <-s.ended:
			return true // it ran, and is done already (a core that shuts down at once)
		default:
		}
		s.init = childOf(s.cmd.Process.Pid)
		comm, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", s.init))
		return s.init > 0 && strings.TrimSpace(string(comm)) == "init"
	})
	return s
}

// childOf returns a child of pid (unshare has exactly one), or 0.
func childOf(pid int) int {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", pid, pid))
	child, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return child
}

// hostPid maps a pid of the namespace, a child of init, to the test's view, through NSpid in /proc/PID/status.
func (s *system) hostPid(nspid int) int {
	s.t.Helper()
	tasks, _ := os.ReadDir(fmt.Sprintf("/proc/%d/task", s.init))
	for _, task := range tasks {
		b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/task/%s/children", s.init, task.Name()))
		for _, c := range strings.Fields(string(b)) {
			status, _ := os.ReadFile("/proc/" + c + "/status")
			for _, line := range strings.Split(string(status), "\n") {
				if f := strings.Fields(line); len(f) > 1 && f[0] == "NSpid:" && f[len(f)-1] == strconv.Itoa(nspid) {
					pid, _ := strconv.Atoi(c)
					return pid
				}
			}
		}
	}
	s.t.Fatalf("no child of init is pid %d in the namespace; console:\n%s", nspid, s.console)
	return 0
}

func (s *system) log() string { return readLog(s.dir) }

// waitFor polls cond every 10 ms until it holds, failing the test after timeout.
func (s *system) waitFor(what string, timeout time.Duration, cond func() bool) {
	s.t.Helper()
	for deadline := time.Now().Add(timeout); !cond(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			s.t.Fatalf("timed out after %v waiting for %s\ncore log:\n%s\nconsole:\n%s", timeout, what, s.log(), s.console)
		}
	}
}

func (s *system) waitLog(want string, timeout time.Duration) {
	s.t.Helper()
	s.waitFor(fmt.Sprintf("%q in the core log", want), timeout, func() bool { return strings.Contains(s.log(), want) })
}

func (s *system) waitConsole(want string, timeout time.Duration) {
	s.t.Helper()
	s.waitFor(fmt.Sprintf("%q on the console", want), timeout, func() bool { return strings.Contains(s.console.String(), want) })
}

// waitEnd waits for the namespace to end and returns the signal that ended unshare (it re-raises init's).
func (s *system) waitEnd(timeout time.Duration) syscall.Signal {
	s.t.Helper()
	select {
	case <-s.ended:
	case <-time.After(timeout):
		s.t.Fatalf("the namespace did not end within %v\ncore log:\n%s\nconsole:\n%s", timeout, s.log(), s.console)
	}
	ws := s.cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() {
		s.t.Fatalf("unshare exited with %v, not by a signal\nconsole:\n%s", s.cmd.ProcessState, s.console)
	}
	return ws.Signal()
}

// coreStart is one fake core's "start" line: its pid and parent in the namespace, and when it started.
type coreStart struct {
	pid, ppid int
	at        time.Time
}

func (s *system) starts() []coreStart {
	var out []coreStart
	for _, line := range strings.Split(s.log(), "\n") {
		var n, pid, ppid int
		var self string
		var ns int64
		if _, err := fmt.Sscanf(line, "start n=%d pid=%d ppid=%d proc-self=%s t=%d", &n, &pid, &ppid, &self, &ns); err == nil {
			out = append(out, coreStart{pid, ppid, time.Unix(0, ns)})
		}
	}
	return out
}

// syncBuffer collects init's console while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// signalPid is kill(2) for a pid a test found; 0 (not found) is refused, as kill(0) would signal the test's own
// process group.
func signalPid(pid int, sig syscall.Signal) error {
	if pid <= 0 {
		return fmt.Errorf("no process to signal (pid %d)", pid)
	}
	return syscall.Kill(pid, sig)
}
