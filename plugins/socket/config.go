package socket

import "github.com/sysmaster/sysmaster/sdk/exec"

// Config is one socket's [Socket] section, parsed (man systemd.socket, systemd.exec, systemd.kill,
// systemd.resource-control). The host stores it as JSON and hands it back with every event. Durations are in
// microseconds; 0 means "infinity" where systemd treats 0 so.
type Config struct {
	// Listen are the listeners in file order; each is opened under its ID.
	Listen []Listener
	// Unsupported are the listeners of kinds sysmaster cannot open (ListenNetlink=, ListenSpecial=, …), as
	// written: the unit loads, as systemd loads it, and starting it fails saying so.
	Unsupported []string `json:",omitempty"`
	Accept      bool
	// Service is the unit an Accept=no socket triggers: Service= or the socket's own name with .service.
	// Empty for Accept=yes, whose connections each start an instance of the PREFIX@.service template.
	Service string

	MaxConnections          uint32
	MaxConnectionsPerSource uint32 // 0: no limit per source (systemd's default)

	// Options are the socket options handed to the host with every OpenSocket, normalized (see options.go).
	Options map[string]string

	TriggerLimitIntervalUSec uint64
	TriggerLimitBurst        uint32
	PollLimitIntervalUSec    uint64
	PollLimitBurst           uint32

	ExecStartPre  []Command
	ExecStartPost []Command
	ExecStopPre   []Command
	ExecStopPost  []Command
	TimeoutUSec   uint64

	// The settings of the control processes: man systemd.kill, systemd.exec, systemd.resource-control, shared
	// with the service plugin; embedded so that the JSON stays flat.
	exec.KillSettings
	exec.ExecSettings
	exec.CgroupConfig
}

// Command is one command line of an Exec*= key.
type Command = exec.Command

// Listener is one Listen*= line.
type Listener struct {
	ID      string // "listen0", "listen1", … in file order
	Kind    string // Stream, Datagram, SequentialPacket, FIFO: what `systemctl show` prints in Listen=
	Family  string // OpenSocket.family: unix, inet, inet6, vsock, fifo
	Type    string // OpenSocket.type: stream, dgram, seqpacket; empty for a FIFO
	Address string // as written (trimmed)
}

// canAccept reports whether connections can be accepted on l (a stream or seqpacket socket).
func (l Listener) canAccept() bool {
	return l.Family != "fifo" && (l.Type == "stream" || l.Type == "seqpacket")
}

// path is the file system node of l (a unix socket path or a FIFO), or "".
func (l Listener) path() string {
	if l.Family == "fifo" || l.Family == "unix" && len(l.Address) > 0 && l.Address[0] == '/' {
		return l.Address
	}
	return ""
}
