package socket

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/bytesize"
	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// section is the one section this plugin parses.
const section = "Socket"

// Defaults systemd applies when a unit does not say otherwise (man systemd.socket, src/core/socket.c).
const (
	defaultTimeoutUSec     = 90 * uint64(time.Second/time.Microsecond) // DefaultTimeoutStartSec=
	defaultMaxConnections  = 64
	defaultBacklog         = math.MaxInt32 // SOMAXCONN_DELUXE: the kernel caps it to net.core.somaxconn
	defaultSocketMode      = 0o666
	defaultDirectoryMode   = 0o755
	defaultLimitInterval   = 2 * uint64(time.Second/time.Microsecond)
	acceptTriggerBurst     = 200 // TriggerLimitBurst= with Accept=yes
	noAcceptTriggerBurst   = 20  // … with Accept=no
	acceptPollBurst        = 150 // PollLimitBurst= with Accept=yes
	noAcceptPollBurst      = 15  // … with Accept=no
	maxFileDescriptorNameN = 255
)

// unsupported are [Socket] keys of systemd this version ignores with a warning: they tune the socket in ways the
// host does not implement yet, and a unit using them still works without them.
var unsupported = []string{
	"Broadcast", "DeferAcceptSec", "DeferTrigger", "DeferTriggerMaxSec", "FlushPending", "IPTOS",
	"IPTTL", "Mark", "MessageQueueMaxMessages", "MessageQueueMessageSize", "PassFileDescriptorsToExec",
	"PassPacketInfo", "PassPIDFD", "AcceptFileDescriptors", "PipeSize", "Priority", "SELinuxContextFromNet",
	"SmackLabel", "SmackLabelIPIn", "SmackLabelIPOut", "TCPCongestion", "Writable", "ExecStartChown",
}

// parseConfig parses the unit's [Socket] section into a Config with systemd's defaults, recording every problem
// in res with its file, line and key. The result is meaningful only when res.Failed() is false.
func parseConfig(req *sdk.ParseRequest, res *sdk.ParseResult) Config {
	return parseWith(req, res, exec.SystemLoadEnv())
}

// parseWith is parseConfig with the system looked at through env, so that tests need no particular machine.
func parseWith(req *sdk.ParseRequest, res *sdk.ParseResult, env exec.LoadEnv) Config {
	p := &parser{
		c: Config{
			MaxConnections: defaultMaxConnections,
			TimeoutUSec:    defaultTimeoutUSec,
			KillSettings:   exec.DefaultKill(),
			ExecSettings:   exec.DefaultExec(),
			CgroupConfig:   exec.DefaultCgroup(),
		},
		name:    req.Unit.GetName(),
		bools:   map[string]bool{},
		strs:    map[string]string{},
		backlog: defaultBacklog, socketMode: defaultSocketMode, directoryMode: defaultDirectoryMode,
		triggerInterval: defaultLimitInterval, pollInterval: defaultLimitInterval,
		triggerBurst: -1, pollBurst: -1, perSource: -1,
	}
	p.Parser = exec.NewParser(res, section, env, &p.c.ExecSettings, &p.c.KillSettings, &p.c.CgroupConfig)
	p.Run(req.Section(section), func(e *sdk.Entry) bool {
		h, ok := directives[e.Key]
		if ok {
			h(p, e)
		}
		return ok
	})
	p.finish()
	return p.c
}

// parser holds what parsing one [Socket] section needs beyond the Config itself.
type parser struct {
	*exec.Parser
	c    Config
	name string // the unit's name, e.g. "foo.socket"

	listen                             []Listener
	bools                              map[string]bool   // boolean socket options set explicitly
	strs                               map[string]string // string socket options set explicitly
	backlog                            uint64
	socketMode, directoryMode          uint32
	keepAliveTime, keepAliveInterval   uint64 // µs; 0: the kernel's
	keepAliveProbes                    int64  // -1 … unset when 0
	receiveBuffer, sendBuffer          uint64 // 0: unset
	symlinks                           []string
	fdName                             string
	triggerInterval, pollInterval      uint64
	triggerBurst, pollBurst, perSource int64 // -1: unset (defaults depend on Accept=)
	serviceSet                         bool
}

type handler func(p *parser, e *sdk.Entry)

// directives maps the keys of [Socket] this plugin knows, besides the shared exec, kill and resource-control
// keys, to their parsers. It is never modified.
var directives = socketDirectives()

func socketDirectives() map[string]handler {
	h := map[string]handler{
		"Accept":  func(p *parser, e *sdk.Entry) { p.Bool(e, &p.c.Accept, false) },
		"Service": (*parser).service,
		"MaxConnections": func(p *parser, e *sdk.Entry) {
			var n int64
			if p.unsigned(e, &n, defaultMaxConnections, math.MaxUint32) {
				if n == 0 {
					p.Bad(e, "must be positive")
					return
				}
				p.c.MaxConnections = uint32(n)
			}
		},
		"MaxConnectionsPerSource": func(p *parser, e *sdk.Entry) { p.unsigned(e, &p.perSource, -1, math.MaxUint32) },
		"Backlog": func(p *parser, e *sdk.Entry) {
			var n int64
			if p.unsigned(e, &n, defaultBacklog, math.MaxUint32) {
				p.backlog = uint64(n)
			}
		},
		"SocketUser":    (*parser).socketUser,
		"SocketGroup":   (*parser).socketUser,
		"SocketMode":    func(p *parser, e *sdk.Entry) { p.mode(e, &p.socketMode, defaultSocketMode) },
		"DirectoryMode": func(p *parser, e *sdk.Entry) { p.mode(e, &p.directoryMode, defaultDirectoryMode) },
		"BindIPv6Only": func(p *parser, e *sdk.Entry) {
			var v string
			if p.Enum(e, &v, "", "default", "both", "ipv6-only") {
				p.setStr("BindIPv6Only", v)
			}
		},
		"BindToDevice": func(p *parser, e *sdk.Entry) {
			if e.Value != "" && (len(e.Value) >= 16 || strings.ContainsAny(e.Value, "/: \t") || e.Value == "." || e.Value == "..") {
				p.Bad(e, "not a valid network interface name")
				return
			}
			p.setStr("BindToDevice", e.Value)
		},
		"KeepAliveTimeSec":     func(p *parser, e *sdk.Entry) { p.Timespan(e, &p.keepAliveTime, 0, 0) },
		"KeepAliveIntervalSec": func(p *parser, e *sdk.Entry) { p.Timespan(e, &p.keepAliveInterval, 0, 0) },
		"KeepAliveProbes":      func(p *parser, e *sdk.Entry) { p.unsigned(e, &p.keepAliveProbes, 0, math.MaxInt32) },
		"ReceiveBuffer":        func(p *parser, e *sdk.Entry) { p.size(e, &p.receiveBuffer) },
		"SendBuffer":           func(p *parser, e *sdk.Entry) { p.size(e, &p.sendBuffer) },
		"Symlinks":             (*parser).symlinksKey,
		"FileDescriptorName":   (*parser).fileDescriptorName,
		"Timestamping": func(p *parser, e *sdk.Entry) {
			switch e.Value {
			case "":
				p.setStr("Timestamping", "")
			case "off":
				p.setStr("Timestamping", "off")
			case "us", "usec", "µs":
				p.setStr("Timestamping", "us")
			case "ns", "nsec":
				p.setStr("Timestamping", "ns")
			default:
				p.Bad(e, "expected off, us or ns")
			}
		},
		"TriggerLimitIntervalSec": func(p *parser, e *sdk.Entry) { p.Timespan(e, &p.triggerInterval, defaultLimitInterval, 0) },
		"TriggerLimitBurst":       func(p *parser, e *sdk.Entry) { p.unsigned(e, &p.triggerBurst, -1, math.MaxUint32) },
		"PollLimitIntervalSec":    func(p *parser, e *sdk.Entry) { p.Timespan(e, &p.pollInterval, defaultLimitInterval, 0) },
		"PollLimitBurst":          func(p *parser, e *sdk.Entry) { p.unsigned(e, &p.pollBurst, -1, math.MaxUint32) },
		"TimeoutSec":              func(p *parser, e *sdk.Entry) { p.Timespan(e, &p.c.TimeoutUSec, defaultTimeoutUSec, 0) },

		"ExecStartPre":  func(p *parser, e *sdk.Entry) { p.Commands(e, &p.c.ExecStartPre) },
		"ExecStartPost": func(p *parser, e *sdk.Entry) { p.Commands(e, &p.c.ExecStartPost) },
		"ExecStopPre":   func(p *parser, e *sdk.Entry) { p.Commands(e, &p.c.ExecStopPre) },
		"ExecStopPost":  func(p *parser, e *sdk.Entry) { p.Commands(e, &p.c.ExecStopPost) },
	}
	for key := range listenKinds {
		h[key] = (*parser).listenKey
	}
	for _, key := range unsupportedListen {
		h[key] = func(p *parser, e *sdk.Entry) {
			if e.Value == "" {
				p.c.Unsupported = nil
				return
			}
			p.Res.Warnf(e, section, e.Key, "%s=%s is not supported by sysmaster: starting the socket will fail", e.Key, e.Value)
			p.c.Unsupported = append(p.c.Unsupported, e.Key+"="+e.Value)
		}
	}
	for _, key := range []string{"FreeBind", "Transparent", "ReusePort", "KeepAlive", "NoDelay", "PassCredentials",
		"PassSecurity", "RemoveOnStop"} {
		h[key] = (*parser).boolOption
	}
	for _, key := range unsupported {
		h[key] = func(p *parser, e *sdk.Entry) {
			p.Res.Warnf(e, section, e.Key, "%s= is not supported by this version, ignoring", e.Key)
		}
	}
	return h
}

// listenKey appends one listener; an empty value removes every listener given so far, of any kind.
func (p *parser) listenKey(e *sdk.Entry) {
	v := strings.TrimSpace(e.Value)
	if v == "" {
		p.listen = nil
		return
	}
	k := listenKinds[e.Key]
	l := Listener{Kind: k.kind, Type: k.typ, Address: v}
	switch e.Key {
	case "ListenFIFO":
		if !exec.NormalPath(v) {
			p.Bad(e, "not a normalized absolute path")
			return
		}
		l.Family = "fifo"
	case "ListenNetlink":
		if err := parseNetlink(v); err != nil {
			p.Bad(e, "%v", err)
			return
		}
		l.Family, l.Address = "netlink", strings.Join(strings.Fields(v), " ")
	default:
		family, err := parseAddress(v)
		if err != nil {
			p.Bad(e, "%v", err)
			return
		}
		l.Family = family
	}
	p.listen = append(p.listen, l)
}

// service takes a .service unit name that is not a template.
func (p *parser) service(e *sdk.Entry) {
	if e.Value == "" {
		p.c.Service, p.serviceSet = "", false
		return
	}
	if !unitname.Valid(e.Value) || unitname.Type(e.Value) != "service" || unitname.IsTemplate(e.Value) {
		p.Bad(e, "not the name of a service unit (templates are not allowed)")
		return
	}
	p.c.Service, p.serviceSet = e.Value, true
}

// unsigned parses a decimal integer 0..max; an empty value restores def.
func (p *parser) unsigned(e *sdk.Entry, dst *int64, def, max int64) bool {
	if e.Value == "" {
		*dst = def
		return true
	}
	n, err := strconv.ParseUint(strings.TrimSpace(e.Value), 10, 64)
	if err != nil || int64(n) > max || n > math.MaxInt64 {
		p.Bad(e, "not an unsigned integer up to %d", max)
		return false
	}
	*dst = int64(n)
	return true
}

func (p *parser) mode(e *sdk.Entry, dst *uint32, def uint32) {
	if m, ok := p.Mode(e, def, 0o7777); ok {
		*dst = m
	}
}

// size parses ReceiveBuffer= and SendBuffer=: bytes with K, M, G suffixes (base 1024), at most 2^31-1 (the
// kernel takes an int); an empty value unsets.
func (p *parser) size(e *sdk.Entry, dst *uint64) {
	if e.Value == "" {
		*dst = 0
		return
	}
	n, err := bytesize.Parse(e.Value)
	if err != nil || n > math.MaxInt32 {
		p.Bad(e, "not a size up to 2G-1")
		return
	}
	*dst = n
}

func (p *parser) socketUser(e *sdk.Entry) {
	if e.Value != "" && !validUserName(e.Value) {
		p.Bad(e, "not a valid user or group name")
		return
	}
	p.setStr(e.Key, e.Value)
}

// validUserName is systemd's relaxed user and group name check: a name or a number, without whitespace, "/",
// ":" or a leading "-", at most 256 bytes.
func validUserName(s string) bool {
	if s == "" || len(s) > 256 || s[0] == '-' || s == "." || s == ".." {
		return false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r == '/' || r == ':' {
			return false
		}
	}
	return true
}

func (p *parser) setStr(key, v string) {
	if v == "" {
		delete(p.strs, key)
		return
	}
	p.strs[key] = v
}

// boolOption parses one of the boolean socket options; an empty value unsets it (the kernel's default).
func (p *parser) boolOption(e *sdk.Entry) {
	if e.Value == "" {
		delete(p.bools, e.Key)
		return
	}
	b, err := unitfile.ParseBool(e.Value)
	if err != nil {
		p.Bad(e, "not a boolean")
		return
	}
	p.bools[e.Key] = b
}

// symlinksKey adds absolute paths (space-separated); an empty value resets.
func (p *parser) symlinksKey(e *sdk.Entry) {
	if strings.TrimSpace(e.Value) == "" {
		p.symlinks = nil
		return
	}
	words, err := unitfile.SplitWords(e.Value, unitfile.SplitCUnescape)
	if err != nil {
		p.Bad(e, "%v", err)
		return
	}
	for _, w := range words {
		if !exec.NormalPath(w) || strings.ContainsAny(w, " \t") {
			p.Bad(e, "%q is not a normalized absolute path", w)
			return
		}
	}
	for _, w := range words {
		p.symlinks = exec.AppendUnique(p.symlinks, w)
	}
}

// fileDescriptorName takes printable ASCII without ":", at most 255 bytes; an empty value restores the default
// (the unit's name).
func (p *parser) fileDescriptorName(e *sdk.Entry) {
	if len(e.Value) > maxFileDescriptorNameN {
		p.Bad(e, "longer than %d bytes", maxFileDescriptorNameN)
		return
	}
	for i := 0; i < len(e.Value); i++ {
		if c := e.Value[i]; c < ' ' || c > '~' || c == ':' {
			p.Bad(e, "only printable ASCII without \":\" is allowed")
			return
		}
	}
	p.fdName = e.Value
}

// finish applies the defaults that depend on other settings and the checks systemd makes on the whole section
// (socket_add_extras and socket_verify in systemd's terms).
func (p *parser) finish() {
	p.Finish()
	c := &p.c
	for i := range p.listen {
		p.listen[i].ID = fmt.Sprintf("listen%d", i)
	}
	c.Listen = p.listen
	c.TriggerLimitIntervalUSec, c.PollLimitIntervalUSec = p.triggerInterval, p.pollInterval
	c.TriggerLimitBurst, c.PollLimitBurst = uint32(noAcceptTriggerBurst), uint32(noAcceptPollBurst)
	if c.Accept {
		c.TriggerLimitBurst, c.PollLimitBurst = acceptTriggerBurst, acceptPollBurst
	}
	if p.triggerBurst >= 0 {
		c.TriggerLimitBurst = uint32(p.triggerBurst)
	}
	if p.pollBurst >= 0 {
		c.PollLimitBurst = uint32(p.pollBurst)
	}
	if p.perSource >= 0 {
		c.MaxConnectionsPerSource = uint32(p.perSource)
	}
	c.Options = p.options()

	listenKeys := []string{"ListenStream", "ListenDatagram", "ListenSequentialPacket", "ListenFIFO", "ListenNetlink"}
	if len(c.Listen) == 0 && len(c.Unsupported) == 0 {
		p.WholeErrorf(listenKeys, "Unit has no Listen setting (ListenStream=, ListenDatagram=, ListenFIFO=, ...). Refusing.")
		return
	}
	if c.Accept {
		for _, l := range c.Listen {
			if !l.canAccept() {
				p.WholeErrorf([]string{"Accept"}, "Unit configured for accepting sockets, but sockets are non-accepting (%s=%s). Refusing.",
					"Listen"+l.Kind, l.Address)
				return
			}
		}
		if p.serviceSet {
			p.WholeErrorf([]string{"Service", "Accept"}, "Explicit service configuration for accepting socket units not supported. Refusing.")
			return
		}
	} else if c.Service == "" {
		prefix, instance, _ := unitname.Split(p.name)
		c.Service = prefix + "." + "service"
		if instance != "" {
			c.Service = prefix + "@" + instance + ".service"
		}
	}
	if len(p.symlinks) > 0 {
		n := 0
		for _, l := range c.Listen {
			if l.path() != "" {
				n++
			}
		}
		if n != 1 {
			p.WholeErrorf([]string{"Symlinks"}, "Unit has symlinks set but none or more than one node in the file system. Refusing.")
		}
	}
}

// options are the normalized socket options every OpenSocket of the unit carries (proto OpenSocket.options):
// booleans as yes/no and only when set, sizes in bytes, modes in octal, keep-alive times in whole seconds.
func (p *parser) options() map[string]string {
	o := map[string]string{
		"Backlog":            strconv.FormatUint(min(p.backlog, math.MaxInt32), 10),
		"SocketMode":         fmt.Sprintf("%04o", p.socketMode),
		"DirectoryMode":      fmt.Sprintf("%04o", p.directoryMode),
		"FileDescriptorName": p.fdName,
	}
	if o["FileDescriptorName"] == "" {
		o["FileDescriptorName"] = p.name
	}
	for k, b := range p.bools {
		o[k] = yesno(b)
	}
	for k, v := range p.strs {
		o[k] = v
	}
	if p.keepAliveTime > 0 {
		o["KeepAliveTimeSec"] = strconv.FormatUint(max(p.keepAliveTime/1e6, 1), 10)
	}
	if p.keepAliveInterval > 0 {
		o["KeepAliveIntervalSec"] = strconv.FormatUint(max(p.keepAliveInterval/1e6, 1), 10)
	}
	if p.keepAliveProbes > 0 {
		o["KeepAliveProbes"] = strconv.FormatInt(p.keepAliveProbes, 10)
	}
	if p.receiveBuffer > 0 {
		o["ReceiveBuffer"] = strconv.FormatUint(p.receiveBuffer, 10)
	}
	if p.sendBuffer > 0 {
		o["SendBuffer"] = strconv.FormatUint(p.sendBuffer, 10)
	}
	if len(p.symlinks) > 0 {
		o["Symlinks"] = strings.Join(p.symlinks, " ")
	}
	return o
}

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// usec formats a duration in µs as systemd does; zero is "infinity" where systemd reads it so.
func usec(v uint64, zeroIsInfinity bool) string {
	if v == 0 && zeroIsInfinity {
		return "infinity"
	}
	return timespan.Format(time.Duration(v) * time.Microsecond)
}
