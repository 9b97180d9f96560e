package initproto

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"runtime"
	"time"

	"golang.org/x/sys/unix"
)

// SocketPath is where init listens.
const SocketPath = "/run/sysmaster/init.sock"

// UserspaceEnv names the variable in which init hands every core the CLOCK_MONOTONIC time (µs) at which it
// started as PID 1 of this boot: systemd's UserspaceTimestamp. PID 1's start time in /proc is the initramfs's
// /init, which would count the initramfs as userspace; init's own start does not, as systemd's does not.
const UserspaceEnv = "SYSMASTER_USERSPACE_USEC"

// HeartbeatInterval is how often the core says it is alive.
const HeartbeatInterval = time.Second

// HeartbeatTimeout is how long init waits for a heartbeat before it takes the core for hung.
const HeartbeatTimeout = 15 * time.Second

// Message types.
const (
	TypeHello     = "hello"
	TypeReady     = "ready"
	TypeHeartbeat = "heartbeat"
	TypeExit      = "exit"
	TypeShutdown  = "shutdown"

	// TypeAck is the core's acknowledgement: every exit up to and including Seq is safe with it (logged where
	// the next core finds it). init keeps every exit it sent until then, and sends them again after a hello.
	TypeAck = "ack"

	// The fd store (see the package comment). Only TypeStoreFds and TypeFds carry descriptors.
	TypeStoreFds     = "store-fds"     // core → init: keep these descriptors under these names
	TypeRemoveFds    = "remove-fds"    // core → init: close the descriptors kept under these names
	TypeStoreRefused = "store-refused" // init → core: a store-fds was refused (the store is full)
	TypeFds          = "fds"           // init → core, after hello: descriptors kept for it, with their names
	TypeFdsDone      = "fds-done"      // init → core: every kept descriptor was handed back

	// TypeReexec asks init to re-execute itself from its binary on disk (an upgrade), keeping its state.
	TypeReexec = "reexec"
)

// Exit codes, the kernel's CLD_* values as waitid(2) reports them.
const (
	CodeExited = 1 // Status is the exit status
	CodeKilled = 2 // Status is the signal
	CodeDumped = 3 // Status is the signal; a core was dumped
)

// ErrBadPacket is the class of every error Decode returns: the packet was read but is not one valid message.
// Descriptors that came with a bad packet are closed.
var ErrBadPacket = errors.New("initproto: bad packet")

// MaxPacket bounds one packet. The largest legitimate ones are store-fds and fds messages, which the senders
// split to stay within it.
const MaxPacket = 64 << 10

// MaxFdsPerMsg is the most descriptors one packet carries: the kernel's SCM_MAX_FD.
const MaxFdsPerMsg = 253

// MaxNameLen bounds the name of a stored descriptor (systemd's FDNAME_MAX).
const MaxNameLen = 255

// Msg is one packet. Which fields mean something depends on Type (see the package comment).
type Msg struct {
	Type   string   `json:"type"`
	Pid    int      `json:"pid,omitempty"`
	Code   int      `json:"code,omitempty"`
	Status int      `json:"status,omitempty"`
	Action string   `json:"action,omitempty"`
	Seq    uint64   `json:"seq,omitempty"`
	Names  []string `json:"names,omitempty"` // store-fds, remove-fds, store-refused, fds

	// Files are the descriptors that came with a store-fds or fds message, Files[i] named Names[i]; Recv fills
	// them in, and Send sends them. They are the receiver's to close.
	Files []*os.File `json:"-"`
}

// NamedFile is a descriptor init kept for the core, handed back at hello.
type NamedFile struct {
	Name string
	File *os.File
}

// ValidName reports whether name may name a stored descriptor: 1 to MaxNameLen printable ASCII characters.
func ValidName(name string) bool {
	if name == "" || len(name) > MaxNameLen {
		return false
	}
	for i := 0; i < len(name); i++ {
		if name[i] < ' ' || name[i] > '~' {
			return false
		}
	}
	return true
}

// carriesFds reports whether a message of type t comes with one descriptor per name.
func carriesFds(t string) bool { return t == TypeStoreFds || t == TypeFds }

// Encode turns m into a packet.
func Encode(m Msg) ([]byte, error) { return json.Marshal(m) }

// Decode parses a packet; anything that is not one valid message is an error.
func Decode(b []byte) (Msg, error) {
	var m Msg
	if len(b) > MaxPacket {
		return Msg{}, fmt.Errorf("%w: %d bytes, more than %d", ErrBadPacket, len(b), MaxPacket)
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return Msg{}, fmt.Errorf("%w: %v", ErrBadPacket, err)
	}
	switch m.Type {
	case TypeReady, TypeHeartbeat, TypeFdsDone, TypeReexec:
	case TypeHello:
		if m.Pid <= 0 {
			return Msg{}, fmt.Errorf("%w: hello: bad pid %d", ErrBadPacket, m.Pid)
		}
	case TypeAck:
		if m.Seq == 0 {
			return Msg{}, fmt.Errorf("%w: ack: no seq", ErrBadPacket)
		}
	case TypeExit:
		maxStatus := 64 // a signal
		if m.Code == CodeExited {
			maxStatus = 255
		}
		if m.Pid <= 0 || m.Code < CodeExited || m.Code > CodeDumped || m.Status < 0 || m.Status > maxStatus {
			return Msg{}, fmt.Errorf("%w: exit: bad pid %d, code %d or status %d", ErrBadPacket, m.Pid, m.Code, m.Status)
		}
	case TypeShutdown:
		if m.Action != "poweroff" && m.Action != "reboot" && m.Action != "halt" && m.Action != "kexec" && m.Action != "exit" {
			return Msg{}, fmt.Errorf("%w: shutdown: unknown action %q", ErrBadPacket, m.Action)
		}
		if m.Status < 0 || m.Status > 255 || (m.Status != 0 && m.Action != "exit") {
			return Msg{}, fmt.Errorf("%w: shutdown: bad exit status %d for %s", ErrBadPacket, m.Status, m.Action)
		}
	case TypeStoreFds, TypeFds, TypeRemoveFds, TypeStoreRefused:
		if err := checkNames(m.Type, m.Names); err != nil {
			return Msg{}, err
		}
	default:
		return Msg{}, fmt.Errorf("%w: unknown message type %q", ErrBadPacket, m.Type)
	}
	return m, nil
}

// checkNames validates the names of an fd-store message: at least one, each valid, and for the messages that
// carry descriptors at most MaxFdsPerMsg, none twice.
func checkNames(typ string, names []string) error {
	if len(names) == 0 {
		return fmt.Errorf("%w: %s: no names", ErrBadPacket, typ)
	}
	for _, n := range names {
		if !ValidName(n) {
			if len(n) > 40 {
				n = n[:40] + "…"
			}
			return fmt.Errorf("%w: %s: bad name %q", ErrBadPacket, typ, n)
		}
	}
	if !carriesFds(typ) {
		return nil
	}
	if len(names) > MaxFdsPerMsg {
		return fmt.Errorf("%w: %s: %d names, more than %d", ErrBadPacket, typ, len(names), MaxFdsPerMsg)
	}
	seen := make(map[string]bool, len(names))
	for _, n := range names {
		if seen[n] {
			return fmt.Errorf("%w: %s: name %q twice", ErrBadPacket, typ, n)
		}
		seen[n] = true
	}
	return nil
}

// Send writes m to c as one packet, with m.Files when there are any (c must then be a *net.UnixConn).
func Send(c net.Conn, m Msg) error {
	if len(m.Files) == 0 {
		b, err := Encode(m)
		if err != nil {
			return err
		}
		_, err = c.Write(b)
		return err
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return fmt.Errorf("initproto: descriptors go over a unix socket only, not %T", c)
	}
	fds := make([]int, len(m.Files))
	for i, f := range m.Files {
		fd, err := rawFd(f)
		if err != nil {
			return err
		}
		fds[i] = fd
	}
	err := SendFds(uc, m, fds)
	runtime.KeepAlive(m.Files) // the raw descriptors stay theirs until the packet is sent
	return err
}

// rawFd is f's descriptor, read without putting f into blocking mode as (*os.File).Fd does: a listening socket's
// file description is shared with whoever else holds it.
func rawFd(f *os.File) (int, error) {
	if f == nil {
		return -1, errors.New("initproto: nil file")
	}
	rc, err := f.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("initproto: %s: %w", f.Name(), err)
	}
	fd := -1
	if err := rc.Control(func(u uintptr) { fd = int(u) }); err != nil {
		return -1, fmt.Errorf("initproto: %s: %w", f.Name(), err)
	}
	return fd, nil
}

// SendFds writes m to c as one packet with the raw descriptors fds attached (SCM_RIGHTS); m.Files is ignored.
// A message that carries descriptors (store-fds, fds) needs exactly one per name, at most MaxFdsPerMsg.
func SendFds(c *net.UnixConn, m Msg, fds []int) error {
	if len(fds) > MaxFdsPerMsg {
		return fmt.Errorf("initproto: %d descriptors in one packet, more than %d", len(fds), MaxFdsPerMsg)
	}
	if len(fds) > 0 && (!carriesFds(m.Type) || len(fds) != len(m.Names)) {
		return fmt.Errorf("initproto: %d descriptors with a %q message of %d names", len(fds), m.Type, len(m.Names))
	}
	m.Files = nil
	b, err := Encode(m)
	if err != nil {
		return err
	}
	if len(b) > MaxPacket {
		return fmt.Errorf("initproto: %q message of %d bytes, more than %d", m.Type, len(b), MaxPacket)
	}
	if len(fds) == 0 {
		_, err = c.Write(b)
		return err
	}
	_, _, err = c.WriteMsgUnix(b, unix.UnixRights(fds...), nil)
	return err
}

// Recv reads one packet from c, with the descriptors that came with it as m.Files when c is a *net.UnixConn.
// A malformed packet gives an ErrBadPacket error and leaves the connection usable; any other error (io.EOF when
// the peer closed) ends it.
func Recv(c net.Conn) (Msg, error) {
	if uc, ok := c.(*net.UnixConn); ok {
		return NewConn(uc).Recv()
	}
	buf := make([]byte, MaxPacket+1) // one more: a longer packet is truncated to this, and refused
	n, err := c.Read(buf)
	if err != nil {
		return Msg{}, err
	}
	return Decode(buf[:n])
}

// Conn is one end of the link: the core's, from Dial, or init's, from NewConn. Sends may come from several
// goroutines at once; receiving (Recv, RecvFds, HelloFds) from one at a time.
type Conn struct {
	c        *net.UnixConn
	buf, oob []byte
	pending  []Msg // read by HelloFds, for Recv to return
}

// Dial connects to init's socket at path.
func Dial(path string) (*Conn, error) {
	c, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		return nil, fmt.Errorf("initproto: %w", err)
	}
	return &Conn{c: c}, nil
}

// NewConn wraps a connection accepted on init's socket.
func NewConn(c *net.UnixConn) *Conn { return &Conn{c: c} }

// Send writes one message, with m.Files if any.
func (c *Conn) Send(m Msg) error { return Send(c.c, m) }

// Recv reads the next message; the core calls it in a loop until it returns an error that is not ErrBadPacket.
// The descriptors of a store-fds or fds message come as m.Files, opened close-on-exec.
func (c *Conn) Recv() (Msg, error) {
	if len(c.pending) > 0 {
		m := c.pending[0]
		c.pending = c.pending[1:]
		return m, nil
	}
	return c.recvFiles()
}

// recvFiles reads the next packet from the socket, its descriptors as m.Files.
func (c *Conn) recvFiles() (Msg, error) {
	m, fds, err := c.RecvFds()
	if err != nil {
		return m, err
	}
	for i, fd := range fds {
		m.Files = append(m.Files, os.NewFile(uintptr(fd), m.Names[i]))
	}
	return m, nil
}

// RecvFds reads the next packet and the descriptors that came with it, as raw close-on-exec descriptors (init
// keeps them so, out of Go's poller). Descriptors come only with a valid store-fds or fds message, one per
// name; those that come with anything else are closed, and the packet is refused (ErrBadPacket).
func (c *Conn) RecvFds() (Msg, []int, error) {
	if c.buf == nil {
		c.buf = make([]byte, MaxPacket+1) // one more: a longer packet is truncated to this, and refused
		c.oob = make([]byte, unix.CmsgSpace(4*MaxFdsPerMsg)+unix.CmsgSpace(64))
	}
	n, oobn, flags, _, err := c.c.ReadMsgUnix(c.buf, c.oob) // MSG_CMSG_CLOEXEC: Go asks for it on Linux
	fds := parseRights(c.oob[:oobn])
	switch {
	case err != nil:
		closeFds(fds)
		return Msg{}, nil, err
	case flags&unix.MSG_CTRUNC != 0:
		closeFds(fds)
		return Msg{}, nil, fmt.Errorf("%w: too many descriptors in one packet", ErrBadPacket)
	case flags&unix.MSG_TRUNC != 0 || n > MaxPacket:
		closeFds(fds)
		return Msg{}, nil, fmt.Errorf("%w: more than %d bytes", ErrBadPacket, MaxPacket)
	}
	m, err := Decode(c.buf[:n])
	if err != nil {
		closeFds(fds)
		if len(fds) > 0 {
			err = fmt.Errorf("%w (%d descriptors closed)", err, len(fds))
		}
		return Msg{}, nil, err
	}
	if carriesFds(m.Type) != (len(fds) > 0) || (len(fds) > 0 && len(fds) != len(m.Names)) {
		closeFds(fds)
		return Msg{}, nil, fmt.Errorf("%w: %q message of %d names with %d descriptors", ErrBadPacket, m.Type, len(m.Names), len(fds))
	}
	return m, fds, nil
}

// parseRights takes every descriptor out of the control messages in oob.
func parseRights(oob []byte) []int {
	if len(oob) == 0 {
		return nil
	}
	cmsgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return nil
	}
	var fds []int
	for i := range cmsgs {
		if rights, err := unix.ParseUnixRights(&cmsgs[i]); err == nil {
			fds = append(fds, rights...)
		}
	}
	return fds
}

func closeFds(fds []int) {
	for _, fd := range fds {
		unix.Close(fd)
	}
}

// Hello introduces the core; pid is its own.
func (c *Conn) Hello(pid int) error { return c.Send(Msg{Type: TypeHello, Pid: pid}) }

// HelloFds introduces the core and takes back the descriptors init keeps for it: init answers a hello with
// "fds" messages, then "fds-done", before anything else. What comes instead (an init without an fd store answers
// with its exits, then "ready") is kept for Recv, in order. The deadline set with SetDeadline bounds the wait; on
// an error the descriptors received so far are returned with it. It must not run beside Recv.
func (c *Conn) HelloFds(pid int) ([]NamedFile, error) {
	if err := c.Hello(pid); err != nil {
		return nil, err
	}
	var files []NamedFile
	for {
		m, err := c.recvFiles()
		if errors.Is(err, ErrBadPacket) {
			continue
		}
		if err != nil {
			return files, err
		}
		switch m.Type {
		case TypeFds:
			for i, f := range m.Files {
				files = append(files, NamedFile{Name: m.Names[i], File: f})
			}
		case TypeFdsDone:
			return files, nil
		default:
			c.pending = append(c.pending, m)
			if m.Type == TypeReady {
				return files, nil // an init without an fd store
			}
		}
	}
}

// Ack tells init that every exit up to and including seq is safe with the core (it will not be lost if the core
// dies now): init forgets them. seq must be one init sent; init ignores acks for others and acks that go back.
func (c *Conn) Ack(seq uint64) error {
	if seq == 0 {
		return errors.New("initproto: ack of seq 0")
	}
	return c.Send(Msg{Type: TypeAck, Seq: seq})
}

// Heartbeat says the core is alive.
func (c *Conn) Heartbeat() error { return c.Send(Msg{Type: TypeHeartbeat}) }

// RequestShutdown tells init the final action (poweroff, reboot, halt, kexec, exit) just before the core exits;
// status is init's exit status for exit (systemd's ExitCode, 0-255), 0 for the others.
func (c *Conn) RequestShutdown(action string, status int) error {
	return c.Send(Msg{Type: TypeShutdown, Action: action, Status: status})
}

// StoreFds hands init duplicates of files to keep under names (files[i] under names[i]), replacing what it
// keeps under the same names; the caller keeps its own. Many go in one call: they are sent in packets of at most
// MaxFdsPerMsg descriptors and MaxPacket bytes, and init takes each packet whole or not at all (it answers a
// refused one with "store-refused"), so an error or a refusal may leave some of them stored.
func (c *Conn) StoreFds(names []string, files []*os.File) error {
	if len(names) != len(files) {
		return fmt.Errorf("initproto: %d names for %d files", len(names), len(files))
	}
	for _, n := range names {
		if !ValidName(n) {
			return fmt.Errorf("initproto: bad descriptor name %q", n)
		}
	}
	for _, b := range batches(names, MaxFdsPerMsg) {
		if err := c.Send(Msg{Type: TypeStoreFds, Names: names[b[0]:b[1]], Files: files[b[0]:b[1]]}); err != nil {
			return err
		}
	}
	return nil
}

// RemoveFds tells init to close what it keeps under names; names it does not know are ignored.
func (c *Conn) RemoveFds(names []string) error {
	for _, n := range names {
		if !ValidName(n) {
			return fmt.Errorf("initproto: bad descriptor name %q", n)
		}
	}
	for _, b := range batches(names, len(names)) {
		if err := c.Send(Msg{Type: TypeRemoveFds, Names: names[b[0]:b[1]]}); err != nil {
			return err
		}
	}
	return nil
}

// ReexecInit asks init to re-execute itself from its binary on disk, keeping its state, this link included.
func (c *Conn) ReexecInit() error { return c.Send(Msg{Type: TypeReexec}) }

// batches splits names into runs [from, to) of at most max names whose message stays within MaxPacket.
func batches(names []string, max int) [][2]int {
	const overhead = 64 // {"type":"store-refused","names":[]} and more
	var out [][2]int
	from, size := 0, overhead
	for i, n := range names {
		b, _ := json.Marshal(n)
		if i > from && (i-from >= max || size+len(b)+1 > MaxPacket) {
			out = append(out, [2]int{from, i})
			from, size = i, overhead
		}
		size += len(b) + 1
	}
	if from < len(names) {
		out = append(out, [2]int{from, len(names)})
	}
	return out
}

// Batches is batches for init, which sends what it keeps in "fds" messages within the same bounds.
func Batches(names []string) [][2]int { return batches(names, MaxFdsPerMsg) }

// SetDeadline bounds the reads and writes to come, as net.Conn's SetDeadline does.
func (c *Conn) SetDeadline(t time.Time) error { return c.c.SetDeadline(t) }

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }
