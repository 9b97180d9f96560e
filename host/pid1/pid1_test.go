package pid1

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// (a) init mounts a /proc of its own namespace, and the API file systems that are missing, and the core is its
// child. The namespace starts without /dev/shm and /dev/pts mounted.
func TestInitMountsItsOwnProc(t *testing.T) {
	t.Parallel()
	s := boot(t, bootOpts{mode: "observe", prelude: "for p in /dev/shm /dev/pts; do while mountpoint -q $p; do umount -l $p; done; done"})
	s.waitLog("hello", 10*time.Second)
	log := s.log()
	st := s.starts()
	if len(st) != 1 || st[0].ppid != 1 || !strings.Contains(log, fmt.Sprintf("proc-self=%d ", st[0].pid)) {
		t.Errorf("the core is not a child of pid 1 seeing its own /proc:\n%s", log)
	}
	for _, want := range []string{
		"pid1-comm=init",
		"mount /proc proc rw",
		"mount /dev/shm tmpfs rw",
		"mount /dev/pts devpts rw,",
		"mount /run tmpfs rw",
	} {
		if !strings.Contains(log, want) {
			t.Errorf("core log lacks %q:\n%s", want, log)
		}
	}
	if !strings.Contains(log, "gid=5,mode=620,ptmxmode=666") {
		t.Errorf("devpts options not applied:\n%s", log)
	}
	con := s.console.String()
	for _, want := range []string{"mounted proc on /proc", "mounted tmpfs on /dev/shm", "mounted devpts on /dev/pts", "running in a container"} {
		if !strings.Contains(con, want) {
			t.Errorf("console lacks %q:\n%s", want, con)
		}
	}
	for _, unwanted := range []string{"mounted sysfs", "mounted devtmpfs", "mounted tmpfs on /run", "cannot"} {
		if strings.Contains(con, unwanted) {
			t.Errorf("console has %q (already mounted or failed):\n%s", unwanted, con)
		}
	}
	if !procIsOurs() {
		t.Fatal("the host's /proc changed")
	}
}

// (b) A core killed by SIGKILL is started again at once, as init's child.
func TestCoreRestartedAfterSIGKILL(t *testing.T) {
	t.Parallel()
	s := boot(t, bootOpts{mode: "serve"})
	s.waitLog("ready", 10*time.Second)
	first := s.starts()[0]
	if err := signalPid(s.hostPid(first.pid), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.waitFor("a second core", 10*time.Second, func() bool { return len(s.starts()) == 2 })
	if second := s.starts()[1]; second.ppid != 1 || second.pid == first.pid {
		t.Errorf("second core %+v after %+v", second, first)
	}
	s.waitConsole(fmt.Sprintf("the core (pid %d) ended, code=killed, signal=KILL; restarting it\n", first.pid), time.Second)
	s.waitFor("the second core's hello", 10*time.Second, func() bool { return strings.Count(s.log(), "ready") == 2 })
}

// A core that dies at once again and again is restarted at once, then after 100 ms, 200 ms, 400 ms.
func TestCrashLoopBacksOff(t *testing.T) {
	t.Parallel()
	s := boot(t, bootOpts{mode: "crash"})
	s.waitFor("five starts", 10*time.Second, func() bool { return len(s.starts()) >= 5 })
	st := s.starts()
	for i, min := range []time.Duration{0, 100 * time.Millisecond, 200 * time.Millisecond, 400 * time.Millisecond} {
		if gap := st[i+1].at.Sub(st[i].at); gap < min {
			t.Errorf("start %d came %v after start %d, want at least %v", i+2, gap, i+1, min)
		}
	}
	if gap := st[4].at.Sub(st[3].at); gap > 2*time.Second {
		t.Errorf("the fourth restart waited %v", gap)
	}
	con := s.console.String()
	last := 0
	for i, delay := range []string{"", " in 100ms", " in 200ms", " in 400ms"} {
		want := fmt.Sprintf("the core (pid %d) ended, code=exited, status=1/FAILURE; restarting it%s\n", st[i].pid, delay)
		at := strings.Index(con, want)
		if at < last {
			t.Fatalf("console lacks %q after offset %d:\n%s", want, last, con)
		}
		last = at
	}
}

// (c) Orphans that end while no core is connected reach the next core's hello in the order they ended, with
// their codes and statuses, numbered from 1; later exits come live.
func TestOrphanExitsReachTheNextCore(t *testing.T) {
	t.Parallel()
	s := boot(t, bootOpts{mode: "orphans"})
	s.waitLog("live pid=", 15*time.Second)
	var live int
	for _, line := range strings.Split(s.log(), "\n") {
		fmt.Sscanf(line, "live pid=%d", &live)
	}
	s.waitLog(fmt.Sprintf("exit pid=%d ", live), 10*time.Second)

	log := s.log()
	var want, got []string
	for _, line := range strings.Split(log, "\n") {
		if rest, ok := strings.CutPrefix(line, "orphan "); ok { // "orphan pid=P code=C status=S", in order
			want = append(want, fmt.Sprintf("exit %s seq=%d", rest, len(want)+1))
		}
		if strings.HasPrefix(line, "exit ") || line == "ready" {
			got = append(got, line)
		}
	}
	want = append(want, "ready", fmt.Sprintf("exit pid=%d code=1 status=5 seq=4", live))
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Fatalf("the second core got:\n%s\nwant:\n%s\ncore log:\n%s\nconsole:\n%s",
			strings.Join(got, "\n"), strings.Join(want, "\n"), log, s.console)
	}
	if !strings.Contains(s.console.String(), "the core connected; handing it 3 exits kept for it") {
		t.Errorf("console:\n%s", s.console)
	}
}

// (d) A core that said hello and then stopped its heartbeat gets SIGABRT; as it ignores that, SIGKILL three
// seconds later; then a new core starts, which heartbeats and is left alone.
func TestHungCoreKilledAndRestarted(t *testing.T) {
	t.Parallel()
	s := boot(t, bootOpts{mode: "hang", env: []string{"SYSMASTER_HEARTBEAT_TIMEOUT=1s"}})
	s.waitLog("hung", 10*time.Second)
	s.waitConsole("; sending SIGABRT", 5*time.Second)
	abortAt := time.Now()
	s.waitConsole("is still there 3s after SIGABRT; sending SIGKILL", 6*time.Second)
	if d := time.Since(abortAt); d < 2*time.Second {
		t.Errorf("SIGKILL came %v after SIGABRT", d)
	}
	s.waitFor("a second core", 10*time.Second, func() bool { return len(s.starts()) == 2 })
	s.waitFor("its hello", 10*time.Second, func() bool { return strings.Contains(s.log(), "ready") })
	time.Sleep(2 * time.Second) // two heartbeat timeouts
	if n := strings.Count(s.console.String(), "sending SIGABRT"); n != 1 || len(s.starts()) != 2 {
		t.Errorf("a heartbeating core was taken for hung (%d SIGABRT, %d starts):\n%s", n, len(s.starts()), s.console)
	}
}

// Signals init has no use for are caught and ignored: left to their defaults most would end init (a kernel
// panic on a real boot) or stop it. Afterwards the same core still runs and SIGTERM still shuts down in order.
func TestStraySignalsIgnored(t *testing.T) {
	t.Parallel()
	s := boot(t, bootOpts{mode: "serve"})
	s.waitLog("ready", 10*time.Second)
	// No signal keeps its default action: each is caught or (Go's reserved 32 and 34) ignored. A default action
	// can be fatal even to a namespace's init, when it comes while the runtime blocks signals for a moment.
	var caught, ignored uint64
	status, _ := os.ReadFile(fmt.Sprintf("/proc/%d/status", s.init))
	for _, line := range strings.Split(string(status), "\n") {
		fmt.Sscanf(line, "SigCgt: %x", &caught)
		fmt.Sscanf(line, "SigIgn: %x", &ignored)
	}
	const all = ^uint64(0) &^ (1<<(syscall.SIGKILL-1) | 1<<(syscall.SIGSTOP-1))
	if caught|ignored != all || ignored != 1<<31|1<<33 {
		t.Errorf("init catches %#x and ignores %#x; want every signal but SIGKILL and SIGSTOP (%#x), 32 and 34 ignored", caught, ignored, all)
	}
	stray := []syscall.Signal{ // not SIGUSR2: that re-executes init
		syscall.SIGHUP, syscall.SIGQUIT, syscall.SIGTRAP, syscall.SIGABRT, syscall.SIGUSR1,
		syscall.SIGSEGV, syscall.SIGPIPE, syscall.SIGALRM, syscall.SIGSTKFLT, syscall.SIGTSTP,
		syscall.SIGTTIN, syscall.SIGTTOU, syscall.SIGXCPU, syscall.SIGSYS, syscall.SIGPWR, 32, 33, 34, 40, 64}
	for _, sig := range stray {
		if err := signalPid(s.init, sig); err != nil {
			t.Fatal(err)
		}
	}
	s.waitConsole("SIGRTMIN+30: ignored", 5*time.Second)
	for _, want := range []string{"SIGHUP: ignored", "SIGQUIT: ignored", "SIGSEGV: ignored", "SIGTSTP: ignored"} {
		if !strings.Contains(s.console.String(), want) {
			t.Errorf("console lacks %q:\n%s", want, s.console)
		}
	}
	st, err := readStat(s.init)
	if err != nil || st.comm != "init" {
		t.Fatalf("init gone: %+v %v\nconsole:\n%s", st, err, s.console)
	}
	if b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/stat", s.init)); strings.Contains(string(b), ") T ") {
		t.Fatalf("init stopped: %s", b)
	}
	if err := signalPid(s.init, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if got := s.waitEnd(20 * time.Second); got != syscall.SIGINT {
		t.Errorf("namespace ended by %v", got)
	}
	if len(s.starts()) != 1 || !strings.Contains(s.log(), "shutdown poweroff") {
		t.Errorf("core log:\n%s", s.log())
	}
}

// (e) Each shutdown signal goes through the core, which answers; init ends the namespace with reboot(2), which
// the kernel reports as init killed by SIGINT (power off, halt) or SIGHUP (reboot), and unshare re-raises.
func TestShutdownSignals(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		sig    syscall.Signal
		action string
		ends   syscall.Signal
	}{
		{syscall.SIGTERM, "poweroff", syscall.SIGINT},
		{syscall.SIGINT, "reboot", syscall.SIGHUP},
		{syscall.Signal(sigRTMin + 3), "halt", syscall.SIGINT},
		{syscall.Signal(sigRTMin + 4), "poweroff", syscall.SIGINT},
		{syscall.Signal(sigRTMin + 5), "reboot", syscall.SIGHUP},
	} {
		t.Run(sigName(tc.sig), func(t *testing.T) {
			t.Parallel()
			s := boot(t, bootOpts{mode: "serve"})
			s.waitLog("ready", 10*time.Second)
			if err := signalPid(s.init, tc.sig); err != nil {
				t.Fatal(err)
			}
			if got := s.waitEnd(20 * time.Second); got != tc.ends {
				t.Errorf("namespace ended by %v, want %v", got, tc.ends)
			}
			if !strings.Contains(s.log(), "shutdown "+tc.action+"\n") {
				t.Errorf("the core was not asked to %s:\n%s", tc.action, s.log())
			}
			requireInOrder(t, s.console.String(),
				sigName(tc.sig)+": "+tc.action+" requested",
				"asked the core to "+tc.action,
				"the core is done and exits: "+tc.action,
				"final stage: "+tc.action,
				"sending SIGTERM to every process",
				"syncing",
				"reboot(2): "+tc.action)
		})
	}
}

// The final stage ends what the core left behind: SIGTERM, then SIGKILL for what ignores it.
func TestFinalStageKillsLeftovers(t *testing.T) {
	t.Parallel()
	s := boot(t, bootOpts{mode: "serve", env: []string{"PID1_LEFTOVERS=1"}})
	s.waitLog("ready", 10*time.Second)
	if err := signalPid(s.init, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if got := s.waitEnd(20 * time.Second); got != syscall.SIGINT {
		t.Errorf("namespace ended by %v", got)
	}
	if _, err := os.Stat(filepath.Join(s.dir, "term-seen")); err != nil {
		t.Errorf("the leftover trapping SIGTERM never got it: %v\nconsole:\n%s", err, s.console)
	}
	requireInOrder(t, s.console.String(), "sending SIGTERM to every process", "processes left after 5s; sending SIGKILL", "reboot(2): poweroff")
}

// A core may end the system by itself (sctl poweroff): it hands init the action and exits.
func TestCoreHandsOverItsOwnShutdown(t *testing.T) {
	t.Parallel()
	s := boot(t, bootOpts{mode: "selfshutdown", env: []string{"PID1_ACTION=reboot"}})
	if got := s.waitEnd(20 * time.Second); got != syscall.SIGHUP {
		t.Errorf("namespace ended by %v, want SIGHUP (reboot)", got)
	}
	requireInOrder(t, s.console.String(), "the core is done and exits: reboot", "ended, code=exited, status=0/SUCCESS", "final stage: reboot")
	if len(s.starts()) != 1 {
		t.Errorf("the core was restarted after handing over the shutdown:\n%s\nconsole:\n%s", s.log(), s.console)
	}
}

// Only the core may connect to init.sock: a stranger is turned away and takes nothing.
func TestStrangerRefused(t *testing.T) {
	t.Parallel()
	s := boot(t, bootOpts{mode: "serve"})
	s.waitLog("ready", 10*time.Second)
	sock := fmt.Sprintf("/proc/%d/root/run/sysmaster/init.sock", s.init)
	fi, err := os.Stat(sock)
	if err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("init.sock: %v, %v", fi, err)
	}
	if dir, _ := os.Stat(filepath.Dir(sock)); dir == nil || dir.Mode().Perm() != 0o755 {
		t.Errorf("/run/sysmaster: %v", dir)
	}
	self, _ := os.Executable()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", "-t", strconv.Itoa(s.init), "-m", "-p", "--", self)
	cmd.Env = append(os.Environ(), "PID1_PROBE=stranger")
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.HasPrefix(string(out), "refused") {
		t.Errorf("stranger: %s (%v)", out, err)
	}
	s.waitConsole("refusing a connection to /run/sysmaster/init.sock from pid", 5*time.Second)
	if strings.Count(s.log(), "ready") != 1 {
		t.Errorf("the core's link was disturbed:\n%s", s.log())
	}
}

// Where init's mount namespace is the outer system's, it mounts nothing and stays off /run; it still runs the
// core and ends the PID namespace on SIGTERM. The probe first checks, as PID 1 of such a namespace, that the
// namespace is recognised as shared: only then does the real init run there, so that a wrong answer can never
// mount over the host's /proc.
func TestSharedMountNamespaceMountsNothing(t *testing.T) {
	t.Parallel()
	self, _ := os.Executable()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--pid", "--fork"}, "shared=true "},
		{[]string{"--pid", "--mount", "--fork"}, "shared=false "},
	} {
		cmd := exec.CommandContext(ctx, "unshare", append(tc.args, self)...)
		cmd.Env = append(os.Environ(), "PID1_PROBE=mountns")
		out, err := cmd.CombinedOutput()
		if err != nil || !strings.HasPrefix(string(out), tc.want) {
			t.Fatalf("unshare %v: probe says %q (%v), want %q", tc.args, out, err, tc.want)
		}
	}
	if why, shared := sharedMountNamespace(); !shared {
		t.Fatalf("the test's own mount namespace not taken for the outer one")
	} else if why == "" {
		t.Error("no reason given")
	}
	if _, err := os.Stat("/run/sysmaster/init.sock"); err == nil {
		t.Fatal("/run/sysmaster/init.sock exists on the host before the test")
	}

	s := boot(t, bootOpts{mode: "idle", shared: true})
	s.waitFor("the core", 10*time.Second, func() bool { return len(s.starts()) == 1 })
	if err := signalPid(s.init, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if got := s.waitEnd(20 * time.Second); got != syscall.SIGINT {
		t.Errorf("namespace ended by %v", got)
	}
	con := s.console.String()
	requireInOrder(t, con, "warning: this mount namespace is the outer system's", "mounting nothing", "running in a container",
		"SIGTERM: poweroff requested", "final stage: poweroff", "reboot(2): poweroff")
	if strings.Contains(con, "mounted ") || strings.Contains(con, "unmounting") {
		t.Errorf("init mounted or unmounted something:\n%s", con)
	}
	// init.sock is what init makes in /run/sysmaster (other tests' executors may make /run/sysmaster itself).
	if _, err := os.Stat("/run/sysmaster/init.sock"); err == nil {
		t.Error("init created /run/sysmaster/init.sock on the host")
	}
	if !procIsOurs() {
		t.Fatal("the host's /proc changed")
	}
}

// requireInOrder fails unless every piece occurs in s, each after the one before.
func requireInOrder(t *testing.T, s string, pieces ...string) {
	t.Helper()
	rest := s
	for _, p := range pieces {
		i := strings.Index(rest, p)
		if i < 0 {
			t.Errorf("%q missing or out of order in:\n%s", p, s)
			return
		}
		rest = rest[i+len(p):]
	}
}
