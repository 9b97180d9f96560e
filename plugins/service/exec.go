package main

import (
	"path"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// directoryKinds maps RuntimeDirectory= and its kin to their key in ExecContext.Directories.
var directoryKinds = map[string]string{
	"RuntimeDirectory": "runtime", "StateDirectory": "state", "CacheDirectory": "cache", "LogsDirectory": "logs",
	"ConfigurationDirectory": "configuration",
}

// execDirectives are the keys of man systemd.exec that set Config.Exec (and the environment lists beside it).
func execDirectives() map[string]handler {
	h := map[string]handler{
		"User":                (*parser).user,
		"Group":               (*parser).user,
		"SupplementaryGroups": (*parser).supplementaryGroups,
		"WorkingDirectory":    (*parser).workingDirectory,
		"RootDirectory":       (*parser).rootDirectory,
		"Environment":         (*parser).environment,
		"EnvironmentFile":     (*parser).environmentFile,
		"PassEnvironment":     (*parser).passEnvironment,
		"UnsetEnvironment":    (*parser).unsetEnvironment,
		"UMask": func(p *parser, e *sdk.Entry) {
			if m, ok := p.mode(e, defaultUMask, 0o777); ok {
				p.c.Exec.Umask = int32(m)
			}
		},
		"Nice": func(p *parser, e *sdk.Entry) {
			n, set, ok := p.intRange(e, -20, 19)
			if ok {
				p.c.Exec.Nice, p.c.Exec.NiceSet = int32(n), set
			}
		},
		"OOMScoreAdjust": func(p *parser, e *sdk.Entry) {
			n, set, ok := p.intRange(e, -1000, 1000)
			if ok {
				p.c.Exec.OomScoreAdjust, p.c.Exec.OomScoreAdjustSet = int32(n), set
			}
		},
		"CPUSchedulingPolicy": func(p *parser, e *sdk.Entry) {
			p.enum(e, &p.c.Exec.CpuSchedulingPolicy, "", "other", "batch", "idle", "fifo", "rr")
		},
		"CPUSchedulingPriority": func(p *parser, e *sdk.Entry) {
			if n, _, ok := p.intRange(e, 0, 99); ok {
				p.c.Exec.CpuSchedulingPriority = int32(n)
			}
		},
		"NoNewPrivileges": func(p *parser, e *sdk.Entry) { p.boolean(e, &p.c.Exec.NoNewPrivileges, false) },
		"PrivateTmp":      func(p *parser, e *sdk.Entry) { p.boolean(e, &p.c.Exec.PrivateTmp, false) },
		"IgnoreSIGPIPE": func(p *parser, e *sdk.Entry) {
			var ignore bool
			if p.boolean(e, &ignore, true) {
				p.c.Exec.KeepSigpipe = !ignore
			}
		},
		"CapabilityBoundingSet":    func(p *parser, e *sdk.Entry) { p.capabilities(e, &p.bounding) },
		"AmbientCapabilities":      func(p *parser, e *sdk.Entry) { p.capabilities(e, &p.ambient) },
		"StandardInput":            (*parser).standardInput,
		"StandardOutput":           (*parser).standardOutput,
		"StandardError":            (*parser).standardOutput,
		"StandardInputText":        (*parser).standardInputText,
		"StandardInputData":        (*parser).standardInputData,
		"TTYPath":                  (*parser).ttyPath,
		"SyslogIdentifier":         func(p *parser, e *sdk.Entry) { p.c.Exec.SyslogIdentifier = e.Value },
		"RuntimeDirectoryPreserve": (*parser).runtimeDirectoryPreserve,
	}
	for key, kind := range directoryKinds {
		h[key] = func(p *parser, e *sdk.Entry) { p.directories(e, kind) }
		h[key+"Mode"] = func(p *parser, e *sdk.Entry) {
			if m, ok := p.mode(e, defaultDirMode, 0o7777); ok {
				p.dir(kind).Mode = m
			}
		}
	}
	for key := range limitKinds {
		h["Limit"+key] = (*parser).limit
	}
	return h
}

// validUserName accepts what systemd's relaxed user and group name check accepts: a name or a number, without
// whitespace, "/", ":" or a leading "-", at most 256 bytes.
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

func (p *parser) user(e *sdk.Entry) {
	dst := &p.c.Exec.User
	if e.Key == "Group" {
		dst = &p.c.Exec.Group
	}
	if e.Value != "" && !validUserName(e.Value) {
		p.bad(e, "not a valid user or group name")
		return
	}
	*dst = e.Value
}

func (p *parser) supplementaryGroups(e *sdk.Entry) {
	if strings.TrimSpace(e.Value) == "" {
		p.c.Exec.SupplementaryGroups = nil
		return
	}
	words, err := unitfile.SplitWords(e.Value, unitfile.SplitCUnescape)
	if err != nil {
		p.bad(e, "%v", err)
		return
	}
	for _, w := range words {
		if !validUserName(w) {
			p.bad(e, "%q is not a valid group name", w)
			return
		}
	}
	for _, w := range words {
		p.c.Exec.SupplementaryGroups = appendUnique(p.c.Exec.SupplementaryGroups, w)
	}
}

// workingDirectory takes an absolute path or "~" (the user's home), either with a leading "-" that ignores a
// missing directory; the value is kept as written for the host.
func (p *parser) workingDirectory(e *sdk.Entry) {
	v := strings.TrimPrefix(e.Value, "-")
	if e.Value != "" && v != "~" && !normalPath(v) {
		p.bad(e, "not an absolute normalized path or \"~\"")
		return
	}
	p.c.Exec.WorkingDirectory = e.Value
}

func (p *parser) rootDirectory(e *sdk.Entry) {
	if e.Value != "" && !normalPath(e.Value) {
		p.bad(e, "not an absolute normalized path")
		return
	}
	p.c.Exec.RootDirectory = e.Value
}

func (p *parser) ttyPath(e *sdk.Entry) {
	if e.Value != "" && !normalPath(e.Value) {
		p.bad(e, "not an absolute normalized path")
		return
	}
	p.c.Exec.TtyPath = e.Value
}

// mode parses an octal mode no larger than max; an empty value restores def.
func (p *parser) mode(e *sdk.Entry, def, max uint32) (uint32, bool) {
	if e.Value == "" {
		return def, true
	}
	m, err := strconv.ParseUint(e.Value, 8, 32)
	if err != nil || uint32(m) > max {
		p.bad(e, "not an octal mode up to %#o", max)
		return 0, false
	}
	return uint32(m), true
}

// intRange parses a decimal integer in lo..hi; an empty value unsets (set false).
func (p *parser) intRange(e *sdk.Entry, lo, hi int) (n int, set, ok bool) {
	if e.Value == "" {
		return 0, false, true
	}
	n, err := strconv.Atoi(e.Value)
	if err != nil || n < lo || n > hi {
		p.bad(e, "not an integer between %d and %d", lo, hi)
		return 0, false, false
	}
	return n, true, true
}

// dir returns the DirectorySet of kind, creating it with the default mode.
func (p *parser) dir(kind string) *pb.DirectorySet {
	if p.dirs == nil {
		p.dirs = map[string]*pb.DirectorySet{}
	}
	d := p.dirs[kind]
	if d == nil {
		d = &pb.DirectorySet{Mode: defaultDirMode}
		p.dirs[kind] = d
	}
	return d
}

// directories adds space-separated relative paths below the kind's base directory; an empty value resets.
func (p *parser) directories(e *sdk.Entry, kind string) {
	if strings.TrimSpace(e.Value) == "" {
		p.dir(kind).Paths = nil
		return
	}
	words, err := unitfile.SplitWords(e.Value, unitfile.SplitCUnescape)
	if err != nil {
		p.bad(e, "%v", err)
		return
	}
	for _, w := range words {
		if w == "" || strings.HasPrefix(w, "/") || !normalPath("/"+w) || path.Clean(w) != w {
			p.bad(e, "%q is not a normalized relative path without \"..\"", w)
			return
		}
	}
	d := p.dir(kind)
	for _, w := range words {
		d.Paths = appendUnique(d.Paths, w)
	}
}

func (p *parser) runtimeDirectoryPreserve(e *sdk.Entry) {
	switch e.Value {
	case "":
		p.c.RuntimeDirectoryPreserve = "no"
	case "restart":
		p.c.RuntimeDirectoryPreserve = "restart"
	default:
		b, err := unitfile.ParseBool(e.Value)
		if err != nil {
			p.bad(e, "expected a boolean or \"restart\"")
			return
		}
		p.c.RuntimeDirectoryPreserve = map[bool]string{false: "no", true: "yes"}[b]
	}
}

// finishExec assembles the parts of Exec that several keys contribute to.
func (p *parser) finishExec() {
	x := p.c.Exec
	if p.bounding.set {
		x.CapabilityBoundingSet = p.bounding.names()
		p.c.NoCapabilities = len(x.CapabilityBoundingSet) == 0
	}
	if p.ambient.set {
		x.AmbientCapabilities = p.ambient.names()
	}
	for kind, d := range p.dirs {
		if len(d.Paths) == 0 {
			continue
		}
		if kind == "runtime" {
			d.Preserve = p.c.RuntimeDirectoryPreserve == "yes"
		}
		if x.Directories == nil {
			x.Directories = map[string]*pb.DirectorySet{}
		}
		x.Directories[kind] = d
	}
	p.finishStdio()
}
