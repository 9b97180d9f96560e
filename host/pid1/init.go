package pid1

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// initd is init's whole state; only Main's loop goroutine touches it.
type initd struct {
	corePath  string
	coreArgs  []string
	container bool
	hbTimeout time.Duration

	core      coreProc
	backoff   backoff
	restart   *time.Timer // starts the core when it fires
	restartAt time.Time   // when it fires (or fired)

	ln    *net.UnixListener // nil when init does not serve init.sock
	link  *link
	msgs  chan linkMsg
	exits exitQueue
	seq   uint64      // Seq of the last exit queued
	retry *time.Timer // flushes again when the core's socket was full
	store *fdStore    // descriptors kept for the core

	prev      *link     // the core's connection before link, read to its end for acks
	prevUntil time.Time // then it is closed, read or not

	reexecing bool // a re-execution is being prepared: requests meanwhile are ignored

	requested  string           // action a signal asked of init
	final      string           // action the core handed over before exiting
	exitStatus int              // init's exit status for the final action exit (systemd's ExitCode)
	deadline   <-chan time.Time // end of the wait for the core to bring the system down
	deadlineAt time.Time
	now        bool // go to the final stage without waiting for the core
}

// Version is init's version, set at build time (-ldflags "-X github.com/sysmaster/sysmaster/host/pid1.Version=…");
// init logs it when it starts and when it re-executes itself.
var Version = "dev"

// init keeps the main goroutine, which runs Main's loop, on the main thread: the kernel keeps a parent-death
// signal (a container runtime's, unshare --kill-child's) on the thread that set it, and execve from another
// thread, when init re-executes itself, would lose it.
func init() { runtime.LockOSThread() }

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "sysmaster-init: "+format+"\n", args...)
}

// Main is init; args (what the kernel did not understand on its command line) are passed on to the core. Main
// returns only when it must not run (it is not PID 1) and in a container whose namespace reboot(2) did not end;
// cmd/init exits with what it returns.
func Main(args []string) int {
	if len(args) == 1 && args[0] == checkFlag {
		fmt.Printf("sysmaster-init %s state-formats=%d\n", Version, stateFormat)
		return 0
	}
	if os.Getpid() != 1 {
		logf("refusing to run as pid %d: init must be PID 1, started by the kernel or as the first process "+
			"of a PID namespace (unshare --pid --mount --fork)", os.Getpid())
		return 1
	}
	noteUserspaceStart()
	lean()
	chld, ctl, other := catchSignals()
	var s *initd
	var acceptable <-chan struct{}
	if len(args) == 1 && strings.HasPrefix(args[0], stateFlag) {
		var err error
		if s, acceptable, err = resume(strings.TrimPrefix(args[0], stateFlag)); err != nil {
			logf("re-executed, but cannot resume: %v; starting afresh", err)
			closeInherited()
			s, args = nil, nil
		}
	}
	if s == nil {
		ensureConsole()
		private := mountAPI()
		ensureConsole() // again: /dev/console may exist only now that /dev is mounted
		s = newInitd(args)
		if !s.container {
			safely("setting the machine up", bootSetup)
		}
		if private {
			var err error
			if s.ln, acceptable, err = listen(); err != nil {
				logf("cannot serve %s: %v; exits will not reach the core", initproto.SocketPath, err)
			}
		}
	}
	tick := time.NewTicker(watchdogTick(s.hbTimeout))
	defer tick.Stop()
	// Reaping, a core's start, its connection and its messages are the bursts after which init gives memory back.
	trim := newTrimmer()
	for !s.now && !(s.core.pid == 0 && s.shuttingDown()) {
		select {
		case <-chld:
			trim.touch()
			safely("reaping", s.reap)
		case sig := <-ctl:
			safely("shutdown", func() { s.shutdownSignal(sig) })
		case sig := <-other:
			if sig == unix.SIGUSR2 {
				safely("re-executing", func() { s.reexec("SIGUSR2") })
			} else if _, ours := shutdownSignals[sig]; !ours && !quietSignals[sig] {
				logf("%s: ignored", sigName(sig))
			}
		case <-acceptable:
			trim.touch()
			safely("accepting the core", s.acceptPending)
		case lm := <-s.msgs:
			if endsBurst(lm) {
				trim.touch()
			}
			safely("reading from the core", func() { s.handle(lm) })
		case <-s.retry.C:
			safely("writing to the core", s.flush)
		case <-s.restart.C:
			trim.touch()
			safely("starting the core", s.startCore)
		case <-tick.C:
			safely("watchdog", s.watchdog)
		case <-s.deadline:
			logf("the core did not finish the shutdown within %v; going on without it", shutdownWait)
			s.now = true
		}
	}
	trim.stop()
	finalStage(s.action(), s.container)
	// Only exit in a container comes back here by design (systemd-shutdown's "Exiting container."): the
	// namespace ends with init's status, the ExitCode set by sctl exit N. Anything else came back because
	// reboot(2) was refused.
	if s.action() == "exit" {
		return s.exitStatus
	}
	return 0
}

// newInitd sets init up for the loop: a container or a real boot, the core to start at once, the heartbeat
// timeout.
func newInitd(args []string) *initd {
	s := baseInitd(args, InContainer())
	s.restart, s.restartAt = time.NewTimer(0), time.Now() // the first start is at once
	if s.container {
		logf("version %s running in a container; the core is %s", Version, s.corePath)
		return s
	}
	logf("version %s running on a real boot; the core is %s", Version, s.corePath)
	// ctrl-alt-del then sends init SIGINT instead of resetting the machine at once.
	if err := unix.Reboot(unix.LINUX_REBOOT_CMD_CAD_OFF); err != nil {
		logf("cannot turn ctrl-alt-del into SIGINT: %v", err)
	}
	return s
}

// baseInitd is what a fresh init and a re-executed one set up alike; the restart timer is left to them.
func baseInitd(args []string, container bool) *initd {
	s := &initd{
		coreArgs:  args,
		container: container,
		hbTimeout: initproto.HeartbeatTimeout,
		corePath:  corePath(),
		msgs:      make(chan linkMsg, 64),
		retry:     time.NewTimer(time.Hour),
		store:     newFdStore(storeLimit(nofileLimit())),
	}
	if d, err := heartbeatTimeout(os.Getenv("SYSMASTER_HEARTBEAT_TIMEOUT")); err != nil {
		logf("%v; using %v", err, s.hbTimeout)
	} else if d > 0 {
		s.hbTimeout = d
	}
	return s
}

// heartbeatTimeout parses SYSMASTER_HEARTBEAT_TIMEOUT: zero when unset.
func heartbeatTimeout(v string) (time.Duration, error) {
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("pid1: SYSMASTER_HEARTBEAT_TIMEOUT=%q is not a positive duration", v)
	}
	return d, nil
}

// corePath is the core binary: SYSMASTER_CORE, else sysmaster beside init's own executable.
func corePath() string {
	if p := os.Getenv("SYSMASTER_CORE"); p != "" {
		return p
	}
	self, err := os.Executable()
	if err != nil {
		self = "/usr/lib/sysmaster/init"
	}
	return filepath.Join(filepath.Dir(self), "sysmaster")
}

// safely runs one step of the loop; a panic in it is logged and init carries on with the next event, since
// PID 1 must not die of a bug.
func safely(what string, f func()) {
	defer func() {
		if r := recover(); r != nil {
			logf("internal error while %s: %v\n%s", what, r, debug.Stack())
		}
	}()
	f()
}

// Fatal is for cmd/init's last-resort recover: a container's init exits, ending the namespace; a real boot's
// freezes, reaping forever, since PID 1 exiting panics the kernel.
func Fatal(r any) {
	logf("internal error: %v\n%s", r, debug.Stack())
	if InContainer() {
		os.Exit(255)
	}
	freeze()
}

// ensureConsole gives every one of fds 0–2 that the kernel left closed the console (or /dev/null), so that init
// can log and the core inherits valid descriptors.
func ensureConsole() {
	for fd := 0; fd < 3; fd++ {
		if _, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil {
			continue
		}
		nfd, err := unix.Open("/dev/console", unix.O_RDWR|unix.O_NOCTTY, 0)
		if err != nil {
			nfd, err = unix.Open(os.DevNull, unix.O_RDWR, 0)
		}
		if err != nil {
			continue
		}
		if nfd != fd {
			_ = unix.Dup3(nfd, fd, 0)
			unix.Close(nfd)
		}
	}
}
