package harness

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/host/cgroup"
)

// Options describe the system under test.
type Options struct {
	// Units are written to /etc/sysmaster/system: name → content.
	Units map[string]string
	// Links are symlinks created under /etc/sysmaster/system: relative path → target.
	Links map[string]string
	// Config replaces /etc/sysmaster/system.conf when not empty.
	Config string
	// Args are passed to init (and by it to the core), e.g. "sysmaster.unit=rescue.target".
	Args []string
	// FirstBoot hides /etc/machine-id behind an empty file, which makes the boot a first boot.
	FirstBoot bool
	// PrivateRoot gives the system a copy of the installed tree, for a test that replaces binaries in it.
	PrivateRoot bool
	// Generators are executables written to /etc/sysmaster/system-generators: name → content.
	Generators map[string]string
	// Env is added to init's environment, which the core and the generators inherit ("SYSMASTER_FSTAB=…").
	Env []string
	// VarLib is the directory bound over /var/lib/sysmaster (a previous boot's System.VarLib, for a second boot
	// of the same machine); empty means a fresh one.
	VarLib string
	// Tree is the installed tree to run instead of this source tree's (InstallRelease); it is always copied, as
	// with PrivateRoot.
	Tree string
	// PrivateNetwork gives the system a network namespace of its own: udev's broadcasts (netlink group 2) of
	// other systems' udevds do not reach it (the kernel's uevents of block devices still do).
	PrivateNetwork bool
}

// System is one running sysmaster.
type System struct {
	t       testing.TB
	Root    string // installed tree (DESTDIR)
	Etc     string // the directory bound over /etc/sysmaster
	VarLib  string // the directory bound over /var/lib/sysmaster (the random seed, timer stamps), empty at start
	InitPid int    // init's pid as seen from the test
	cmd     *exec.Cmd
	console *syncBuffer
	exited  chan struct{}
	cgroups []string // the directories of the system's cgroup, one per hierarchy
}

// Start boots a system and waits until its control socket answers. It is stopped when the test ends.
func Start(t testing.TB, opts Options) *System {
	t.Helper()
	root := opts.Tree
	if root == "" {
		root = Install(t)
	}
	if opts.PrivateRoot || opts.Tree != "" {
		private := t.TempDir()
		if out, err := exec.Command("cp", "-a", root+"/.", private).CombinedOutput(); err != nil {
			t.Fatalf("harness: copying the installed tree: %v: %s", err, out)
		}
		root = private
	}
	s := &System{t: t, Root: root, Etc: t.TempDir(), VarLib: opts.VarLib, console: &syncBuffer{}, exited: make(chan struct{})}
	if s.VarLib == "" {
		s.VarLib = t.TempDir()
	}
	s.writeEtc(opts)
	for _, d := range []string{"/usr/lib/sysmaster", "/etc/sysmaster", "/var/lib/sysmaster"} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatalf("harness: mount point %s: %v", d, err)
		}
	}
	machineID := ""
	if opts.FirstBoot {
		machineID = filepath.Join(t.TempDir(), "machine-id")
		if err := os.WriteFile(machineID, nil, 0o444); err != nil {
			t.Fatal(err)
		}
	}
	procs := cgroupRoot(t)
	for _, p := range procs {
		s.cgroups = append(s.cgroups, filepath.Dir(p))
	}
	script := `set -e
for f in $CGROUP_PROCS; do echo 0 > "$f"; done
mount -t tmpfs -o mode=755 tmpfs /run
mount --bind "$1" /usr/lib/sysmaster
mount --bind "$2" /etc/sysmaster
[ -z "$3" ] || mount --bind "$3" /etc/machine-id
mount --bind "$4" /var/lib/sysmaster
shift 4
exec /usr/lib/sysmaster/init "$@"`
	ns := []string{"--pid", "--mount", "--fork", "--kill-child"}
	if opts.PrivateNetwork {
		ns = append(ns, "--net")
	}
	args := append(append(ns, "/bin/sh", "-c", script, "sh",
		filepath.Join(root, "usr/lib/sysmaster"), s.Etc, machineID, s.VarLib), opts.Args...)
	s.cmd = exec.Command("unshare", args...)
	s.cmd.Env = append(append(os.Environ(), "CGROUP_PROCS="+strings.Join(procs, " ")), opts.Env...)
	s.cmd.Stdout, s.cmd.Stderr = s.console, s.console
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("harness: unshare: %v", err)
	}
	go func() { s.cmd.Wait(); close(s.exited) }()
	t.Cleanup(s.stop)
	s.InitPid = s.findInit()
	// Until the shell has mounted the namespace's own /run and executed init, sctl entering the namespace would
	// see the host's /run, and a control socket there (a manager run by hand) would answer for this system.
	if !s.WaitFor(15*time.Second, func() bool { return commOf(s.InitPid) == "init" }) {
		t.Fatalf("harness: init never executed; console:\n%s", s.Console())
	}
	if !s.WaitFor(15*time.Second, func() bool { _, _, code := s.Sctl("list-units"); return code == 0 }) {
		t.Fatalf("harness: control socket never answered; console:\n%s", s.Console())
	}
	return s
}

func (s *System) writeEtc(opts Options) {
	conf := opts.Config
	if conf == "" {
		b, err := os.ReadFile(filepath.Join(s.Root, "etc/sysmaster/system.conf"))
		if err != nil {
			s.t.Fatalf("harness: %v", err)
		}
		conf = string(b)
	}
	s.WriteFile("system.conf", conf)
	if err := os.MkdirAll(filepath.Join(s.Etc, "system"), 0o755); err != nil {
		s.t.Fatal(err)
	}
	for name, content := range opts.Units {
		s.WriteFile(filepath.Join("system", name), content)
	}
	for name, content := range opts.Generators {
		s.WriteFile(filepath.Join("system-generators", name), content)
		if err := os.Chmod(filepath.Join(s.Etc, "system-generators", name), 0o755); err != nil {
			s.t.Fatal(err)
		}
	}
	for rel, target := range opts.Links {
		p := filepath.Join(s.Etc, "system", rel)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			s.t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			s.t.Fatal(err)
		}
	}
}

// WriteFile writes a file under the system's /etc/sysmaster (rel is relative to it).
func (s *System) WriteFile(rel, content string) {
	p := filepath.Join(s.Etc, rel)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		s.t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		s.t.Fatal(err)
	}
}

// findInit returns the pid of unshare's child, which becomes init.
// commOf is the command name of pid, "" when it is gone.
func commOf(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
	return strings.TrimSpace(string(b))
}

func (s *System) findInit() int { return childPid(s.t, s.cmd.Process.Pid, s.console) }

// Sctl runs the installed sctl inside the system's namespaces as root.
func (s *System) Sctl(args ...string) (stdout, stderr string, code int) {
	return s.SctlAs(0, args...)
}

// SctlAs runs sctl as uid (and gid = uid).
func (s *System) SctlAs(uid int, args ...string) (stdout, stderr string, code int) {
	return s.Run(uid, "sctl", args...)
}

// Run runs one of the installed commands of /usr/bin (sctl, or its poweroff, reboot and halt links) inside the
// system's namespaces as uid (and gid = uid).
func (s *System) Run(uid int, command string, args ...string) (stdout, stderr string, code int) {
	ns := []string{"-t", strconv.Itoa(s.InitPid), "-m", "-p"}
	if uid != 0 {
		ns = append(ns, "-S", strconv.Itoa(uid), "-G", strconv.Itoa(uid))
	}
	ns = append(ns, "--", filepath.Join(s.Root, "usr/bin", command))
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", append(ns, args...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code = 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

// Show returns one property of a unit, as `sctl show -p NAME --value UNIT` prints it.
func (s *System) Show(unit, prop string) string {
	out, errs, code := s.Sctl("show", "-p", prop, "--value", unit)
	if code != 0 {
		s.t.Fatalf("sctl show -p %s %s: exit %d: %s", prop, unit, code, errs)
	}
	return strings.TrimSuffix(out, "\n")
}

// WaitFor polls cond every 20 ms until it holds or timeout passes.
func (s *System) WaitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		select {
		case <-s.exited:
			return cond()
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// WaitActive waits until unit's ActiveState is want.
func (s *System) WaitActive(unit, want string, timeout time.Duration) {
	s.t.Helper()
	var got, errs string
	if !s.WaitFor(timeout, func() bool {
		// A failing sctl is no answer yet: the core may be starting, its control socket not listening.
		out, e, code := s.Sctl("show", "-p", "ActiveState", "--value", unit)
		got, errs = strings.TrimSuffix(out, "\n"), e
		return code == 0 && got == want
	}) {
		s.t.Fatalf("%s: ActiveState %q, want %q (sctl: %s); console:\n%s", unit, got, want, errs, s.Console())
	}
}

// Console is everything init, the core and the plugins printed so far.
func (s *System) Console() string { return s.console.String() }

// Exited is closed when the namespace has ended.
func (s *System) Exited() <-chan struct{} { return s.exited }

// ExitCode is unshare's exit status once Exited is closed.
func (s *System) ExitCode() int { return s.cmd.ProcessState.ExitCode() }

// ExitSignal is the signal that ended unshare once Exited is closed (unshare --fork passes on the signal that
// ended init: SIGINT when reboot(2) powered the namespace off or halted it, SIGHUP when it rebooted it), or 0.
func (s *System) ExitSignal() syscall.Signal {
	if ws, ok := s.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return ws.Signal()
	}
	return 0
}

// Signal sends sig to init.
func (s *System) Signal(sig syscall.Signal) error {
	if s.InitPid <= 0 {
		// kill(0) would signal the test's own process group.
		return fmt.Errorf("harness: no init to signal")
	}
	return syscall.Kill(s.InitPid, sig)
}

// stop ends the system: SIGTERM to init (an orderly shutdown), then SIGKILL if it takes too long.
func (s *System) stop() {
	select {
	case <-s.exited:
		return
	default:
	}
	if err := s.Signal(syscall.SIGTERM); err != nil {
		_ = s.cmd.Process.Kill() // init never ran: unshare (and, by --kill-child, whatever it started) goes
	}
	select {
	case <-s.exited:
	case <-time.After(10 * time.Second):
		s.t.Logf("harness: system did not stop in 10s, killing it; console:\n%s", s.Console())
		_ = s.cmd.Process.Kill()
		<-s.exited
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and concurrent readers.
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

// ReadFile reads path as processes of the system see it (through /proc/INIT/root, its mount namespace's root).
func (s *System) ReadFile(path string) (string, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(s.InitPid), "root", path))
	return string(b), err
}

var cgroupSeq atomic.Int64

// cgroupRoot gives a system a cgroup subtree of its own in every hierarchy, so that its units' cgroups do not
// meet those of the systems other tests run beside it, and returns the cgroup.procs files its init joins. The
// subtree is removed when the test ends, after the system. Without cgroups it returns nothing.
func cgroupRoot(t testing.TB) []string {
	h, err := cgroup.Detect()
	if err != nil {
		return nil
	}
	name := fmt.Sprintf("sysmaster-test-%d-%d", os.Getpid(), cgroupSeq.Add(1))
	if _, err := h.Sub(name); err != nil {
		t.Fatalf("harness: cgroup: %v", err)
	}
	t.Cleanup(func() {
		for i := 0; i < 50; i++ {
			if h.Remove(name) == nil {
				return
			}
			time.Sleep(20 * time.Millisecond) // the namespace's last processes are still going
		}
		t.Logf("harness: cgroup %s left behind", name)
	})
	return h.ProcsFiles(name)
}

// CPU is the CPU time every process of the system has used so far (init, the core, plugins, units, generators;
// not the commands the test runs in it through nsenter), from its cgroup's accounting: cpu.stat of the unified
// hierarchy, else cpuacct.usage. It is 0 when neither is there. It still counts after the system has ended.
func (s *System) CPU() time.Duration {
	for _, d := range s.cgroups {
		if b, err := os.ReadFile(filepath.Join(d, "cpu.stat")); err == nil {
			for _, l := range strings.Split(string(b), "\n") {
				if v, ok := strings.CutPrefix(l, "usage_usec "); ok {
					us, _ := strconv.ParseInt(v, 10, 64)
					return time.Duration(us) * time.Microsecond
				}
			}
		}
	}
	for _, d := range s.cgroups {
		if b, err := os.ReadFile(filepath.Join(d, "cpuacct.usage")); err == nil {
			ns, _ := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
			return time.Duration(ns)
		}
	}
	return 0
}
