package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// build compiles this command into a temporary directory.
func build(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "init")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// Started by hand, not as PID 1, init refuses to do anything: it would otherwise mount over the host's file
// systems and, on shutdown, kill every process of the machine.
func TestRefusesToRunAsAnotherPid(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, build(t))
	cmd.Env = append(os.Environ(), "SYSMASTER_CORE=/bin/false")
	out, err := cmd.CombinedOutput()
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != 1 {
		t.Fatalf("exit %v, want 1; output:\n%s", err, out)
	}
	if want := fmt.Sprintf("sysmaster-init: refusing to run as pid %d: init must be PID 1", cmd.Process.Pid); !strings.HasPrefix(string(out), want) {
		t.Fatalf("output %q, want it to start with %q", out, want)
	}
}

// With no core binary, init keeps trying with a growing delay and says so; SIGTERM, with no core to ask, goes
// straight to the final stage, which ends the namespace (init killed by SIGINT, re-raised by unshare).
func TestMissingCoreRetriedThenSIGTERM(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	missing := filepath.Join(t.TempDir(), "sysmaster")
	// A fresh /run: the namespace's copy of the host's /run is the same file system as the host's.
	cmd := exec.CommandContext(ctx, "unshare", "--pid", "--mount", "--fork", "--kill-child",
		"/bin/sh", "-c", `mount -t tmpfs -o mode=755 tmpfs /run && exec "$0"`, build(t))
	cmd.Env = append(os.Environ(), "SYSMASTER_CORE="+missing)
	var console syncBuffer
	cmd.Stdout, cmd.Stderr = &console, &console
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { cmd.Wait(); close(done) }()
	defer func() { cmd.Process.Kill(); <-done }()

	want := []string{"at once", "in 100ms", "in 200ms", "in 400ms"}
	for i := range want {
		want[i] = fmt.Sprintf("cannot start the core %s: no such file or directory; retrying %s\n", missing, want[i])
	}
	waitFor(t, 10*time.Second, &console, want[3])
	con := console.String()
	for i := 1; i < len(want); i++ {
		if a, b := strings.Index(con, want[i-1]), strings.Index(con, want[i]); a < 0 || b < a {
			t.Fatalf("console lacks %q before %q:\n%s", want[i-1], want[i], con)
		}
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", cmd.Process.Pid, cmd.Process.Pid))
	var initPid int
	if _, serr := fmt.Sscan(string(b), &initPid); err != nil || serr != nil {
		t.Fatalf("init not found: %v %v", err, serr)
	}
	if err := syscall.Kill(initPid, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-done:
	case <-ctx.Done():
		t.Fatalf("namespace still there after SIGTERM:\n%s", console.String())
	}
	ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ws.Signaled() || ws.Signal() != syscall.SIGINT {
		t.Errorf("unshare ended with %v, want killed by SIGINT", cmd.ProcessState)
	}
	waitFor(t, time.Second, &console, "sysmaster-init: SIGTERM: poweroff requested\nsysmaster-init: final stage: poweroff\n")
}

func waitFor(t *testing.T, timeout time.Duration, console *syncBuffer, want string) {
	t.Helper()
	for deadline := time.Now().Add(timeout); !strings.Contains(console.String(), want); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("console lacks %q after %v:\n%s", want, timeout, console.String())
		}
	}
}

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

// The check a running init makes before re-executing a new binary: it answers, as any pid, with its version and
// the state format it reads.
func TestCheckFlag(t *testing.T) {
	t.Parallel()
	out, err := exec.Command(build(t), "--sysmaster-init-check").CombinedOutput()
	if err != nil || string(out) != "sysmaster-init dev state-formats=1\n" {
		t.Fatalf("%q, %v", out, err)
	}
}
