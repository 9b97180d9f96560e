// Package exec parses the settings systemd shares between the unit types that run processes: the command
// lines of Exec*= keys, man systemd.exec (User=, Environment=, StandardInput=, Limit*=, …), man systemd.kill
// (KillMode=, KillSignal=, …) and man systemd.resource-control (MemoryMax=, CPUQuota=, …), and computes a
// command's environment and argv at spawn time. The service and socket plugins use it for [Service] and
// [Socket]; a third-party plugin whose units run commands (a swap or mount type, say) uses it too, with
// sdk/control to run those commands and escalate their kills.
//
// A Parser is created per section with pointers into the caller's config struct; the caller embeds
// ExecSettings, KillSettings and CgroupConfig in its config so that their JSON field names stay flat.
package exec

import (
	"fmt"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/signame"
	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
)

// Defaults systemd applies when a unit does not say otherwise.
const (
	DefaultDirMode = 0o755
	DefaultUMask   = 0o022
)

// ExecSettings are the settings of man systemd.exec. Exec is the execution context every command starts from;
// Exec.Environment holds Environment= only.
type ExecSettings struct {
	Exec             *sdk.ExecContext  `json:",omitzero"`
	EnvironmentFiles []EnvironmentFile `json:",omitzero"`
	PassEnvironment  []string          `json:",omitzero"`
	UnsetEnvironment []string          `json:",omitzero"`

	// RuntimeDirectoryPreserve is no, yes or restart: with restart the runtime directories survive a restart
	// of the unit but not a stop (Exec.Directories["runtime"].Preserve says only yes).
	RuntimeDirectoryPreserve string `json:",omitzero"`
	// NoCapabilities is set when CapabilityBoundingSet= resolves to the empty set: every capability is
	// dropped, which Exec.CapabilityBoundingSet (empty: unchanged) cannot express.
	NoCapabilities bool `json:",omitzero"`
	// Unenforced lists the keys of the section that sysmaster knows but does not apply (see unenforcedKeys).
	Unenforced []string `json:",omitzero"`
	// SamePgrp keeps the processes in the core's process group instead of a new session (systemd's same_pgrp):
	// a mount unit's mount(8) must run as the autofs daemon, whose process group the core is, or it would wait
	// for the very automount request it answers.
	SamePgrp bool `json:",omitempty"`
}

// KillSettings are the settings of man systemd.kill.
type KillSettings struct {
	KillMode          string `json:",omitzero"` // control-group, mixed, process, none
	KillSignal        int    `json:",omitzero"`
	RestartKillSignal int    `json:",omitzero"`
	FinalKillSignal   int    `json:",omitzero"`
	WatchdogSignal    int    `json:",omitzero"`
	SendSIGKILL       bool   `json:",omitzero"`
	SendSIGHUP        bool   `json:",omitzero"`
}

// CgroupConfig is the unit's resource control (man systemd.resource-control).
type CgroupConfig struct {
	Cgroup *sdk.CgroupSettings `json:",omitzero"`
	// CPUWeightIdle is CPUWeight=idle (cgroup v2 cpu.idle); Cgroup.CPUWeight is then 1.
	CPUWeightIdle bool `json:",omitzero"`
	// Slice is Slice=: the slice unit the unit's cgroup goes in; "" for the default (system.slice, or
	// system-PREFIX.slice for an instance). The parser hands it to the host as the "Slice" annotation.
	Slice string `json:",omitempty"`
}

// Command is one command line of an Exec*= key, with its prefixes (man systemd.service, "Command lines").
type Command struct {
	Path string   `json:",omitzero"` // the executable
	Argv []string `json:",omitzero"` // argv[0] included; with "@" it is the second word of the line

	IgnoreFailure  bool `json:",omitzero"` // "-": a failing exit status counts as success
	NoExpand       bool `json:",omitzero"` // ":": no environment variable expansion
	FullPrivileges bool `json:",omitzero"` // "+"
	AmbientOnly    bool `json:",omitzero"` // "!"
	NoAmbient      bool `json:",omitzero"` // "!!"

	// Where the command was written, for messages.
	File string `json:",omitzero"`
	Line int32  `json:",omitzero"`
}

// EnvironmentFile is one EnvironmentFile= path; Optional when written with a leading "-".
type EnvironmentFile struct {
	Path     string `json:",omitzero"`
	Optional bool   `json:",omitzero"`
}

// DefaultExec is what systemd starts a unit's processes with when nothing is said: umask 0022, standard input
// from /dev/null, output to the journal, errors where the output goes, a new session.
func DefaultExec() ExecSettings {
	return ExecSettings{
		RuntimeDirectoryPreserve: "no",
		Exec: &sdk.ExecContext{
			UMask:          DefaultUMask,
			StandardInput:  "null",
			StandardOutput: "journal",
			StandardError:  "inherit",
			Setsid:         true,
		},
	}
}

// DefaultKill is systemd.kill's defaults: the whole cgroup gets SIGTERM, then SIGKILL.
func DefaultKill() KillSettings {
	return KillSettings{KillMode: "control-group", KillSignal: 15, FinalKillSignal: 9, WatchdogSignal: 6, SendSIGKILL: true}
}

// DefaultCgroup is resource control with nothing set.
func DefaultCgroup() CgroupConfig { return CgroupConfig{Cgroup: &sdk.CgroupSettings{}} }

// Parser parses one unit section's shared settings into the structs it was given, recording problems in Res
// under Section with the file, line and key of each assignment.
type Parser struct {
	Res     *sdk.ParseResult
	Section string
	Env     LoadEnv
	// Last is the last assignment of each key seen by Run, for problems of the whole section.
	Last map[string]*sdk.Entry

	x *ExecSettings
	k *KillSettings
	g *CgroupConfig

	stdinSet, stdoutSet, restartKillSet bool
	bounding, ambient                   capSet
	stdinData                           []byte
	dirs                                map[string]*sdk.DirectorySet
	box                                 sandboxState
	io                                  ioSched
}

// NewParser returns a parser that fills x, k and g (any may be nil: its keys are then unknown).
func NewParser(res *sdk.ParseResult, section string, env LoadEnv, x *ExecSettings, k *KillSettings, g *CgroupConfig) *Parser {
	return &Parser{Res: res, Section: section, Env: env, Last: map[string]*sdk.Entry{}, x: x, k: k, g: g}
}

// handler parses one assignment of its key.
type handler func(p *Parser, e *sdk.Entry)

var (
	execKeys   = execDirectives()
	killKeys   = killDirectives()
	cgroupKeys = cgroupDirectives()
)

// Keys lists every key a parser with all three structs knows, for fuzz tests and documentation.
func Keys() []string {
	var out []string
	for _, m := range []map[string]handler{execKeys, killKeys, cgroupKeys} {
		for k := range m {
			out = append(out, k)
		}
	}
	return out
}

// Run parses every entry of s in order: own is asked first and reports whether it knew the key; then the
// shared keys; an unknown key is a warning, as in systemd.
func (p *Parser) Run(s *sdk.Section, own func(e *sdk.Entry) bool) {
	if s == nil {
		return
	}
	for _, e := range s.Entries {
		p.Last[e.Key] = e
		if own != nil && own(e) {
			continue
		}
		if p.Handle(e) {
			continue
		}
		delete(p.Last, e.Key)
		if strings.HasPrefix(e.Key, "X-") {
			continue // extensions are for other programs, and accepted silently as systemd does
		}
		if unenforcedKeys[e.Key] {
			p.unenforced(e)
			continue
		}
		if !strings.HasPrefix(e.Key, "X-") { // extension keys are the admin's, as in systemd: no warning
			p.Res.Warnf(e, p.Section, e.Key, "Unknown key name '%s' in section '%s', ignoring.", e.Key, p.Section)
		}
	}
}

// Handle parses e if it is one of the shared keys and reports whether it was.
func (p *Parser) Handle(e *sdk.Entry) bool {
	if h, ok := execKeys[e.Key]; ok && p.x != nil {
		h(p, e)
		return true
	}
	if h, ok := killKeys[e.Key]; ok && p.k != nil {
		h(p, e)
		return true
	}
	if h, ok := cgroupKeys[e.Key]; ok && p.g != nil {
		h(p, e)
		return true
	}
	return false
}

// Finish applies the defaults that depend on several keys (RestartKillSignal= follows KillSignal=, standard
// output inherits a socket or terminal input, …) and assembles what several keys contribute to.
func (p *Parser) Finish() {
	if p.k != nil && !p.restartKillSet {
		p.k.RestartKillSignal = p.k.KillSignal
	}
	if p.x != nil {
		p.finishExec()
	}
	if p.g != nil {
		p.Res.Annotate("Slice", p.g.Slice)
	}
}

func killDirectives() map[string]handler {
	return map[string]handler{
		"KillMode": func(p *Parser, e *sdk.Entry) {
			if p.Enum(e, &p.k.KillMode, "control-group", "control-group", "mixed", "process", "none") && e.Value == "none" {
				p.Res.Warnf(e, p.Section, e.Key, "KillMode=none is deprecated and unsafe: processes of the unit are left running when it stops")
			}
		},
		"KillSignal": func(p *Parser, e *sdk.Entry) { p.Signal(e, &p.k.KillSignal, 15) },
		"RestartKillSignal": func(p *Parser, e *sdk.Entry) {
			if p.Signal(e, &p.k.RestartKillSignal, 0) {
				p.restartKillSet = e.Value != ""
			}
		},
		"FinalKillSignal": func(p *Parser, e *sdk.Entry) { p.Signal(e, &p.k.FinalKillSignal, 9) },
		"WatchdogSignal":  func(p *Parser, e *sdk.Entry) { p.Signal(e, &p.k.WatchdogSignal, 6) },
		"SendSIGKILL":     func(p *Parser, e *sdk.Entry) { p.Bool(e, &p.k.SendSIGKILL, true) },
		"SendSIGHUP":      func(p *Parser, e *sdk.Entry) { p.Bool(e, &p.k.SendSIGHUP, false) },
	}
}

// Bad records a value that does not parse. As systemd's parsers, it is a warning and the assignment is
// ignored, except for the keys systemd refuses the unit over (fatalKeys: its config_parse_exec and the
// parsers that return -ENOEXEC), which make the unit bad-setting.
func (p *Parser) Bad(e *sdk.Entry, format string, args ...any) {
	msg := fmt.Sprintf("Invalid %s=%q: %s", e.Key, e.Value, fmt.Sprintf(format, args...))
	if fatalKeys[e.Key] {
		p.Res.Errorf(e, p.Section, e.Key, "%s", msg)
		return
	}
	p.Res.Warnf(e, p.Section, e.Key, "%s, ignoring.", msg)
}

// fatalKeys are the keys whose bad values make systemd 252 refuse the unit (bad-setting) instead of ignoring
// the line: command lines, the directories a process runs in, its user and group, DynamicUser=.
var fatalKeys = map[string]bool{
	"ExecCondition": true, "ExecStartPre": true, "ExecStart": true, "ExecStartPost": true, "ExecReload": true,
	"ExecStop": true, "ExecStopPre": true, "ExecStopPost": true,
	"WorkingDirectory": true, "RootDirectory": true, "RootImage": true,
	"User": true, "Group": true, "SupplementaryGroups": true, "DynamicUser": true,
}

// WholeErrorf records an error that no single line makes, naming the last assignment of key (or of the first
// of keys that has one), or the unit without a line when there is none.
func (p *Parser) WholeErrorf(keys []string, format string, args ...any) {
	p.whole(p.Res.Errorf, keys, format, args...)
}

// WholeWarnf is WholeErrorf for a warning.
func (p *Parser) WholeWarnf(keys []string, format string, args ...any) {
	p.whole(p.Res.Warnf, keys, format, args...)
}

func (p *Parser) whole(f func(*sdk.Entry, string, string, string, ...any), keys []string, format string, args ...any) {
	for _, k := range keys {
		if e := p.Last[k]; e != nil {
			f(e, p.Section, k, format, args...)
			return
		}
	}
	f(nil, p.Section, keys[0], format, args...)
}

// Bool parses a yes/no value; an empty one restores def.
func (p *Parser) Bool(e *sdk.Entry, dst *bool, def bool) bool {
	if e.Value == "" {
		*dst = def
		return true
	}
	b, err := unitfile.ParseBool(e.Value)
	if err != nil {
		p.Bad(e, "not a boolean")
		return false
	}
	*dst = b
	return true
}

// Enum sets dst to one of the allowed values; an empty value restores def.
func (p *Parser) Enum(e *sdk.Entry, dst *string, def string, allowed ...string) bool {
	if e.Value == "" {
		*dst = def
		return true
	}
	for _, a := range allowed {
		if e.Value == a {
			*dst = a
			return true
		}
	}
	p.Bad(e, "expected one of %s", strings.Join(allowed, ", "))
	return false
}

// Timespan parses a time span (bare numbers are seconds) into microseconds: an empty value restores def,
// "infinity" (and 0, where the caller passes inf 0) becomes inf.
func (p *Parser) Timespan(e *sdk.Entry, dst *uint64, def, inf uint64) bool {
	if e.Value == "" {
		*dst = def
		return true
	}
	d, err := timespan.Parse(e.Value)
	if err != nil {
		p.Bad(e, "not a time span")
		return false
	}
	if d == timespan.Infinity {
		*dst = inf
		return true
	}
	*dst = uint64(d / time.Microsecond)
	return true
}

// Signal parses a signal name or number; an empty value restores def.
func (p *Parser) Signal(e *sdk.Entry, dst *int, def int) bool {
	if e.Value == "" {
		*dst = def
		return true
	}
	n, err := signame.Parse(e.Value)
	if err != nil {
		p.Bad(e, "not a signal name or number")
		return false
	}
	*dst = n
	return true
}

// AppendUnique appends s to list unless it is there.
func AppendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// NormalPath reports whether path is absolute and has no "." or ".." component, no "//" and no trailing "/".
func NormalPath(path string) bool {
	if !strings.HasPrefix(path, "/") {
		return false
	}
	if path == "/" {
		return true
	}
	for _, c := range strings.Split(path[1:], "/") {
		if c == "" || c == "." || c == ".." {
			return false
		}
	}
	return true
}
