// Package initproto is the small protocol between init (PID 1) and the core over /run/sysmaster/init.sock:
// a SOCK_SEQPACKET unix socket on which every packet is one JSON-encoded Msg. init listens; the core connects.
//
// Who sends what, and when:
//   - core → init "hello" (Pid: the core's pid), once after connecting. init answers with one "exit" per exit it
//     reaped and kept while no core listened (in order), then "ready"; afterwards it forwards each exit live.
//   - core → init "heartbeat" every HeartbeatInterval. A connected core that stays silent for init's heartbeat
//     timeout is taken for hung: init kills it and starts another.
//   - init → core "exit" (Pid, Code, Status): a process the core may own ended and init reaped it.
//   - init → core "shutdown" (Action): init was asked to power off, reboot or halt; the core brings the system
//     down in order.
//   - core → init "shutdown" (Action): the core has stopped the units and exits now; init performs the final
//     stage (kill what is left, sync, reboot(2)).
package initproto

import (
	"encoding/json"
	"fmt"
	"net"
	"time"
)

// SocketPath is where init listens.
const SocketPath = "/run/sysmaster/init.sock"

// HeartbeatInterval is how often the core says it is alive.
const HeartbeatInterval = time.Second

// Message types.
const (
	TypeHello     = "hello"
	TypeReady     = "ready"
	TypeHeartbeat = "heartbeat"
	TypeExit      = "exit"
	TypeShutdown  = "shutdown"
)

// MaxPacket bounds one packet; nothing legitimate comes near it.
const MaxPacket = 4096

// Msg is one packet. Code and Status follow the kernel's CLD_* codes (1 exited, 2 killed, 3 dumped).
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
		return m, fmt.Errorf("initproto: packet of %d bytes is too large", len(b))
	}
	if err := json.Unmarshal(b, &m); err != nil {
		return m, fmt.Errorf("initproto: bad packet: %v", err)
	}
	switch m.Type {
	case TypeHello, TypeReady, TypeHeartbeat, TypeExit, TypeShutdown:
	default:
		return m, fmt.Errorf("initproto: unknown message type %q", m.Type)
	}
	if m.Type == TypeShutdown && m.Action != "poweroff" && m.Action != "reboot" && m.Action != "halt" {
		return m, fmt.Errorf("initproto: unknown shutdown action %q", m.Action)
	}
	return m, nil
}

// Conn is one end of the link.
type Conn struct {
	c *net.UnixConn
}

// NewConn wraps an accepted or dialed seqpacket connection.
func NewConn(c *net.UnixConn) *Conn { return &Conn{c: c} }

// Dial connects to init's socket at path.
func Dial(path string) (*Conn, error) {
	c, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		return nil, err
	}
	return &Conn{c: c}, nil
}

// Send writes one message.
func (c *Conn) Send(m Msg) error {
	b, err := Encode(m)
	if err != nil {
		return err
	}
	_, err = c.c.Write(b)
	return err
}

// Recv reads one message.
func (c *Conn) Recv() (Msg, error) {
	buf := make([]byte, MaxPacket+1)
	n, err := c.c.Read(buf)
	if err != nil {
		return Msg{}, err
	}
	return Decode(buf[:n])
}

// Hello introduces the core.
func (c *Conn) Hello(pid int) error { return c.Send(Msg{Type: TypeHello, Pid: pid}) }

// Heartbeat says the core is alive.
func (c *Conn) Heartbeat() error { return c.Send(Msg{Type: TypeHeartbeat}) }

// RequestShutdown sends a shutdown message with action (poweroff, reboot, halt).
func (c *Conn) RequestShutdown(action string) error {
	return c.Send(Msg{Type: TypeShutdown, Action: action})
}

// Close closes the connection.
func (c *Conn) Close() error { return c.c.Close() }
