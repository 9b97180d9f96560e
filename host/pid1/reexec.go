package pid1

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/exitstatus"
	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// Re-executing init for an upgrade (SIGUSR2, or an initproto "reexec" from the core): init checks that the binary
// on disk runs and reads this state format, stops reading the core's connection, writes its state to a memfd,
// clears FD_CLOEXEC on the memfd, the listener, the core's connection and the kept descriptors, and execve's the
// binary on disk with stateFlag naming the memfd. The new image resumes from the state instead of mounting and
// starting a core. The core's connection stays open throughout: what it sends meanwhile waits in the socket.
const (
	stateFormat = 1
	stateFlag   = "--sysmaster-init-state="
	checkFlag   = "--sysmaster-init-check" // prints "sysmaster-init VERSION state-formats=N" and exits
	checkWait   = 5 * time.Second
	pauseWait   = 5 * time.Second
)

// savedState is what an init hands the next image of itself.
type savedState struct {
	Format    int      `json:"format"`
	Version   string   `json:"version"`
	CoreArgs  []string `json:"core_args"`
	Container bool     `json:"container"`

	Core      savedCore     `json:"core"`
	Failures  int           `json:"failures"`
	RestartIn time.Duration `json:"restart_in"` // when no core runs

	Listener int        `json:"listener"` // -1: init does not serve init.sock
	Link     *savedLink `json:"link,omitempty"`

	Exits   []initproto.Msg `json:"exits"` // every exit not acknowledged, sent (Link.Sent) or not
	Dropped uint64          `json:"dropped"`
	Seq     uint64          `json:"seq"`

	Requested  string        `json:"requested,omitempty"`
	Final      string        `json:"final,omitempty"`
	ExitStatus int           `json:"exit_status,omitempty"` // with Final exit
	DeadlineIn time.Duration `json:"deadline_in"`           // -1: no shutdown deadline armed

	Fds map[string]int `json:"fds"`
}

type savedCore struct {
	Pid       int       `json:"pid"`
	Started   time.Time `json:"started"`
	Helloed   bool      `json:"helloed"`
	LastBeat  time.Time `json:"last_beat"`
	AbortedAt time.Time `json:"aborted_at"`
	Killed    bool      `json:"killed"`
}

type savedLink struct {
	Fd        int      `json:"fd"`
	Helloed   bool     `json:"helloed"`
	Handover  []string `json:"handover,omitempty"`
	DoneOwed  bool     `json:"done_owed"`
	ReadyOwed bool     `json:"ready_owed"`
	Closed    bool     `json:"closed"`
	Sent      uint64   `json:"sent,omitempty"` // absent from an init before acks, whose exits were all unsent
}

// reexec re-executes init from its binary on disk; when anything fails on the way init goes on as it was.
func (s *initd) reexec(why string) {
	if s.reexecing {
		return
	}
	s.reexecing = true
	defer func() { s.reexecing = false }()
	path, err := os.Executable() // the path on disk, even when the running binary was replaced
	if err != nil {
		logf("%s: cannot re-execute: %v", why, err)
		return
	}
	version, err := checkBinary(path)
	if err != nil {
		logf("%s: not re-executing %s: %v", why, path, err)
		return
	}
	if !s.pauseLink() {
		logf("%s: not re-executing: the core's connection did not pause within %v", why, pauseWait)
		return
	}
	logf("%s: re-executing %s (version %s, now %s)", why, path, Version, version)
	err = s.execState(path)
	logf("re-executing %s failed: %v; going on as before", path, err)
	if s.link != nil {
		s.link.c.SetReadDeadline(time.Time{})
		s.link.resume <- true
	}
	s.flush()
}

// execState writes the state to a memfd and execve's path; it returns only when that failed.
func (s *initd) execState(path string) error {
	st, inherit, err := s.state()
	if err != nil {
		return err
	}
	b, err := json.Marshal(st)
	if err != nil {
		return err
	}
	mfd, err := unix.MemfdCreate("sysmaster-init-state", 0) // no MFD_CLOEXEC: the next image reads it
	if err != nil {
		return fmt.Errorf("memfd_create: %w", err)
	}
	defer unix.Close(mfd)
	for off := 0; off < len(b); {
		n, err := unix.Write(mfd, b[off:])
		if err != nil {
			return fmt.Errorf("writing the state: %w", err)
		}
		off += n
	}
	for _, fd := range inherit {
		if err := setCloexec(fd, false); err != nil {
			restoreCloexec(inherit)
			return err
		}
	}
	argv0 := "init"
	if len(os.Args) > 0 {
		argv0 = os.Args[0]
	}
	err = unix.Exec(path, []string{argv0, stateFlag + strconv.Itoa(mfd)}, os.Environ())
	restoreCloexec(inherit)
	return fmt.Errorf("execve: %w", err)
}

// state is init's state, and the descriptors the next image inherits with it.
func (s *initd) state() (*savedState, []int, error) {
	now := time.Now()
	st := &savedState{
		Format:    stateFormat,
		Version:   Version,
		CoreArgs:  s.coreArgs,
		Container: s.container,
		Core: savedCore{Pid: s.core.pid, Started: s.core.started, Helloed: s.core.helloed, LastBeat: s.core.lastBeat,
			AbortedAt: s.core.abortedAt, Killed: s.core.killed},
		Failures:   s.backoff.failures,
		RestartIn:  max(s.restartAt.Sub(now), 0),
		Listener:   -1,
		Exits:      s.exits.items[s.exits.head:],
		Dropped:    s.exits.dropped,
		Seq:        s.seq,
		Requested:  s.requested,
		Final:      s.final,
		ExitStatus: s.exitStatus,
		DeadlineIn: -1,
		Fds:        s.store.fds,
	}
	if s.deadline != nil {
		st.DeadlineIn = max(s.deadlineAt.Sub(now), 0)
	}
	var inherit []int
	for _, fd := range s.store.fds {
		inherit = append(inherit, fd)
	}
	if s.ln != nil {
		fd, err := rawFd(s.ln)
		if err != nil {
			return nil, nil, err
		}
		st.Listener = int(fd)
		inherit = append(inherit, int(fd))
	}
	if l := s.link; l != nil {
		fd, err := rawFd(l.c)
		if err != nil {
			return nil, nil, err
		}
		st.Link = &savedLink{Fd: int(fd), Helloed: l.helloed, Handover: l.handover, DoneOwed: l.doneOwed,
			ReadyOwed: l.readyOwed, Closed: l.closed, Sent: l.sent}
		inherit = append(inherit, int(fd))
	}
	return st, inherit, nil
}

func setCloexec(fd int, on bool) error {
	flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	if err != nil {
		return fmt.Errorf("fd %d: %w", fd, err)
	}
	if on {
		flags |= unix.FD_CLOEXEC
	} else {
		flags &^= unix.FD_CLOEXEC
	}
	if _, err := unix.FcntlInt(uintptr(fd), unix.F_SETFD, flags); err != nil {
		return fmt.Errorf("fd %d: %w", fd, err)
	}
	return nil
}

func restoreCloexec(fds []int) {
	for _, fd := range fds {
		_ = setCloexec(fd, true)
	}
}

// pauseLink stops the reader of the core's connection and handles everything it read before; it reports
// whether the reader stopped (or the link ended meanwhile). A paused reader waits on the link's resume channel.
func (s *initd) pauseLink() bool {
	l := s.link
	if l == nil {
		return true
	}
	l.c.SetReadDeadline(time.Now())
	timeout := time.After(pauseWait)
	for s.link == l {
		select {
		case lm := <-s.msgs:
			if lm.c == l.c && errors.Is(lm.err, errPaused) {
				for { // what readers of stale connections sent
					select {
					case lm := <-s.msgs:
						s.handle(lm)
						continue
					default:
					}
					return true
				}
			}
			s.handle(lm)
		case <-timeout:
			l.c.SetReadDeadline(time.Time{}) // a pause that comes later is undone by handle
			return false
		}
	}
	return true
}

// checkBinary runs path with checkFlag: it must answer within checkWait that it reads this state format. That
// keeps init from replacing itself with a binary that would not run, or could not resume.
func checkBinary(path string) (string, error) {
	r, w, err := os.Pipe()
	if err != nil {
		return "", err
	}
	defer r.Close()
	null, err := os.Open(os.DevNull)
	if err != nil {
		w.Close()
		return "", err
	}
	defer null.Close()
	pid, err := syscall.ForkExec(path, []string{path, checkFlag}, &syscall.ProcAttr{
		Env:   os.Environ(),
		Files: []uintptr{null.Fd(), w.Fd(), 2},
	})
	w.Close()
	if err != nil {
		return "", err
	}
	r.SetReadDeadline(time.Now().Add(checkWait))
	out, rerr := io.ReadAll(io.LimitReader(r, 4096))
	status, werr := waitFor(pid, checkWait)
	switch {
	case werr != nil:
		return "", werr
	case rerr != nil:
		return "", fmt.Errorf("reading its answer: %w", rerr)
	case !status.Exited() || status.ExitStatus() != 0:
		code, st, _ := exitOf(status)
		return "", fmt.Errorf("%s %s %s", path, checkFlag, exitstatus.Exit{Code: code, Status: st})
	}
	f := strings.Fields(string(bytes.TrimSpace(out)))
	if len(f) != 3 || f[0] != "sysmaster-init" || f[2] != "state-formats="+strconv.Itoa(stateFormat) {
		return "", fmt.Errorf("%s %s answered %q, not state format %d", path, checkFlag, out, stateFormat)
	}
	return f[1], nil
}

// waitFor waits up to timeout for the child pid to end, then kills it and waits for it.
func waitFor(pid int, timeout time.Duration) (unix.WaitStatus, error) {
	var ws unix.WaitStatus
	for deadline := time.Now().Add(timeout); ; time.Sleep(5 * time.Millisecond) {
		got, err := unix.Wait4(pid, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return ws, err
		}
		if got == pid {
			return ws, nil
		}
		if time.Now().After(deadline) {
			_ = unix.Kill(pid, unix.SIGKILL)
			for {
				if _, err := unix.Wait4(pid, &ws, 0, nil); err != unix.EINTR {
					return ws, fmt.Errorf("no answer within %v", timeout)
				}
			}
		}
	}
}

// resume is the start of a re-executed init: it reads the state the previous image left in the memfd arg names
// and takes back its listener, the core's connection and the kept descriptors.
func resume(arg string) (*initd, <-chan struct{}, error) {
	mfd, err := strconv.Atoi(arg)
	if err != nil || mfd < 3 {
		return nil, nil, fmt.Errorf("bad state descriptor %q", arg)
	}
	f := os.NewFile(uintptr(mfd), "state")
	b, err := io.ReadAll(io.NewSectionReader(f, 0, 1<<31))
	f.Close()
	if err != nil {
		return nil, nil, fmt.Errorf("reading the state: %w", err)
	}
	var st savedState
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, nil, fmt.Errorf("reading the state: %w", err)
	}
	if st.Format != stateFormat {
		return nil, nil, fmt.Errorf("state format %d, not %d", st.Format, stateFormat)
	}
	s := baseInitd(st.CoreArgs, st.Container)
	s.core = coreProc{pid: st.Core.Pid, started: st.Core.Started, helloed: st.Core.Helloed, lastBeat: st.Core.LastBeat,
		abortedAt: st.Core.AbortedAt, killed: st.Core.Killed}
	s.backoff.failures = st.Failures
	s.restart = time.NewTimer(time.Hour)
	if s.core.pid == 0 {
		s.scheduleRestart(max(st.RestartIn, 0))
	} else {
		s.restart.Stop()
	}
	for _, m := range st.Exits {
		s.exits.push(m)
	}
	s.exits.dropped, s.seq = st.Dropped, st.Seq
	s.requested, s.final, s.exitStatus = st.Requested, st.Final, st.ExitStatus
	if st.DeadlineIn >= 0 {
		s.deadline, s.deadlineAt = time.After(st.DeadlineIn), time.Now().Add(st.DeadlineIn)
	}
	for name, fd := range st.Fds {
		if setCloexec(fd, true) != nil {
			logf("the descriptor kept as %q did not survive the re-execution", name)
			continue
		}
		s.store.fds[name] = fd // all of them, even beyond a lower limit
	}
	var acceptable <-chan struct{}
	if st.Listener >= 0 {
		if s.ln, err = inheritListener(st.Listener); err == nil {
			acceptable, err = watch(s.ln)
		}
		if err != nil {
			logf("cannot take back %s: %v; exits will not reach the core", initproto.SocketPath, err)
			s.ln = nil
		}
	}
	if sl := st.Link; sl != nil {
		c, err := inheritConn(sl.Fd)
		if err != nil {
			logf("cannot take back the core's connection: %v", err)
		} else {
			s.link = &link{c: c, helloed: sl.Helloed, handover: sl.Handover, doneOwed: sl.DoneOwed,
				readyOwed: sl.ReadyOwed, closed: sl.Closed, sent: sl.Sent}
			s.startReader(s.link)
		}
	}
	logf("version %s re-executed (was %s); the core is pid %d; %d exits kept until acknowledged, %d descriptors kept",
		Version, st.Version, s.core.pid, s.exits.len(), s.store.len())
	s.reap() // what ended while the images changed; flushes too
	return s, acceptable, nil
}

func inheritListener(fd int) (*net.UnixListener, error) {
	f := os.NewFile(uintptr(fd), initproto.SocketPath)
	defer f.Close() // FileListener made a close-on-exec duplicate
	l, err := net.FileListener(f)
	if err != nil {
		return nil, err
	}
	ul, ok := l.(*net.UnixListener)
	if !ok {
		l.Close()
		return nil, fmt.Errorf("%T, not a unix listener", l)
	}
	return ul, nil
}

func inheritConn(fd int) (*net.UnixConn, error) {
	f := os.NewFile(uintptr(fd), initproto.SocketPath)
	defer f.Close()
	c, err := net.FileConn(f)
	if err != nil {
		return nil, err
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("%T, not a unix connection", c)
	}
	return uc, nil
}

// closeInherited closes what a previous image left open without close-on-exec (everything init opens is
// close-on-exec), when its state cannot be read: none of it may leak into the core.
func closeInherited() {
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		return
	}
	for _, e := range entries {
		fd, err := strconv.Atoi(e.Name())
		if err != nil || fd < 3 {
			continue
		}
		if flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); err == nil && flags&unix.FD_CLOEXEC == 0 {
			unix.Close(fd)
		}
	}
}
