package pid1

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// Writes to the core never block init for long: a packet that does not fit in the core's socket buffer within
// sendWait waits in the exit queue, and init tries again every retryWait.
const (
	sendWait  = 10 * time.Millisecond
	retryWait = 50 * time.Millisecond
	// prevWait bounds how long the core's previous connection, replaced by a new one, is read for the acks the
	// core sent last before init answers the new one's hello (a core that re-executed closed it already).
	prevWait = time.Second
)

// link is the connection of the running core.
type link struct {
	c         *net.UnixConn
	helloed   bool     // exits flow only after the core's hello
	handover  []string // after hello: names of the kept descriptors still to hand back, before anything else
	doneOwed  bool     // "fds-done" goes after the handover
	readyOwed bool     // "ready" goes after the backlog
	sent      uint64   // Seq of the last exit written since hello: the queue's later ones are still to send
	closed    bool     // the core no longer reads; what it sent is still read, up to the end
	resume    chan bool
}

// linkMsg is one thing read from a connection: a message with the descriptors that came with it, or an error
// (ErrBadPacket, errPaused, or the end).
type linkMsg struct {
	c      *net.UnixConn
	m      initproto.Msg
	fds    []int
	err    error
	resume chan bool // with errPaused: true lets the reader go on, false ends it
}

// errPaused is what a connection's reader sends when init stopped it (a read deadline in the past) before a
// re-execution: every packet it read before is in the channel ahead of it, and it reads no more until told.
var errPaused = errors.New("reader paused")

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
	if acceptable, err = watch(ln); err != nil {
		return nil, nil, err
	}
	return ln, acceptable, nil
}

// watch tells the loop, through acceptable, whenever a connection waits on ln.
func watch(ln *net.UnixListener) (acceptable <-chan struct{}, err error) {
	lfd, err := rawFd(ln)
	if err != nil {
		return nil, err
	}
	path := initproto.SocketPath
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
	return ready, nil
}

// rawFd is the descriptor of a listener or connection that init never closes (while it runs), so that it
// stays valid.
func rawFd(c syscall.Conn) (int32, error) {
	raw, err := c.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd := int32(-1)
	if err := raw.Control(func(u uintptr) { fd = int32(u) }); err != nil {
		return -1, err
	}
	return fd, nil
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
	if s.prev != nil {
		s.prev.c.Close()
	}
	// The previous connection is read on to its end, for the acks the core sent last (before it re-executed).
	s.prev, s.prevUntil, s.link = s.link, time.Now().Add(prevWait), &link{c: c}
	s.startReader(s.link)
}

// startReader reads l's connection in a goroutine, handing each packet to the loop through s.msgs.
func (s *initd) startReader(l *link) {
	c, msgs := l.c, s.msgs
	l.resume = make(chan bool, 1)
	resume := l.resume
	pc := initproto.NewConn(c)
	go func() {
		for {
			m, fds, err := pc.RecvFds()
			switch {
			case errors.Is(err, unix.ECONNRESET):
				// The core went away leaving something of ours unread. The kernel reports that before the
				// packets the core sent last, which the next reads return, then the end.
				continue
			case errors.Is(err, os.ErrDeadlineExceeded):
				msgs <- linkMsg{c: c, err: errPaused, resume: resume}
				if !<-resume {
					return
				}
				continue
			}
			msgs <- linkMsg{c: c, m: m, fds: fds, err: err}
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

// handle takes one message; what comes from a connection that is not the core's is dropped. Descriptors that
// came with it are closed unless the store takes them.
func (s *initd) handle(lm linkMsg) {
	defer func() { closeFds(lm.fds) }()
	if errors.Is(lm.err, errPaused) { // a pause that outlived the re-execution it was for
		lm.c.SetReadDeadline(time.Time{})
		lm.resume <- true
		return
	}
	if s.link == nil || lm.c != s.link.c {
		prev := s.prev != nil && lm.c == s.prev.c
		switch {
		case lm.err == nil && prev && lm.m.Type == initproto.TypeAck:
			s.ack(s.prev, lm.m.Seq)
		case lm.err != nil && !errors.Is(lm.err, initproto.ErrBadPacket):
			lm.c.Close()
			if prev {
				s.prev = nil
				s.flush() // the new connection waited for this one's end
			}
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
		s.link.helloed, s.link.readyOwed, s.link.sent = true, true, 0 // every exit kept goes (again)
		s.link.handover, s.link.doneOwed = s.store.names(), true
		s.core.helloed, s.core.lastBeat = true, time.Now()
		if n := len(s.link.handover); n > 0 {
			logf("the core connected; handing it back %d descriptors kept for it", n)
		}
		if n := s.exits.len(); n > 0 {
			logf("the core connected; handing it %d exits kept for it", n)
		}
		if s.exits.dropped > 0 {
			logf("%d exits were dropped, the oldest, while no core acknowledged them", s.exits.dropped)
		}
		s.flush()
	case initproto.TypeHeartbeat:
		s.core.lastBeat = time.Now()
	case initproto.TypeAck: // taken even from a core that has just died: it had logged those exits
		s.ack(s.link, m.Seq)
	case initproto.TypeShutdown:
		if s.final == "" {
			logf("the core is done and exits: %s", m.Action)
			s.armDeadline()
		}
		s.final, s.exitStatus = m.Action, m.Status
	case initproto.TypeStoreFds:
		// Taken even from a core that has just died: it sent them while alive.
		if err := s.store.put(m.Names, lm.fds); err != nil {
			logf("refusing to keep %d descriptors for the core: %v", len(m.Names), err)
			s.refuseStore(m.Names)
			return
		}
		lm.fds = nil
	case initproto.TypeRemoveFds:
		s.store.remove(m.Names)
	case initproto.TypeReexec:
		if s.core.pid != 0 {
			s.reexec("the core asks")
		}
	default:
		logf("from the core: unexpected %q message", m.Type)
	}
}

// ack forgets the exits up to seq, which the core has made safe; it must have been sent them on l since its
// hello. An ack for more is ignored, and one that goes back drops nothing.
func (s *initd) ack(l *link, seq uint64) {
	if seq > l.sent {
		logf("the core acknowledges exit %d, but was sent exits up to %d only: ignored", seq, l.sent)
		return
	}
	s.exits.ack(seq)
}

// refuseStore tells the core, if it still reads, which descriptors init did not take.
func (s *initd) refuseStore(names []string) {
	if s.link == nil || s.link.closed || s.core.pid == 0 {
		return
	}
	for _, b := range initproto.Batches(names) {
		if !s.sendFds(initproto.Msg{Type: initproto.TypeStoreRefused, Names: names[b[0]:b[1]]}, nil, sendWait) {
			return
		}
	}
}

func closeFds(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// flush writes to the core what it is owed, as far as its socket takes it: after its hello the descriptors kept
// for it and "fds-done", then the kept exits it was not sent yet, then "ready". Exits stay kept until acknowledged.
func (s *initd) flush() {
	if s.link == nil || s.link.closed || !s.link.helloed {
		return
	}
	if s.prev != nil { // the acks the core sent last on its previous connection count first
		if time.Now().Before(s.prevUntil) {
			s.retry.Reset(retryWait)
			return
		}
		s.prev.c.Close()
		s.prev = nil
	}
	for len(s.link.handover) > 0 {
		names, fds, taken := s.nextHandover()
		if len(names) > 0 && !s.sendFds(initproto.Msg{Type: initproto.TypeFds, Names: names}, fds, sendWait) {
			return
		}
		s.link.handover = s.link.handover[taken:]
	}
	if s.link.doneOwed {
		if !s.send(initproto.Msg{Type: initproto.TypeFdsDone}, sendWait) {
			return
		}
		s.link.doneOwed = false
	}
	for i := s.exits.after(s.link.sent); i < s.exits.len(); i++ {
		m := s.exits.at(i)
		if !s.send(m, sendWait) {
			return
		}
		s.link.sent = m.Seq
	}
	if s.link.readyOwed && s.send(initproto.Msg{Type: initproto.TypeReady}, sendWait) {
		s.link.readyOwed = false
	}
}

// nextHandover is the next "fds" packet: names still kept from the front of the handover, within the bounds of
// one packet, their descriptors, and how many names of the handover it accounts for (removed ones are skipped).
func (s *initd) nextHandover() (names []string, fds []int, taken int) {
	h, size := s.link.handover, 64 // {"type":"fds","names":[]}, with room to spare
	for taken < len(h) && len(names) < initproto.MaxFdsPerMsg {
		if fd, ok := s.store.get(h[taken]); ok {
			b, _ := json.Marshal(h[taken])
			if len(names) > 0 && size+len(b)+1 > initproto.MaxPacket {
				break
			}
			size += len(b) + 1
			names, fds = append(names, h[taken]), append(fds, fd)
		}
		taken++
	}
	return names, fds, taken
}

// send writes m to the core within wait. When the socket is full it arms a retry. Any other error means the
// core is going away: nothing more is written, but the link stays until its end is read, for the core may have
// sent something last (a "shutdown"). It reports whether m was written.
func (s *initd) send(m initproto.Msg, wait time.Duration) bool { return s.sendFds(m, nil, wait) }

// sendFds is send with descriptors attached.
func (s *initd) sendFds(m initproto.Msg, fds []int, wait time.Duration) bool {
	s.link.c.SetWriteDeadline(time.Now().Add(wait))
	err := initproto.SendFds(s.link.c, m, fds)
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
