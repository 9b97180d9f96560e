package initproto

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"
)

// SocketPath is where init listens.
const SocketPath = "/run/sysmaster/init.sock"

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
)

// Exit codes, the kernel's CLD_* values as waitid(2) reports them.
const (
	CodeExited = 1 // Status is the exit status
	CodeKilled = 2 // Status is the signal
	CodeDumped = 3 // Status is the signal; a core was dumped
)

// ErrBadPacket is the class of every error Decode returns: the packet was read but is not one valid message.
var ErrBadPacket = errors.New("initproto: bad packet")

// MaxPacket bounds one packet; nothing legitimate comes near it.
const MaxPacket = 4096

// Msg is one packet. Which fields mean something depends on Type (see the package comment).
type Msg struct {
	Type   string `json:"type"`
	Pid    int    `json:"pid,omitempty"`
	Code   int    `json:"code,omitempty"`
	Status int    `json:"status,omitempty"`
	Action string `json:"action,omitempty"`
	Seq    uint64 `json:"seq,omitempty"`
}

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
	case TypeReady, TypeHeartbeat:
	case TypeHello:
		if m.Pid <= 0 {
			return Msg{}, fmt.Errorf("%w: hello: bad pid %d", ErrBadPacket, m.Pid)
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
		if m.Action != "poweroff" && m.Action != "reboot" && m.Action != "halt" {
			return Msg{}, fmt.Errorf("%w: shutdown: unknown action %q", ErrBadPacket, m.Action)
		}
	default:
		return Msg{}, fmt.Errorf("%w: unknown message type %q", ErrBadPacket, m.Type)
	}
	return m, nil
}

// Send writes m to c as one packet.
func Send(c net.Conn, m Msg) error {
	b, err := Encode(m)
	if err != nil {
		return err
	}
	_, err = c.Write(b)
	return err
}

// Recv reads one packet from c. A malformed packet gives an ErrBadPacket error and leaves the connection usable;
// any other error (io.EOF when the peer closed) ends it.
func Recv(c net.Conn) (Msg, error) {
	buf := make([]byte, MaxPacket+1) // one more: a longer packet is truncated to this, and refused
	n, err := c.Read(buf)
	if err != nil {
		return Msg{}, err
	}
	return Decode(buf[:n])
}

// Conn is the core's end of the link.
type Conn struct {
	c *net.UnixConn
}

// Dial connects to init's socket at path.
func Dial(path string) (*Conn, error) {
	c, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		return nil, fmt.Errorf("initproto: %w", err)
	}
	return &Conn{c: c}, nil
}

// Send writes one message.
func (c *Conn) Send(m Msg) error { return Send(c.c, m) }

// Recv reads the next message; the core calls it in a loop until it returns an error that is not ErrBadPacket.
func (c *Conn) Recv() (Msg, error) { return Recv(c.c) }

// Hello introduces the core; pid is its own.
func (c *Conn) Hello(pid int) error { return c.Send(Msg{Type: TypeHello, Pid: pid}) }

// Heartbeat says the core is alive.
func (c *Conn) Heartbeat() error { return c.Send(Msg{Type: TypeHeartbeat}) }

// RequestShutdown tells init the final action (poweroff, reboot, halt) just before the core exits.
func (c *Conn) RequestShutdown(action string) error {
	return c.Send(Msg{Type: TypeShutdown, Action: action})
}

// SetDeadline bounds the reads and writes to come, as net.Conn's SetDeadline does.
func (c *Conn) SetDeadline(t time.Time) error { return c.c.SetDeadline(t) }

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }
