package pid1

import (
	"fmt"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/sysmaster/sysmaster/pkg/initproto"
	"github.com/sysmaster/sysmaster/pkg/mountinfo"
)

// The test binary doubles as the core that init starts (PID1_FAKE_CORE=mode, through SYSMASTER_CORE) and as a
// probe run in a namespace (PID1_PROBE). The fake core notes what it sees in $PID1_TEST_DIR/core.log, a
// directory of the host's file system that the test reads from outside the namespace, even after it ended.
//
// Every fake core but those of the ack tests (ack_test.go) acknowledges each exit once it noted it, as the
// real core does once it logged it.
//
// Modes:
//   - serve: connect, say hello, heartbeat every 100 ms, note every message; on init's shutdown request spawn
//     the leftovers asked for by PID1_LEFTOVERS=1, answer with the same action and exit.
//   - observe: note the pid, the parent, /proc and the API mounts as the core sees them, then serve.
//   - crash: exit 1 at once.
//   - idle: sleep without connecting.
//   - hang: the first core says hello, ignores SIGABRT and never heartbeats; later ones serve.
//   - orphans: the first core says hello and leaves three orphans that end one after another once it is gone (exit 3, killed
//     by SIGTERM, exit 4), then SIGKILLs itself; the second waits until init has reaped them all before its
//     hello, then serves, and after "ready" leaves one more orphan (exit 5) whose exit must come live.
//   - selfshutdown: say hello, hand init the action PID1_ACTION and exit.
//   - fdstore, badfds, limit, reexec: the fd store and init's re-execution (see fdCore).
//   - ack, ackreexec: acknowledged delivery of exits (see ackCore).
func fakeCore(mode string) int {
	dir := os.Getenv("PID1_TEST_DIR")
	n := strings.Count(readLog(dir), "start ") + 1
	self, _ := os.Readlink("/proc/self")
	note(dir, "start n=%d pid=%d ppid=%d proc-self=%s t=%d", n, os.Getpid(), os.Getppid(), self, time.Now().UnixNano())
	switch mode {
	case "crash":
		return 1
	case "idle":
		time.Sleep(time.Hour)
		return 0
	case "fdstore", "badfds", "limit", "reexec":
		return fdCore(mode, dir, n) // fdcore_test.go
	case "ack", "ackreexec":
		return ackCore(mode, dir, n) // ack_test.go
	case "observe":
		observe(dir)
	case "orphans":
		if n == 1 {
			break
		}
		if err := waitOrphansReaped(dir); err != nil {
			note(dir, "error: %v", err)
			return 1
		}
	}
	conn, err := dialInit()
	if err != nil {
		note(dir, "error: %v", err)
		return 1
	}
	if err := conn.Hello(os.Getpid()); err != nil {
		note(dir, "error: hello: %v", err)
		return 1
	}
	note(dir, "hello")
	switch {
	case mode == "selfshutdown":
		action := os.Getenv("PID1_ACTION")
		if err := conn.RequestShutdown(action, 0); err != nil {
			note(dir, "error: %v", err)
			return 1
		}
		note(dir, "handed over %s", action)
		return 0
	case mode == "orphans" && n == 1:
		leaveOrphans(dir)
	case mode == "hang" && n == 1:
		signal.Ignore(syscall.SIGABRT)
		note(dir, "hung")
		time.Sleep(time.Hour) // never a heartbeat (select{} would trip the deadlock detector)
	}
	go func() {
		for conn.Heartbeat() == nil {
			time.Sleep(100 * time.Millisecond)
		}
	}()
	for {
		m, err := conn.Recv()
		if err != nil {
			note(dir, "error: recv: %v", err)
			return 1
		}
		switch m.Type {
		case initproto.TypeExit:
			note(dir, "exit pid=%d code=%d status=%d seq=%d", m.Pid, m.Code, m.Status, m.Seq)
			conn.Ack(m.Seq)
		case initproto.TypeReady:
			note(dir, "ready")
			if mode == "orphans" {
				note(dir, "live pid=%d", orphan(dir, "live", "sleep 0.2; exit 5"))
			}
		case initproto.TypeShutdown:
			note(dir, "shutdown %s", m.Action)
			if os.Getenv("PID1_LEFTOVERS") != "" {
				orphan(dir, "polite", fmt.Sprintf(`trap 'echo > %s/term-seen; exit 0' TERM; while :; do sleep 0.05; done`, dir))
				orphan(dir, "stubborn", `trap '' TERM; while :; do sleep 0.05; done`)
			}
			if err := conn.RequestShutdown(m.Action, 0); err != nil {
				note(dir, "error: %v", err)
				return 1
			}
			return 0
		}
	}
}

func dialInit() (*initproto.Conn, error) {
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := initproto.Dial(initproto.SocketPath)
		if err == nil || time.Now().After(deadline) {
			return conn, err
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func note(dir, format string, args ...any) {
	f, err := os.OpenFile(filepath.Join(dir, "core.log"), os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err == nil {
		fmt.Fprintf(f, format+"\n", args...)
		f.Close()
	}
}

func readLog(dir string) string {
	b, _ := os.ReadFile(filepath.Join(dir, "core.log"))
	return string(b)
}

// observe notes the visible (last) mount of each API file system as "mount POINT TYPE SUPEROPTIONS".
func observe(dir string) {
	comm, _ := os.ReadFile("/proc/1/comm")
	note(dir, "pid1-comm=%s", strings.TrimSpace(string(comm)))
	ms, err := mountinfo.Read()
	if err != nil {
		note(dir, "error: %v", err)
	}
	for _, p := range []string{"/proc", "/dev/pts", "/dev/shm", "/run"} {
		for i := len(ms) - 1; i >= 0; i-- {
			if ms[i].Point == p {
				note(dir, "mount %s %s %s", p, ms[i].FSType, ms[i].SuperOptions)
				break
			}
		}
	}
}

// orphan runs script in a grandchild whose parent exits at once (a double fork, in a session of its own), so
// that it is re-parented to init, and returns its pid. The script's $0 is its pid file.
func orphan(dir, name, script string) int {
	pidfile := filepath.Join(dir, name+".pid")
	cmd := exec.Command("/bin/sh", "-c", `setsid /bin/sh -c "$1" "$2" &`, "sh", `echo $$ > "$0"; `+script, pidfile)
	if err := cmd.Run(); err != nil {
		note(dir, "error: %s: %v", name, err)
		return 0
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(5 * time.Millisecond) {
		b, _ := os.ReadFile(pidfile)
		if pid, err := strconv.Atoi(strings.TrimSpace(string(b))); err == nil {
			return pid
		}
	}
	note(dir, "error: %s never wrote its pid", name)
	return 0
}

// leaveOrphans starts a chain of orphans, each ending only once init has reaped the one before (the first once
// this core is gone), so the order of their exits is known; then this core dies by SIGKILL.
func leaveOrphans(dir string) {
	prev := os.Getpid()
	for _, o := range []struct{ name, end, want string }{
		{"a", "exit 3", "code=1 status=3"},
		{"b", "kill -TERM $$", "code=2 status=15"},
		{"c", "exit 4", "code=1 status=4"},
	} {
		pid := orphan(dir, o.name, fmt.Sprintf("while kill -0 %d 2>/dev/null; do sleep 0.01; done; %s", prev, o.end))
		note(dir, "orphan pid=%d %s", pid, o.want)
		prev = pid
	}
	syscall.Kill(os.Getpid(), syscall.SIGKILL)
	time.Sleep(time.Hour)
}

// waitOrphansReaped waits until the orphans the first core left are gone: reaped by init, not zombies.
func waitOrphansReaped(dir string) error {
	var pids []int
	for _, line := range strings.Split(readLog(dir), "\n") {
		var pid int
		if _, err := fmt.Sscanf(line, "orphan pid=%d", &pid); err == nil {
			pids = append(pids, pid)
		}
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for syscall.Kill(pid, 0) == nil {
			if time.Now().After(deadline) {
				return fmt.Errorf("orphan %d still there", pid)
			}
			time.Sleep(10 * time.Millisecond)
		}
	}
	note(dir, "orphans reaped: %d", len(pids))
	return nil
}

// probe runs inside a namespace. PID1_PROBE=mountns: does init take this mount namespace for the outer
// system's? PID1_PROBE=stranger: connect to init.sock as a process that is not the core, and say what init did.
func probe(what string) int {
	switch what {
	case "mountns":
		why, shared := sharedMountNamespace()
		fmt.Printf("shared=%v %s\n", shared, why)
	case "stranger":
		conn, err := initproto.Dial(initproto.SocketPath)
		if err != nil {
			fmt.Println("dial:", err)
			return 1
		}
		defer conn.Close()
		if err := conn.Hello(os.Getpid()); err != nil {
			fmt.Println("refused at hello:", err)
			return 0
		}
		conn.SetDeadline(time.Now().Add(5 * time.Second))
		if m, err := conn.Recv(); err != nil {
			fmt.Println("refused:", err)
		} else {
			fmt.Printf("accepted: %+v\n", m)
		}
	}
	return 0
}
