package boot

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"
)

// vm is a running qemu whose serial console is collected.
type vm struct {
	cmd     *exec.Cmd
	mu      sync.Mutex
	console bytes.Buffer
	done    chan struct{}
	err     error
	started time.Time
	stdin   io.WriteCloser // the serial console's input
}

func (v *vm) Write(p []byte) (int, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.console.Write(p)
}

// Console is what the guest printed so far.
func (v *vm) Console() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.console.String()
}

// boot starts qemu (TCG: there is no KVM here; -cpu qemu64 boots 1–2 s faster than max, whose AVX paths are
// slow to emulate) with the kernel, the initramfs, the command line and extra qemu arguments (disks, network);
// the serial console is qemu's stdin and stdout. ctx bounds the whole run: qemu is killed when it ends. The guest
// gets 1 GiB: the initramfs (every plugin binary, each ~13 MB, and the rest of the installed tree) is in memory
// twice while the kernel unpacks it, and 512 MB no longer held it ("Initramfs unpacking failed: write error").
func boot(ctx context.Context, kernel, initrd, cmdline string, extra ...string) (*vm, error) {
	v := &vm{done: make(chan struct{})}
	args := []string{"-machine", "q35", "-accel", "tcg", "-cpu", "qemu64", "-m", "1024", "-smp", "1",
		"-nodefaults", "-no-reboot", "-display", "none", "-serial", "stdio", "-monitor", "none",
		"-kernel", kernel, "-initrd", initrd, "-append", cmdline}
	v.cmd = exec.CommandContext(ctx, "qemu-system-x86_64", append(args, extra...)...)
	v.cmd.Stdout, v.cmd.Stderr = v, v
	var err error
	if v.stdin, err = v.cmd.StdinPipe(); err != nil {
		return nil, err
	}
	v.started = time.Now()
	if err := v.cmd.Start(); err != nil {
		return nil, err
	}
	go func() { v.err = v.cmd.Wait(); close(v.done) }()
	return v, nil
}

// fatal are console lines after which nothing good comes: no point in waiting for the deadline.
var fatal = []string{"Failed to execute /usr/lib/sysmaster/init", "Kernel panic", "can't access tty"}

// waitFor waits until the console contains s and returns when it appeared, relative to the start.
func (v *vm) waitFor(ctx context.Context, s string) (time.Duration, error) {
	for {
		con := v.Console()
		if strings.Contains(con, s) {
			return time.Since(v.started), nil
		}
		for _, f := range fatal {
			if strings.Contains(con, f) {
				return 0, fmt.Errorf("the boot failed (%q) before %q appeared", f, s)
			}
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("timed out waiting for %q", s)
		case <-v.done:
			if strings.Contains(v.Console(), s) {
				return time.Since(v.started), nil
			}
			return 0, fmt.Errorf("qemu exited (%v) before %q appeared", v.err, s)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// waitAfter is waitFor for s appearing after the console's first `from` bytes (an answer to a command typed on
// the serial console, not an earlier line that happens to match).
func (v *vm) waitAfter(ctx context.Context, from int, s string) (string, error) {
	for {
		con := v.Console()
		if i := strings.Index(con[from:], s); i >= 0 {
			return con[from : from+i+len(s)], nil
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("timed out waiting for %q", s)
		case <-v.done:
			if con := v.Console(); strings.Contains(con[from:], s) {
				continue // printed just before qemu ended
			}
			return "", fmt.Errorf("qemu exited (%v) before %q appeared", v.err, s)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// typeLine types line and a newline on the serial console and returns the console's length before it, for
// waitAfter.
func (v *vm) typeLine(line string) (int, error) {
	n := len(v.Console())
	_, err := io.WriteString(v.stdin, line+"\n")
	return n, err
}

// passMilestones waits for each console line of milestones in turn and logs when it appeared; the test fails at
// the first that does not.
func (v *vm) passMilestones(ctx context.Context, t *testing.T, milestones []string) {
	t.Helper()
	for _, m := range milestones {
		at, err := v.waitFor(ctx, m)
		if err != nil {
			t.Fatalf("%v", err)
		}
		t.Logf("%6.2fs  %s", at.Seconds(), m)
	}
}

// logConsoleIfFailed logs the console, its first and last keep bytes when it is longer, once the test has failed;
// each boot test defers it.
func (v *vm) logConsoleIfFailed(t *testing.T, keep int) {
	if !t.Failed() {
		return
	}
	con := v.Console()
	if len(con) > 2*keep {
		con = con[:keep] + "\n…\n" + con[len(con)-keep:]
	}
	t.Logf("console:\n%s", con)
}
