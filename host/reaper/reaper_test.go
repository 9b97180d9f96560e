package reaper

import (
	"bytes"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// The reaper makes the test process a subreaper and reaps all its children, so these tests run in a child copy
// of the test binary (TestHelperProcess pattern), where that does not disturb the go test harness.
func TestMain(m *testing.M) {
	if os.Getenv("REAPER_CHILD") == "1" {
		os.Exit(childMain())
	}
	os.Exit(m.Run())
}

func TestReaperInChild(t *testing.T) {
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "REAPER_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	t.Logf("%s", out)
}

func childMain() int {
	unclaimed := make(chan Exit, 100)
	r, err := New(func(e Exit) { unclaimed <- e })
	if err != nil {
		println("new:", err.Error())
		return 1
	}
	defer r.Close()
	fail := func(msg string, args ...any) int { println(msg); return 1 }

	// 1. An owned child that exits at once is delivered to its owner with its status, never to unclaimed.
	owned := make(chan Exit, 1)
	pid, err := r.Start(func() (int, error) {
		return syscall.ForkExec("/bin/sh", []string{"sh", "-c", "exit 7"}, &syscall.ProcAttr{})
	}, func(e Exit) { owned <- e })
	if err != nil {
		return fail("start: " + err.Error())
	}
	select {
	case e := <-owned:
		if e.Pid != pid || e.Code != Exited || e.Status != 7 {
			return fail("owned exit wrong")
		}
	case <-time.After(5 * time.Second):
		return fail("owned exit not delivered")
	}

	// 2. A killed child reports the signal.
	pid, _ = r.Start(func() (int, error) {
		return syscall.ForkExec("/bin/sleep", []string{"sleep", "60"}, &syscall.ProcAttr{})
	}, func(e Exit) { owned <- e })
	unix.Kill(pid, unix.SIGKILL)
	if e := <-owned; e.Code != Killed || e.Status != int(unix.SIGKILL) {
		return fail("killed exit wrong")
	}

	// 2b. A dumped core reports the signal as Dumped. (RLIMIT_CORE is raised for the child by the shell, which
	// runs in a directory of its own for the core file; where the kernel writes no core, the exit is Killed,
	// which is what the kernel said.)
	dir, err := os.MkdirTemp("", "reaper-core-")
	if err != nil {
		return fail("tempdir: " + err.Error())
	}
	defer os.RemoveAll(dir)
	pid, _ = r.Start(func() (int, error) {
		return syscall.ForkExec("/bin/sh", []string{"sh", "-c", "ulimit -c unlimited 2>/dev/null; kill -QUIT $$"}, &syscall.ProcAttr{Dir: dir})
	}, func(e Exit) { owned <- e })
	if e := <-owned; e.Pid != pid || (e.Code != Dumped && e.Code != Killed) || e.Status != int(unix.SIGQUIT) {
		return fail("dumped exit wrong")
	}

	// 2c. The sink has the exit while the child is still a zombie: a core killed before its sink logged the exit
	// leaves the zombie to init, which hands the exit on, instead of losing it.
	zombie := make(chan bool, 1)
	pid, _ = r.Start(func() (int, error) {
		return syscall.ForkExec("/bin/true", []string{"true"}, &syscall.ProcAttr{})
	}, func(e Exit) { zombie <- state(e.Pid) == "Z"; owned <- e })
	if !<-zombie || (<-owned).Pid != pid {
		return fail("the child was reaped before its sink had the exit")
	}
	if st := state(pid); st != "" {
		return fail("the child was not reaped after its sink returned: state " + st)
	}

	// 3. An orphan re-parented to us (we are a subreaper) lands in unclaimed with its own status.
	sh, _ := r.Start(func() (int, error) {
		return syscall.ForkExec("/bin/sh", []string{"sh", "-c", "(sleep 0.2; exit 4) & exit 0"}, &syscall.ProcAttr{})
	}, func(e Exit) { owned <- e })
	<-owned
	select {
	case e := <-unclaimed:
		if e.Pid == sh || e.Code != Exited || e.Status != 4 {
			return fail("orphan exit wrong")
		}
	case <-time.After(5 * time.Second):
		return fail("orphan exit not delivered")
	}

	// 4. Many children exiting together: every exit is delivered exactly once.
	const n = 200
	got := make(chan Exit, n)
	for i := 0; i < n; i++ {
		if _, err := r.Start(func() (int, error) {
			return syscall.ForkExec("/bin/true", []string{"true"}, &syscall.ProcAttr{})
		}, func(e Exit) { got <- e }); err != nil {
			return fail("start many: " + err.Error())
		}
	}
	seen := map[int]bool{}
	for i := 0; i < n; i++ {
		select {
		case e := <-got:
			if seen[e.Pid] {
				return fail("exit delivered twice")
			}
			seen[e.Pid] = true
		case <-time.After(10 * time.Second):
			return fail("lost exits")
		}
	}
	if len(unclaimed) != 0 {
		return fail("owned exits leaked to unclaimed")
	}
	println("ok")
	return 0
}

// state is the state letter of pid in /proc/PID/stat ("Z" for a zombie), "" when there is no such process.
func state(pid int) string {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return ""
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return f[0]
}
