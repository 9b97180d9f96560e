package harness

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// SystemdBinary is where Debian keeps systemd's PID 1; it is there even on a machine that does not run it.
const SystemdBinary = "/lib/systemd/systemd"

// Systemd is systemd 252 running as PID 1 of a fresh PID+mount namespace, for benchmarks that measure sysmaster
// beside it in the same run. Its units come from one directory (SYSTEMD_UNIT_PATH), it runs in container mode
// (container=sysmaster-bench: no hardware, no TTYs, no journal), and it has a cgroup subtree of its own, like a
// System.
type Systemd struct {
	t       testing.TB
	Units   string // the unit directory
	InitPid int    // systemd's pid as seen from the test
	cmd     *exec.Cmd
	console *syncBuffer
	exited  chan struct{}
}

// HaveSystemd reports whether systemd's binary is installed.
func HaveSystemd() bool {
	_, err := os.Stat(SystemdBinary)
	return err == nil
}

// StartSystemd boots systemd with units (name → content; a name with a slash, such as "x.target.wants/y.service",
// is a symlink to the unit named by its last element) and unit as its default target. It returns once systemctl
// answers; the system is killed when the test ends.
func StartSystemd(t testing.TB, units map[string]string, unit string) *Systemd {
	t.Helper()
	s := &Systemd{t: t, Units: t.TempDir(), console: &syncBuffer{}, exited: make(chan struct{})}
	for name, content := range units {
		path := filepath.Join(s.Units, name)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		var err error
		if strings.Contains(name, "/") {
			err = os.Symlink(filepath.Join(s.Units, filepath.Base(name)), path)
		} else {
			err = os.WriteFile(path, []byte(content), 0o644)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	script := `set -e
for f in $CGROUP_PROCS; do echo 0 > "$f"; done
mount -t tmpfs -o mode=755 tmpfs /run
exec "$@"`
	args := []string{"--pid", "--mount", "--fork", "--kill-child", "/bin/sh", "-c", script, "sh",
		SystemdBinary, "--system", "--unit=" + unit, "--log-target=console", "--log-level=notice", "--show-status=no"}
	s.cmd = exec.Command("unshare", args...)
	s.cmd.Env = append(os.Environ(), "CGROUP_PROCS="+strings.Join(cgroupRoot(t), " "), "SYSTEMD_UNIT_PATH="+s.Units,
		"container=sysmaster-bench")
	s.cmd.Stdout, s.cmd.Stderr = s.console, s.console
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("harness: unshare: %v", err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(s.Kill)
	s.InitPid = childPid(t, s.cmd.Process.Pid, s.console)
	deadline := time.Now().Add(15 * time.Second)
	for {
		if _, _, code := s.Ctl("is-system-running"); code >= 0 && s.pid1IsSystemd() {
			if _, _, code := s.Ctl("show", "-p", "Version"); code == 0 {
				return s
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("harness: systemd never answered; console:\n%s", s.console.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// pid1IsSystemd reports whether the namespace's PID 1 has become systemd (it starts as the shell above).
func (s *Systemd) pid1IsSystemd() bool { return commOf(s.InitPid) == "systemd" }

// Ctl runs the host's systemctl inside the namespace.
func (s *Systemd) Ctl(args ...string) (stdout, stderr string, code int) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	ns := []string{"-t", strconv.Itoa(s.InitPid), "-m", "-p", "--", "systemctl", "--no-pager"}
	cmd := exec.CommandContext(ctx, "nsenter", append(ns, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

// Console is what systemd printed.
func (s *Systemd) Console() string { return s.console.String() }

// Kill ends the namespace: SIGKILL to its PID 1 takes every process in it.
func (s *Systemd) Kill() {
	select {
	case <-s.exited:
		return
	default:
	}
	_ = syscall.Kill(s.InitPid, syscall.SIGKILL)
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// childPid waits for the first child of pid (the namespace's PID 1 under unshare) and returns it.
func childPid(t testing.TB, pid int, console *syncBuffer) int {
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/task/" + strconv.Itoa(pid) + "/children")
		if err == nil {
			if f := strings.Fields(string(b)); len(f) > 0 {
				child, _ := strconv.Atoi(f[0])
				return child
			}
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("harness: PID 1 never appeared; console:\n%s", console.String())
	return 0
}
