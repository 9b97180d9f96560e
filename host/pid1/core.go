package pid1

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/exitstatus"
	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// defaultPath is the core's PATH, systemd's default for the system manager.
const defaultPath = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// Restart spacing in a crash loop (see backoff).
const (
	backoffFirst = 100 * time.Millisecond
	backoffMax   = 5 * time.Second
	backoffReset = 10 * time.Second
	// backoffServed is how long a core must have run after its hello to have served: its death is a crash,
	// not a crash loop, and the next core starts at once (the core comes back from a crash in well under a
	// second, however often it is killed).
	backoffServed = time.Second
)

// abortGrace is how long a core that got SIGABRT for a missed heartbeat has before SIGKILL.
const abortGrace = 3 * time.Second

// coreProc is the running core; the zero value means none runs.
type coreProc struct {
	pid       int
	started   time.Time
	helloed   bool      // said hello: from then on the watchdog expects heartbeats
	lastBeat  time.Time // last hello or heartbeat
	abortedAt time.Time // when SIGABRT was sent for a missed heartbeat
	killed    bool      // SIGKILL followed
}

// backoff spaces the core's restarts in a crash loop: the first restart is immediate, the next ones wait 100 ms,
// doubling up to 5 s. A core that ran 10 s, or said hello and ran 1 s, starts the count afresh.
type backoff struct{ failures int }

// next is the delay before the next start of a core that ran for ran (zero when it could not even start) and
// said hello or not.
func (b *backoff) next(ran time.Duration, helloed bool) time.Duration {
	if ran >= backoffReset || helloed && ran >= backoffServed {
		b.failures = 0
	}
	d := restartDelay(b.failures)
	b.failures++
	return d
}

// restartDelay is the delay after n failures in a row.
func restartDelay(n int) time.Duration {
	if n == 0 {
		return 0
	}
	d := backoffFirst
	for i := 1; i < n && d < backoffMax; i++ {
		d *= 2
	}
	return min(d, backoffMax)
}

// coreEnv is the core's environment: the default PATH, then init's own environment without its PATH.
func coreEnv(environ []string) []string {
	env := []string{defaultPath}
	for _, kv := range environ {
		if !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	return env
}

// startCore forks and execs the core in a session of its own, stdin on /dev/null and init's stdout and stderr.
// It never waits for it: init's reaper does. When the exec fails it tries again after the backoff.
func (s *initd) startCore() {
	stdin := uintptr(0)
	if fd, err := unix.Open(os.DevNull, unix.O_RDONLY|unix.O_CLOEXEC, 0); err == nil {
		defer unix.Close(fd)
		stdin = uintptr(fd)
	}
	argv := append([]string{s.corePath}, s.coreArgs...)
	pid, err := syscall.ForkExec(s.corePath, argv, &syscall.ProcAttr{
		Env:   coreEnv(os.Environ()),
		Files: []uintptr{stdin, 1, 2},
		Sys:   &syscall.SysProcAttr{Setsid: true},
	})
	if err != nil {
		d := s.backoff.next(0, false)
		when := fmt.Sprintf("in %v", d)
		if d == 0 {
			when = "at once"
		}
		logf("cannot start the core %s: %v; retrying %s", s.corePath, err, when)
		s.scheduleRestart(d)
		return
	}
	s.core = coreProc{pid: pid, started: time.Now()}
	logf("started the core %s (pid %d)", s.corePath, pid)
}

// coreExited is called by the reaper for the core's exit: unless a shutdown is under way, the core starts again.
func (s *initd) coreExited(code, status int) {
	pid, ran, helloed := s.core.pid, time.Since(s.core.started), s.core.helloed
	s.acceptPending() // while s.core still names it: its connection may still wait in the listen queue
	s.core = coreProc{}
	s.drainLink()
	how := "ended, " + exitstatus.Exit{Code: code, Status: status}.String()
	if s.shuttingDown() {
		logf("the core (pid %d) %s", pid, how)
		return
	}
	d := s.backoff.next(ran, helloed)
	if d == 0 {
		logf("the core (pid %d) %s; restarting it", pid, how)
	} else {
		logf("the core (pid %d) %s; restarting it in %v", pid, how, d)
	}
	s.scheduleRestart(d)
}

// scheduleRestart starts the core again after d.
func (s *initd) scheduleRestart(d time.Duration) {
	s.restart.Reset(d)
	s.restartAt = time.Now().Add(d)
}

// watchdog kills a core that said hello and then stopped its heartbeat: SIGABRT first (a Go core prints its
// goroutines), SIGKILL abortGrace later. The reaper then restarts it. A core that announced its exit is left be.
func (s *initd) watchdog() {
	c := &s.core
	if c.pid == 0 || !c.helloed || s.final != "" {
		return
	}
	switch now := time.Now(); {
	case c.abortedAt.IsZero() && now.Sub(c.lastBeat) > s.hbTimeout:
		logf("no heartbeat from the core (pid %d) for %v; sending SIGABRT", c.pid, now.Sub(c.lastBeat).Round(time.Millisecond))
		c.abortedAt = now
		_ = unix.Kill(c.pid, unix.SIGABRT)
	case !c.abortedAt.IsZero() && !c.killed && now.Sub(c.abortedAt) >= abortGrace:
		logf("the core (pid %d) is still there %v after SIGABRT; sending SIGKILL", c.pid, abortGrace)
		c.killed = true
		_ = unix.Kill(c.pid, unix.SIGKILL)
	}
}

// watchdogTick is how often the watchdog looks: a quarter of the timeout, at most a second.
func watchdogTick(timeout time.Duration) time.Duration {
	return max(min(timeout/4, time.Second), 10*time.Millisecond)
}

// noteUserspaceStart puts the time init started as PID 1 into its environment (initproto.UserspaceEnv), which
// every core and every re-executed init inherits; a re-executed init keeps the first one.
func noteUserspaceStart() {
	if os.Getenv(initproto.UserspaceEnv) != "" {
		return
	}
	var ts unix.Timespec
	if unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts) == nil {
		os.Setenv(initproto.UserspaceEnv, strconv.FormatInt(ts.Nano()/1000, 10))
	}
}
