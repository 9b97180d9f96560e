package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// These tests use the real kernel, as root. Each makes a sub-root of its own below the test process's cgroup, in
// every hierarchy, and removes it.

func needRoot(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
}

// subRoot returns a fresh hierarchy below h's root, removed (after killing what is left) when the test ends.
func subRoot(t *testing.T, h *Hierarchy) *Hierarchy {
	t.Helper()
	name := fmt.Sprintf("sysmaster-test-%s-%d", strings.ReplaceAll(t.Name(), "/", "-"), os.Getpid())
	sub, err := h.Sub(name)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		sub.Close()
		if _, err := h.Kill(name, unix.SIGKILL); err != nil {
			t.Error(err)
		}
		waitFor(t, "the sub-root to empty", func() bool { p, _ := h.Populated(name); return !p })
		if err := h.Remove(name); err != nil {
			t.Error(err)
		}
		for _, d := range h.dirs() {
			if _, err := os.Stat(filepath.Join(d.path, name)); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("%s left behind: %v", filepath.Join(d.path, name), err)
			}
		}
	})
	return sub
}

// detected is the hierarchy of this machine, rooted at the test process's cgroup.
func detected(t *testing.T) *Hierarchy {
	t.Helper()
	needRoot(t)
	h, err := Detect()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// unified is a pure cgroup v2 hierarchy: the system's in Unified mode, the controller-less one of Hybrid mode.
func unified(t *testing.T) *Hierarchy {
	t.Helper()
	h := detected(t)
	if h.Mode() == Unified {
		return h
	}
	if h.Mode() != Hybrid {
		t.Skip("no cgroup2 hierarchy")
	}
	h, err := Open("/sys/fs/cgroup/unified")
	if err != nil {
		t.Fatal(err)
	}
	if h.Mode() != Unified {
		t.Fatalf("/sys/fs/cgroup/unified opened as %v", h.Mode())
	}
	return h
}

func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(5 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
	}
}

// start runs script with sh after the shell joined the unit through ProcsFiles, as the executor does between
// fork and exec, and waits until the tracking hierarchy lists it. Tests alone may Wait; the core has one reaper.
func start(t *testing.T, h *Hierarchy, unit, script string) *exec.Cmd {
	t.Helper()
	files := h.ProcsFiles(unit)
	if len(files) == 0 {
		t.Fatalf("no cgroup.procs for %s", unit)
	}
	cmd := exec.Command("sh", append([]string{"-c", `for f; do echo 0 > "$f" || exit 111; done; ` + script, "sh"}, files...)...)
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	waitFor(t, "the process to join its cgroup", func() bool {
		pids, err := h.Pids(unit)
		return err == nil && slices.Contains(pids, cmd.Process.Pid)
	})
	return cmd
}

// lifecycle runs a unit through Create, join, Pids, Populated, Kill, Remove.
func lifecycle(t *testing.T, h *Hierarchy) {
	unit := "test.slice/life.service"
	if err := h.Create(unit, Settings{}); err != nil {
		t.Fatal(err)
	}
	if p, err := h.Populated(unit); err != nil || p {
		t.Fatalf("fresh cgroup populated=%v, %v", p, err)
	}
	cmd := start(t, h, unit, "sleep 100 & exec sleep 100")
	waitFor(t, "the shell's child", func() bool { pids, _ := h.Pids(unit); return len(pids) == 2 })
	for _, f := range h.ProcsFiles(unit) {
		b, err := os.ReadFile(f)
		if err != nil || !strings.Contains(string(b), fmt.Sprint(cmd.Process.Pid)) {
			t.Errorf("%s does not list %d: %q %v", f, cmd.Process.Pid, b, err)
		}
	}
	if p, err := h.Populated(unit); err != nil || !p {
		t.Fatalf("Populated=%v, %v with processes in it", p, err)
	}
	if p, err := h.Populated("test.slice"); err != nil || !p {
		t.Fatalf("the slice: Populated=%v, %v with processes below it", p, err)
	}
	if err := h.Remove(unit); err == nil {
		t.Fatal("Remove of a populated cgroup succeeded")
	}
	st, err := h.Stats(unit)
	if err != nil || st.TasksCurrent != 2 {
		t.Errorf("Stats %+v, %v; want 2 tasks", st, err)
	}
	if h.unified != nil && (st.CPUUsageNSec == Infinity || st.CPUUsageNSec == 0) {
		t.Errorf("Stats %+v: no CPU time with a cgroup2 hierarchy", st)
	}
	n, err := h.Kill(unit, unix.SIGTERM)
	if err != nil || n != 2 {
		t.Fatalf("Kill signalled %d, %v; want 2", n, err)
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGTERM {
		t.Fatalf("main process ended with %v, want SIGTERM", err)
	}
	// The background sleep was re-parented (to init): its exit is not ours to reap.
	waitFor(t, "the cgroup to empty", func() bool { p, _ := h.Populated(unit); return !p })
	if pids, err := h.Pids(unit); err != nil || len(pids) != 0 {
		t.Errorf("Pids %v, %v after the kill", pids, err)
	}
	if err := h.Remove(unit); err != nil {
		t.Fatal(err)
	}
	if err := h.Remove("test.slice"); err != nil {
		t.Fatal(err)
	}
	if files := h.ProcsFiles(unit); len(files) != 0 {
		t.Errorf("ProcsFiles %v after Remove", files)
	}
	if n, err := h.Kill(unit, unix.SIGKILL); n != 0 || err != nil {
		t.Errorf("Kill of a removed unit: %d, %v", n, err)
	}
	if p, err := h.Populated(unit); p || err != nil {
		t.Errorf("Populated of a removed unit: %v, %v", p, err)
	}
	if err := h.Update(unit, Settings{}); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Update of a removed unit: %v", err)
	}
}

func TestLifecycle(t *testing.T) {
	h := subRoot(t, detected(t))
	t.Logf("mode %v, root %s", h.Mode(), h.Root())
	lifecycle(t, h)
}

func TestLifecycleUnified(t *testing.T) {
	lifecycle(t, subRoot(t, unified(t)))
}

// TestWatchUnified checks that inotify on cgroup.events tells of emptiness, and that SIGKILL goes through
// cgroup.kill.
func TestWatchUnified(t *testing.T) {
	watchEmpty(t, subRoot(t, unified(t)))
}

func watchEmpty(t *testing.T, h *Hierarchy) {
	unit := "w.service"
	if err := h.Create(unit, Settings{}); err != nil {
		t.Fatal(err)
	}
	if files := h.ProcsFiles(unit); len(files) != 1 {
		t.Fatalf("ProcsFiles %v, want one file on v2", files)
	}
	empty := make(chan struct{}, 16)
	stop, err := h.Watch(unit, func() { empty <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	cmd := start(t, h, unit, "sleep 100 & sleep 100 & exec sleep 100")
	waitFor(t, "three processes", func() bool { pids, _ := h.Pids(unit); return len(pids) == 3 })
	select {
	case <-empty:
		t.Fatal("emptiness reported while populated")
	default:
	}
	if n, err := h.Kill(unit, unix.SIGKILL); err != nil || n != 3 {
		t.Fatalf("Kill: %d, %v", n, err)
	}
	_ = cmd.Wait()
	select {
	case <-empty:
	case <-time.After(10 * time.Second):
		t.Fatal("no emptiness event")
	}
	if p, err := h.Populated(unit); err != nil || p {
		t.Fatalf("Populated=%v, %v after the event", p, err)
	}
	if err := h.Remove(unit); err != nil {
		t.Fatal(err)
	}
}

func TestWatchAll(t *testing.T) {
	h := subRoot(t, detected(t))
	unit := "w.service"
	if err := h.Create(unit, Settings{}); err != nil {
		t.Fatal(err)
	}
	empty := make(chan struct{}, 16)
	_, err := h.Watch(unit, func() { empty <- struct{}{} })
	if h.Mode() == Legacy {
		if !errors.Is(err, errors.ErrUnsupported) {
			t.Fatalf("Watch in Legacy mode: %v", err)
		}
		return
	}
	if err != nil {
		t.Fatal(err)
	}
	cmd := start(t, h, unit, "exec sleep 100")
	if _, err := h.Kill(unit, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	select {
	case <-empty:
	case <-time.After(10 * time.Second):
		t.Fatal("no emptiness event")
	}
	if err := h.Remove(unit); err != nil {
		t.Fatal(err)
	}
}

// TestKillCatchesForks signals a shell that forks a new child every few milliseconds, with a signal it ignores:
// Kill must go on until a pass finds no new process, so the count covers more than the first listing.
func TestKillCatchesForks(t *testing.T) {
	h := subRoot(t, detected(t))
	unit := "forker.service"
	if err := h.Create(unit, Settings{}); err != nil {
		t.Fatal(err)
	}
	start(t, h, unit, `trap "" USR1; while :; do sleep 100 & done`)
	waitFor(t, "some children", func() bool { pids, _ := h.Pids(unit); return len(pids) > 20 })
	if _, err := h.Kill(unit, unix.SIGUSR1); err == nil {
		t.Log("SIGUSR1 passes converged")
	}
	// SIGSTOP first: a stopped shell forks no more, so SIGKILL converges in a loop on v1 too.
	if _, err := h.Kill(unit, unix.SIGSTOP); err != nil {
		t.Logf("SIGSTOP: %v", err)
	}
	if _, err := h.Kill(unit, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the cgroup to empty", func() bool { p, _ := h.Populated(unit); return !p })
	if err := h.Remove(unit); err != nil {
		t.Fatal(err)
	}
}

// TestTasksMax runs a fork bomb under TasksMax=32: pids.current never passes 32 and the kernel refuses forks.
func TestTasksMax(t *testing.T) {
	h := subRoot(t, detected(t))
	unit := "bomb.service"
	if err := h.Create(unit, Settings{TasksMax: 32}); err != nil {
		t.Fatal(err)
	}
	cur, events := pidsFiles(t, h, unit)
	if b, err := os.ReadFile(filepath.Join(filepath.Dir(cur), "pids.max")); err != nil || strings.TrimSpace(string(b)) != "32" {
		t.Fatalf("pids.max %q, %v", b, err)
	}
	// The bomb runs in a subshell, which exits at the first refused fork; the main process stays.
	start(t, h, unit, `(i=0; while [ $i -lt 300 ]; do sleep 100 & i=$((i+1)); done) 2>/dev/null & exec sleep 100`)
	peak := uint64(0)
	for end := time.Now().Add(1500 * time.Millisecond); time.Now().Before(end); {
		n, err := readUint(cur)
		if err != nil {
			t.Fatal(err)
		}
		peak = max(peak, n)
		if n > 32 {
			t.Fatalf("pids.current %d > 32", n)
		}
	}
	refused, err := readKey(events, "max")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("peak %d tasks, %d forks refused", peak, refused)
	if peak < 30 || refused == 0 {
		t.Fatalf("the bomb never hit the limit: peak %d, refused %d", peak, refused)
	}
	if st, err := h.Stats(unit); err != nil || st.TasksCurrent > 32 || st.TasksCurrent < 30 {
		t.Errorf("Stats %+v, %v", st, err)
	}
	if err := h.Update(unit, Settings{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(filepath.Dir(cur), "pids.max")); strings.TrimSpace(string(b)) != "max" {
		t.Errorf("pids.max %q after Update without TasksMax, want max", b)
	}
	if _, err := h.Kill(unit, unix.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the cgroup to empty", func() bool { p, _ := h.Populated(unit); return !p })
	if err := h.Remove(unit); err != nil {
		t.Fatal(err)
	}
}

// pidsFiles returns the unit's pids.current and pids.events, skipping when the system has no pids controller.
func pidsFiles(t *testing.T, h *Hierarchy, unit string) (string, string) {
	t.Helper()
	var d string
	if h.Mode() == Unified {
		d = filepath.Join(h.unified.path, unit)
	} else if h.v1["pids"] != nil {
		d = filepath.Join(h.v1["pids"].path, unit)
	}
	if d == "" || !exists(filepath.Join(d, "pids.current")) {
		t.Skip("no pids controller")
	}
	return filepath.Join(d, "pids.current"), filepath.Join(d, "pids.events")
}

// TestMemoryMax runs a process that allocates 200 MB under MemoryMax=32M: the OOM killer kills it, and OOMKills
// counts it.
func TestMemoryMax(t *testing.T) {
	h := subRoot(t, detected(t))
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	unit := "hog.service"
	if err := h.Create(unit, Settings{MemoryMax: 32 << 20, MemoryHigh: 24 << 20}); err != nil {
		t.Fatal(err)
	}
	n, err := h.OOMKills(unit)
	if errors.Is(err, errors.ErrUnsupported) {
		t.Skip("no memory controller")
	}
	if err != nil || n != 0 {
		t.Fatalf("OOMKills %d, %v before anything ran", n, err)
	}
	limit, soft := "memory.max", "memory.high"
	d := filepath.Join(h.unified.path, unit)
	if h.Mode() != Unified {
		limit, soft = "memory.limit_in_bytes", "memory.soft_limit_in_bytes"
		d = filepath.Join(h.v1["memory"].path, unit)
	}
	for f, want := range map[string]string{limit: "33554432", soft: "25165824"} {
		if b, err := os.ReadFile(filepath.Join(d, f)); err != nil || strings.TrimSpace(string(b)) != want {
			t.Errorf("%s: %q, %v; want %s", f, b, err, want)
		}
	}
	cmd := start(t, h, unit, `exec python3 -c 'import time; x = bytearray(b"x") * (200 << 20); time.sleep(1)'`)
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("the hog ended with %v, want SIGKILL", err)
	}
	if n, err := h.OOMKills(unit); err != nil || n < 1 {
		t.Fatalf("OOMKills %d, %v; want ≥ 1", n, err)
	}
	if err := h.Update(unit, Settings{}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(filepath.Join(d, limit)); strings.TrimSpace(string(b)) == "33554432" {
		t.Errorf("%s still %q after Update without MemoryMax", limit, b)
	}
	if err := h.Remove(unit); err != nil {
		t.Fatal(err)
	}
}

// TestUpdateJoinsNewHierarchy checks that on v1 a setting added by Update brings the unit's running processes
// into the controller hierarchy it needs.
func TestUpdateJoinsNewHierarchy(t *testing.T) {
	h := subRoot(t, detected(t))
	if h.Mode() == Unified || h.v1["cpu"] == nil || h.track == h.v1["cpu"] {
		t.Skip("needs a v1 cpu hierarchy apart from the tracking one")
	}
	unit := "late.service"
	if err := h.Create(unit, Settings{}); err != nil {
		t.Fatal(err)
	}
	before := len(h.ProcsFiles(unit))
	cmd := start(t, h, unit, "exec sleep 100")
	if err := h.Update(unit, Settings{CPUWeight: 200}); err != nil {
		t.Fatal(err)
	}
	if got := len(h.ProcsFiles(unit)); got != before+1 {
		t.Errorf("%d cgroup.procs after Update, want %d", got, before+1)
	}
	pids, err := readProcs(filepath.Join(h.v1["cpu"].path, unit, "cgroup.procs"))
	if err != nil || !slices.Contains(pids, cmd.Process.Pid) {
		t.Errorf("cpu hierarchy lists %v, %v; want %d", pids, err, cmd.Process.Pid)
	}
}

// TestSettingsFiles checks what Create writes for each setting, where the controller exists.
func TestSettingsFiles(t *testing.T) {
	h := subRoot(t, detected(t))
	unit := "a.slice/s.service"
	s := Settings{CPUQuotaPerSecUSec: 200000, CPUWeight: 200, TasksMax: Infinity, IOWeight: 50, MemoryMax: Infinity}
	if err := h.Create(unit, s); err != nil {
		t.Fatal(err)
	}
	check := func(d, file, want string) {
		t.Helper()
		p := filepath.Join(d, unit, file)
		if !exists(p) {
			t.Logf("%s: no such file here", p)
			return
		}
		b, err := os.ReadFile(p)
		if err != nil || strings.TrimSpace(string(b)) != want {
			t.Errorf("%s: %q, %v; want %q", p, b, err, want)
		}
	}
	if h.Mode() == Unified {
		d := h.unified.path
		check(d, "cpu.max", "20000 100000")
		check(d, "cpu.weight", "200")
		check(d, "pids.max", "max")
		check(d, "memory.max", "max")
		check(d, "io.weight", "default 50")
		return
	}
	if c := h.v1["cpu"]; c != nil {
		check(c.path, "cpu.cfs_quota_us", "20000")
		check(c.path, "cpu.cfs_period_us", "100000")
		check(c.path, "cpu.shares", "2048")
		if err := h.Update(unit, Settings{}); err != nil {
			t.Fatal(err)
		}
		check(c.path, "cpu.cfs_quota_us", "-1")
		check(c.path, "cpu.shares", "1024")
	}
	if p := h.v1["pids"]; p != nil {
		check(p.path, "pids.max", "max")
	}
	if b := h.v1["blkio"]; b != nil {
		check(b.path, "blkio.weight", "250")
	}
}

// TestEnterInitScope moves a process (standing in for the core) into the root's init.scope on v2.
func TestEnterInitScope(t *testing.T) {
	h := subRoot(t, unified(t))
	cmd := exec.Command("sleep", "100")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	if err := h.moveToInitScope(cmd.Process.Pid); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cgroup", cmd.Process.Pid))
	if err != nil || !strings.Contains(string(b), "0::"+h.Root()+"/init.scope\n") {
		t.Fatalf("/proc/pid/cgroup %q, %v; want %s/init.scope", b, err, h.Root())
	}
	if err := h.Create("init.scope", Settings{}); err == nil {
		t.Error("a unit named init.scope was accepted")
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if err := os.Remove(filepath.Join(h.unified.path, initScope)); err != nil {
		t.Error(err)
	}
}

// TestFreshCgroup2Mount mounts cgroup2 on a temporary directory in a mount namespace of its own (a re-run of
// this test under unshare -m) and runs a unit's life there: Open finds the mount through mountinfo wherever it is.
func TestFreshCgroup2Mount(t *testing.T) {
	if dir := os.Getenv("SYSMASTER_CGROUP2_AT"); dir != "" {
		if err := unix.Mount("cgroup2", dir, "cgroup2", 0, ""); err != nil {
			t.Fatal(err)
		}
		h, err := Open(dir)
		if err != nil {
			t.Fatal(err)
		}
		if h.Mode() != Unified || !strings.HasPrefix(h.unified.path, dir) {
			t.Fatalf("%s opened as %v at %s", dir, h.Mode(), h.unified.path)
		}
		t.Logf("root %s at %s", h.Root(), h.unified.path)
		lifecycle(t, subRoot(t, h))
		watchEmpty(t, subRoot(t, h))
		return
	}
	needRoot(t)
	if _, err := exec.LookPath("unshare"); err != nil {
		t.Skip("no unshare")
	}
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", os.Args[0],
		"-test.run", "^TestFreshCgroup2Mount$", "-test.count", "1", "-test.v")
	cmd.Env = append(os.Environ(), "SYSMASTER_CGROUP2_AT="+t.TempDir())
	out, err := cmd.CombinedOutput()
	t.Logf("helper:\n%s", out)
	if err != nil || !strings.Contains(string(out), "--- PASS: TestFreshCgroup2Mount") {
		t.Fatalf("helper in its own mount namespace: %v", err)
	}
}

// TestDelegate checks that a delegated unit gets every controller: on v1 a directory in each controller
// hierarchy, on v2 the controllers the root offers in its cgroup.controllers.
func TestDelegate(t *testing.T) {
	h := subRoot(t, detected(t))
	unit := "d.slice/d.service"
	if err := h.Create(unit, Settings{Delegate: true}); err != nil {
		t.Fatal(err)
	}
	if h.Mode() == Unified {
		avail, _ := readControllers(h.unified.path)
		got, err := readControllers(filepath.Join(h.unified.path, unit))
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range []string{"cpu", "io", "memory", "pids"} {
			if slices.Contains(avail, c) && !slices.Contains(got, c) {
				t.Errorf("controller %s not handed to the delegated unit (it has %v)", c, got)
			}
		}
		return
	}
	for _, c := range []string{"cpu", "blkio", "memory", "pids"} {
		if d := h.v1[c]; d != nil && !exists(filepath.Join(d.path, unit)) {
			t.Errorf("no %s cgroup for the delegated unit", c)
		}
	}
	// What the service makes below its cgroup is removed with it.
	if err := os.Mkdir(filepath.Join(h.track.path, unit, "child"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := h.Remove("d.slice"); err != nil {
		t.Fatal(err)
	}
}

// WatchOOM hears of an OOM kill of a process in the unit that the watcher did not start or wait for.
func TestWatchOOM(t *testing.T) {
	h := subRoot(t, detected(t))
	if _, err := exec.LookPath("python3"); err != nil {
		t.Skip("no python3")
	}
	unit := "oomwatch.service"
	if err := h.Create(unit, Settings{MemoryMax: 32 << 20}); err != nil {
		t.Fatal(err)
	}
	if _, err := h.OOMKills(unit); errors.Is(err, errors.ErrUnsupported) {
		t.Skip("no memory controller")
	}
	called := make(chan struct{}, 16)
	stop, err := h.WatchOOM(unit, func() { called <- struct{}{} })
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	// The victim is a grandchild: a shell runs python3 and outlives it.
	cmd := start(t, h, unit, `python3 -c 'x = bytearray(b"x") * (200 << 20)'; exit 0`)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the shell: %v", err)
	}
	deadline := time.After(10 * time.Second)
	for {
		select {
		case <-called:
			if n, err := h.OOMKills(unit); err == nil && n >= 1 {
				return
			}
		case <-deadline:
			n, err := h.OOMKills(unit)
			t.Fatalf("no OOM notice within 10s (OOMKills %d, %v)", n, err)
		}
	}
}

// UnitOf finds a process's unit cgroup from /proc/PID/cgroup.
func TestUnitOf(t *testing.T) {
	h := subRoot(t, detected(t))
	unit := "a.slice/who.service"
	if err := h.Create(unit, Settings{}); err != nil {
		t.Fatal(err)
	}
	cmd := start(t, h, unit, "exec sleep 100")
	if got, ok := h.UnitOf(cmd.Process.Pid); !ok || got != unit {
		t.Errorf("UnitOf(%d) = %q, %v; want %q", cmd.Process.Pid, got, ok, unit)
	}
	if got, ok := h.UnitOf(os.Getpid()); ok {
		t.Errorf("UnitOf(self) = %q: the test is outside the sub-root", got)
	}
}

// TestChildren lists the slices and units a slice holds, and nothing of the core's init.scope.
func TestChildren(t *testing.T) {
	h := subRoot(t, detected(t))
	for _, u := range []string{"a.slice/a-b.slice/x.service", "a.slice/y.service", "z.service"} {
		if err := h.Create(u, Settings{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(h.track.path, initScope), 0o755); err != nil {
		t.Fatal(err)
	}
	for unit, want := range map[string][]string{"": {"a.slice", "z.service"}, "a.slice": {"a-b.slice", "y.service"},
		"a.slice/a-b.slice": {"x.service"}, "z.service": nil, "none.slice": nil} {
		got, err := h.Children(unit)
		if err != nil || !slices.Equal(got, want) {
			t.Errorf("Children(%q) = %q, %v; want %q", unit, got, err, want)
		}
	}
	if _, err := h.Children("../x"); err == nil {
		t.Error("Children left the root")
	}
}
