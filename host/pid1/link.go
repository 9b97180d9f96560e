package pid1

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// Writes to the core never block init for long: a packet that does not fit in the core's socket buffer within
// sendWait waits in the exit queue, and init tries again every retryWait.
const (
	sendWait  = 10 * time.Millisecond
	retryWait = 50 * time.Millisecond
)

// link is the connection of the running core.
type link struct {
	c         *net.UnixConn
	helloed   bool // exits flow only after the core's hello
	readyOwed bool // "ready" goes after the backlog
	closed    bool // the core no longer reads; what it sent is still read, up to the end
}

// linkMsg is one thing read from a connection: a message, or an error (ErrBadPacket, or the end).
type linkMsg struct {
	c   *net.UnixConn
	m   initproto.Msg
	err error
}

// listen serves initproto.SocketPath (directory 0755, socket 0600). Init accepts connections in its loop
// (acceptPending), never in a goroutine: when the core dies, a connection it made may still wait in the listen
// queue with its last words, and init must take it before deciding what comes next. A goroutine only tells the
// loop, through acceptable, when there is something to accept.
func listen() (ln *net.UnixListener, acceptable <-chan struct{}, err error) {
	path := initproto.SocketPath
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, nil, err
	}
	if c, err := net.Dial("unixpacket", path); err == nil {
		c.Close()
		return nil, nil, fmt.Errorf("another init already serves %s", path)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, nil, err
	}
	old := unix.Umask(0o177) // the socket is born 0600: no window in which anyone else could connect
	ln, err = net.ListenUnix("unixpacket", &net.UnixAddr{Name: path, Net: "unixpacket"})
	unix.Umask(old)
	if err != nil {
		return nil, nil, err
	}
	raw, err := ln.SyscallConn()
	if err != nil {
		return nil, nil, err
	}
	var lfd int32
	raw.Control(func(fd uintptr) { lfd = int32(fd) }) // the listener is never closed: its fd stays valid
	ready := make(chan struct{})
	go func() {
		fds := []unix.PollFd{{Fd: lfd, Events: unix.POLLIN}}
		for {
			// Level-triggered: after the loop has taken the connections, this blocks again.
			if _, err := unix.Poll(fds, -1); err != nil {
				if err != unix.EINTR {
					logf("waiting for connections on %s: %v", path, err)
					time.Sleep(time.Second)
				}
				continue
			}
			ready <- struct{}{}
		}
	}()
	return ln, ready, nil
}

// acceptPending takes, without blocking, every connection waiting on init.sock.
func (s *initd) acceptPending() {
	if s.ln == nil {
		return
	}
	raw, err := s.ln.SyscallConn()
	if err != nil {
		return
	}
	var fds []int
	raw.Control(func(fd uintptr) {
		for {
			nfd, _, err := unix.Accept4(int(fd), unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK)
			if err == unix.EINTR || err == unix.ECONNABORTED {
				continue
			}
			if err != nil {
				return // EAGAIN: no more
			}
			fds = append(fds, nfd)
		}
	})
	for _, fd := range fds {
		f := os.NewFile(uintptr(fd), initproto.SocketPath)
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			logf("accepting on %s: %v", initproto.SocketPath, err)
			continue
		}
		s.adopt(c.(*net.UnixConn))
	}
}

// adopt takes a new connection if it comes from the running core (one client at a time: it replaces the core's
// previous connection) and refuses it otherwise.
func (s *initd) adopt(c *net.UnixConn) {
	pid, err := peerPid(c)
	if err != nil {
		logf("refusing a connection to %s: %v", initproto.SocketPath, err)
		c.Close()
		return
	}
	if pid != s.core.pid || pid == 0 {
		logf("refusing a connection to %s from pid %d: only the core (pid %d) may connect", initproto.SocketPath, pid, s.core.pid)
		c.Close()
		return
	}
	s.dropLink()
	s.link = &link{c: c}
	msgs := s.msgs
	go func() {
		for {
			m, err := initproto.Recv(c)
			if errors.Is(err, unix.ECONNRESET) {
				// The core went away leaving something of ours unread. The kernel reports that before the
				// packets the core sent last, which the next reads return, then the end.
				continue
			}
			msgs <- linkMsg{c: c, m: m, err: err}
			if err != nil && !errors.Is(err, initproto.ErrBadPacket) {
				return
			}
		}
	}()
}

func peerPid(c *net.UnixConn) (int, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return 0, err
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return 0, err
	}
	if cerr != nil {
		return 0, cerr
	}
	return int(cred.Pid), nil
}

// handle takes one message from a connection; what comes from a connection that is not the core's is dropped.
func (s *initd) handle(lm linkMsg) {
	if s.link == nil || lm.c != s.link.c {
		if lm.err != nil && !errors.Is(lm.err, initproto.ErrBadPacket) {
			lm.c.Close()
		}
		return
	}
	if errors.Is(lm.err, initproto.ErrBadPacket) {
		logf("from the core: %v", lm.err)
		return
	}
	if lm.err != nil {
		if s.core.pid != 0 { // a dead core's connection ends as a matter of course
			logf("the core (pid %d) closed %s: %v", s.core.pid, initproto.SocketPath, lm.err)
		}
		s.dropLink()
		return
	}
	switch m := lm.m; m.Type {
	case initproto.TypeHello:
		if s.core.pid == 0 {
			return // a dead core's last words are being read: nothing goes back
		}
		if m.Pid != s.core.pid {
			logf("the core (pid %d) says hello as pid %d", s.core.pid, m.Pid)
		}
		s.link.helloed, s.link.readyOwed = true, true
		s.core.helloed, s.core.lastBeat = true, time.Now()
		if n := s.exits.len(); n > 0 {
			logf("the core connected; handing it %d exits kept for it", n)
		}
		if s.exits.dropped > 0 {
			logf("%d exits were dropped, the oldest, while no core took them", s.exits.dropped)
		}
		s.flush()
	case initproto.TypeHeartbeat:
		s.core.lastBeat = time.Now()
	case initproto.TypeShutdown:
		if s.final == "" {
			logf("the core is done and exits: %s", m.Action)
			s.armDeadline()
		}
		s.final = m.Action
	default:
		logf("from the core: unexpected %q message", m.Type)
	}
}

// flush writes the queued exits to the core, then "ready" if it is owed, as far as the core's socket takes them.
func (s *initd) flush() {
	if s.link == nil || s.link.closed {
		return
	}
	for s.link.helloed && s.exits.len() > 0 {
		if !s.send(s.exits.front(), sendWait) {
			return
		}
		s.exits.pop()
	}
	if s.link.readyOwed && s.send(initproto.Msg{Type: initproto.TypeReady}, sendWait) {
		s.link.readyOwed = false
	}
}

// send writes m to the core within wait. When the socket is full it arms a retry. Any other error means the
// core is going away: nothing more is written, but the link stays until its end is read, for the core may have
// sent something last (a "shutdown"). It reports whether m was written.
func (s *initd) send(m initproto.Msg, wait time.Duration) bool {
	s.link.c.SetWriteDeadline(time.Now().Add(wait))
	err := initproto.Send(s.link.c, m)
	switch {
	case err == nil:
		return true
	case errors.Is(err, os.ErrDeadlineExceeded):
		s.retry.Reset(retryWait)
	case errors.Is(err, unix.EPIPE) || errors.Is(err, unix.ECONNRESET):
		s.link.closed = true
	default:
		logf("writing to the core: %v", err)
		s.link.closed = true
	}
	return false
}

// drainLink takes what the dead core still sent until its connection ends (its last message may be "shutdown",
// and its exit can be reaped before that is read), for at most a second; then the link is dropped. The core's
// connection must have been accepted by then (see coreExited).
func (s *initd) drainLink() {
	deadline := time.After(time.Second)
	for s.link != nil {
		select {
		case lm := <-s.msgs:
			s.handle(lm)
		case <-deadline:
			s.dropLink()
		}
	}
}

func (s *initd) dropLink() {
	if s.link != nil {
		s.link.c.Close()
		s.link = nil
	}
}
