package pid1

import (
	"fmt"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// maxBuffered bounds the exits kept while no core listens; the oldest go first, and the loss is logged.
const maxBuffered = 65536

// shutdownWait is how long init waits for the core to bring the system down before doing it alone.
const shutdownWait = 90 * time.Second

// sigRTMin is SIGRTMIN as C programs (and so `kill -RTMIN+4`) see it: the kernel's 32 plus the two glibc keeps.
const sigRTMin = 34

// Signals that ask init for a shutdown, and the action each means (systemd's conventions).
var shutdownSignals = map[os.Signal]string{
	unix.SIGTERM:                 "poweroff",
	unix.SIGINT:                  "reboot", // ctrl-alt-del
	syscall.Signal(sigRTMin + 3): "halt",
	syscall.Signal(sigRTMin + 4): "poweroff",
	syscall.Signal(sigRTMin + 5): "reboot",
}

type connMsg struct {
	conn *initproto.Conn
	msg  initproto.Msg
	err  error
}

// state is init's whole state; only the loop goroutine touches it.
type state struct {
	corePath    string
	coreArgs    []string
	container   bool
	hbTimeout   time.Duration
	corePid     int
	coreStarted time.Time
	backoff     time.Duration
	conn        *initproto.Conn
	lastBeat    time.Time
	buffered    []initproto.Msg
	dropped     int
	final       string // action the core handed over before exiting
	requested   string // action asked of init by a signal
	killing     bool   // the core missed its heartbeat and is being killed
	msgs        chan connMsg
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "sysmaster-init: "+format+"\n", args...)
}

// Main is init. It returns only in a container whose namespace could not be ended with reboot(2).
func Main(args []string) int {
	defer func() {
		if r := recover(); r != nil {
			logf("internal error: %v; carrying on is impossible, halting", r)
			finalStage("halt", InContainer())
		}
	}()
	mountAPI(logf)
	ensureConsole()
	s := &state{coreArgs: args, container: InContainer(), hbTimeout: 15 * time.Second}
	if d, err := time.ParseDuration(os.Getenv("SYSMASTER_HEARTBEAT_TIMEOUT")); err == nil && d > 0 {
		s.hbTimeout = d
	}
	s.corePath = os.Getenv("SYSMASTER_CORE")
	if s.corePath == "" {
		self, err := os.Executable()
		if err != nil {
			self = "/usr/lib/sysmaster/init"
		}
		s.corePath = filepath.Join(filepath.Dir(self), "sysmaster")
	}
	sigs := make(chan os.Signal, 64)
	signal.Notify(sigs, unix.SIGCHLD)
	for sig := range shutdownSignals {
		signal.Notify(sigs, sig)
	}
	msgs := make(chan connMsg, 64)
	s.msgs = msgs
	if err := listen(msgs); err != nil {
		logf("cannot listen on %s: %v; the core will run without exits forwarded", initproto.SocketPath, err)
	}
	restart := time.NewTimer(0) // start the core at once
	var shutdownTimer <-chan time.Time
	tick := time.NewTicker(time.Second)
	for {
		select {
		case sig := <-sigs:
			if sig == unix.SIGCHLD {
				s.reap(restart)
				continue
			}
			action := shutdownSignals[sig]
			logf("%v: %s requested", sig, action)
			s.requested = action
			if s.conn != nil && s.corePid != 0 {
				_ = s.conn.RequestShutdown(action)
				shutdownTimer = time.After(shutdownWait)
			} else {
				finalStage(action, s.container)
				return 0
			}
		case m := <-msgs:
			s.handle(m)
		case <-restart.C:
			s.startCore(restart)
		case <-shutdownTimer:
			logf("the core did not finish the shutdown in %v; going on without it", shutdownWait)
			finalStage(s.requested, s.container)
			return 0
		case <-tick.C:
			s.checkHeartbeat()
		}
		if s.corePid == 0 && (s.final != "" || s.requested != "") {
			action := s.final
			if action == "" {
				action = s.requested
			}
			finalStage(action, s.container)
			return 0
		}
	}
}

// ensureConsole gives init (and so the core) a console on fds 0–2 when the kernel left them closed.
func ensureConsole() {
	var st unix.Stat_t
	if unix.Fstat(1, &st) == nil {
		return
	}
	fd, err := unix.Open("/dev/console", unix.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		return
	}
	for i := 0; i < 3; i++ {
		_ = unix.Dup2(fd, i)
	}
	if fd > 2 {
		unix.Close(fd)
	}
}

func listen(msgs chan<- connMsg) error {
	if err := os.MkdirAll(filepath.Dir(initproto.SocketPath), 0o755); err != nil {
		return err
	}
	_ = os.Remove(initproto.SocketPath)
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: initproto.SocketPath, Net: "unixpacket"})
	if err != nil {
		return err
	}
	if err := os.Chmod(initproto.SocketPath, 0o600); err != nil {
		return err
	}
	go func() {
		for {
			c, err := ln.AcceptUnix()
			if err != nil {
				logf("accept on %s: %v", initproto.SocketPath, err)
				time.Sleep(100 * time.Millisecond)
				continue
			}
			conn := initproto.NewConn(c)
			go func() {
				for {
					m, err := conn.Recv()
					msgs <- connMsg{conn: conn, msg: m, err: err}
					if err != nil {
						return
					}
				}
			}()
		}
	}()
	return nil
}

// handle takes one message from a core connection.
func (s *state) handle(m connMsg) {
	if m.err != nil {
		if m.conn == s.conn {
			s.conn = nil
		}
		m.conn.Close()
		return
	}
	switch m.msg.Type {
	case initproto.TypeHello:
		if s.conn != nil && s.conn != m.conn {
			s.conn.Close()
		}
		s.conn, s.lastBeat = m.conn, time.Now()
		for _, e := range s.buffered {
			if err := s.conn.Send(e); err != nil {
				logf("cannot hand exits to the core: %v", err)
				return
			}
		}
		s.buffered = nil
		_ = s.conn.Send(initproto.Msg{Type: initproto.TypeReady})
	case initproto.TypeHeartbeat:
		if m.conn == s.conn {
			s.lastBeat = time.Now()
		}
	case initproto.TypeShutdown:
		logf("the core finished bringing the system down: %s", m.msg.Action)
		s.final = m.msg.Action
	}
}

// startCore forks and execs the core (never waiting for it: the reaper does).
func (s *state) startCore(restart *time.Timer) {
	argv := append([]string{s.corePath}, s.coreArgs...)
	env := append([]string{"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}, os.Environ()...)
	devnull, err := os.Open(os.DevNull)
	if err != nil {
		devnull = os.Stdin
	}
	pid, err := syscall.ForkExec(s.corePath, argv, &syscall.ProcAttr{
		Env:   env,
		Files: []uintptr{devnull.Fd(), os.Stdout.Fd(), os.Stderr.Fd()},
	})
	if devnull != os.Stdin {
		devnull.Close()
	}
	if err != nil {
		s.backoff = nextBackoff(s.backoff)
		logf("cannot start the core %s: %v; retrying in %v", s.corePath, err, s.backoff)
		restart.Reset(s.backoff)
		return
	}
	s.corePid, s.coreStarted, s.killing = pid, time.Now(), false
}

func nextBackoff(d time.Duration) time.Duration {
	if d == 0 {
		return 100 * time.Millisecond
	}
	if d *= 2; d > 5*time.Second {
		return 5 * time.Second
	}
	return d
}

// reap collects every exited child: the core's exit leads to a restart (or the final stage), any other is kept
// for the core.
func (s *state) reap(restart *time.Timer) {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if pid <= 0 || err != nil {
			return
		}
		code, status := exitOf(ws)
		if code == 0 {
			continue
		}
		if pid == s.corePid {
			s.coreExited(code, status, restart)
			continue
		}
		s.forward(initproto.Msg{Type: initproto.TypeExit, Pid: pid, Code: code, Status: status})
	}
}

func exitOf(ws unix.WaitStatus) (code, status int) {
	switch {
	case ws.Exited():
		return 1, ws.ExitStatus()
	case ws.Signaled() && ws.CoreDump():
		return 3, int(ws.Signal())
	case ws.Signaled():
		return 2, int(ws.Signal())
	}
	return 0, 0
}

func (s *state) coreExited(code, status int, restart *time.Timer) {
	s.corePid = 0
	s.drain(2 * time.Second)
	if s.conn != nil {
		s.conn.Close()
		s.conn = nil
	}
	if s.final != "" || s.requested != "" {
		return // the loop goes on to the final stage
	}
	how := fmt.Sprintf("exited with status %d", status)
	if code != 1 {
		how = fmt.Sprintf("was killed by signal %v", syscall.Signal(status))
	}
	if time.Since(s.coreStarted) > 10*time.Second {
		s.backoff = 0
	}
	if s.backoff == 0 {
		logf("the core %s; restarting it", how)
		restart.Reset(0)
		s.backoff = nextBackoff(0)
		return
	}
	logf("the core %s; restarting it in %v", how, s.backoff)
	restart.Reset(s.backoff)
	s.backoff = nextBackoff(s.backoff)
}

// drain takes what the dead core still sent (its last words may be "shutdown": the exit can be reaped before
// the message is read) until its connection reports the end, or timeout passes.
func (s *state) drain(timeout time.Duration) {
	deadline := time.After(timeout)
	for s.conn != nil {
		select {
		case m := <-s.msgs:
			s.handle(m)
		case <-deadline:
			return
		}
	}
}

// forward hands an exit to the connected core, or keeps it for the next one.
func (s *state) forward(m initproto.Msg) {
	if s.conn != nil {
		if err := s.conn.Send(m); err == nil {
			return
		}
		s.conn.Close()
		s.conn = nil
	}
	if len(s.buffered) == maxBuffered {
		s.buffered = s.buffered[1:]
		s.dropped++
		if s.dropped == 1 || s.dropped%1000 == 0 {
			logf("no core to take exits: dropped %d of the oldest", s.dropped)
		}
	}
	s.buffered = append(s.buffered, m)
}

// checkHeartbeat kills a connected core that went silent: SIGABRT first, SIGKILL three seconds later.
func (s *state) checkHeartbeat() {
	if s.conn == nil || s.corePid == 0 || s.final != "" {
		return
	}
	silent := time.Since(s.lastBeat)
	switch {
	case silent > s.hbTimeout+3*time.Second && s.killing:
		logf("the core is still there; SIGKILL")
		_ = unix.Kill(s.corePid, unix.SIGKILL)
	case silent > s.hbTimeout && !s.killing:
		logf("no heartbeat from the core for %v; SIGABRT", silent.Round(time.Second))
		s.killing = true
		_ = unix.Kill(s.corePid, unix.SIGABRT)
	}
}

// finalStage ends every process left, syncs and calls reboot(2). In a container reboot(2) ends the PID
// namespace; where even that is refused, init exits.
func finalStage(action string, container bool) {
	logf("final stage: %s", action)
	_ = unix.Kill(-1, unix.SIGTERM)
	if !reapAll(5 * time.Second) {
		_ = unix.Kill(-1, unix.SIGKILL)
		reapAll(5 * time.Second)
	}
	unix.Sync()
	if !container {
		unmountAll(logf)
	}
	cmd := unix.LINUX_REBOOT_CMD_POWER_OFF
	switch action {
	case "reboot":
		cmd = unix.LINUX_REBOOT_CMD_RESTART
	case "halt":
		cmd = unix.LINUX_REBOOT_CMD_HALT
	}
	if err := unix.Reboot(cmd); err != nil {
		logf("reboot(2): %v", err)
	}
	os.Exit(0)
}

// reapAll reaps until no child is left or timeout passes; it reports whether none is left.
func reapAll(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.ECHILD {
			return true
		}
		if pid <= 0 {
			time.Sleep(20 * time.Millisecond)
		}
	}
	return false
}
