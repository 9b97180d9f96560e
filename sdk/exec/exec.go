package exec

import (
	"path"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
)

// directoryKinds maps RuntimeDirectory= and its kin to their key in ExecContext.Directories.
var directoryKinds = map[string]string{
	"RuntimeDirectory": "runtime", "StateDirectory": "state", "CacheDirectory": "cache", "LogsDirectory": "logs",
	"ConfigurationDirectory": "configuration",
}

// execDirectives are the keys of man systemd.exec that set ExecSettings (the execution context and the environment lists beside it).
func execDirectives() map[string]handler {
	h := map[string]handler{
		"User":                (*Parser).user,
		"Group":               (*Parser).user,
		"SupplementaryGroups": (*Parser).supplementaryGroups,
		"WorkingDirectory":    (*Parser).workingDirectory,
		"RootDirectory":       (*Parser).rootDirectory,
		"Environment":         (*Parser).environment,
		"EnvironmentFile":     (*Parser).environmentFile,
		"PassEnvironment":     (*Parser).passEnvironment,
		"UnsetEnvironment":    (*Parser).unsetEnvironment,
		"UMask": func(p *Parser, e *sdk.Entry) {
			if m, ok := p.Mode(e, DefaultUMask, 0o777); ok {
				p.x.Exec.UMask = int32(m)
			}
		},
		"Nice": func(p *Parser, e *sdk.Entry) {
			n, set, ok := p.IntRange(e, -20, 19)
			if ok {
				p.x.Exec.Nice, p.x.Exec.NiceSet = int32(n), set
			}
		},
		"OOMScoreAdjust": func(p *Parser, e *sdk.Entry) {
			n, set, ok := p.IntRange(e, -1000, 1000)
			if ok {
				p.x.Exec.OOMScoreAdjust, p.x.Exec.OOMScoreAdjustSet = int32(n), set
			}
		},
		"CPUSchedulingPolicy": func(p *Parser, e *sdk.Entry) {
			p.Enum(e, &p.x.Exec.CPUSchedulingPolicy, "", "other", "batch", "idle", "fifo", "rr")
		},
		"CPUSchedulingPriority": func(p *Parser, e *sdk.Entry) {
			if n, _, ok := p.IntRange(e, 0, 99); ok {
				p.x.Exec.CPUSchedulingPriority = int32(n)
			}
		},
		"NoNewPrivileges": func(p *Parser, e *sdk.Entry) { p.Bool(e, &p.x.Exec.NoNewPrivileges, false) },
		"PrivateTmp":      func(p *Parser, e *sdk.Entry) { p.Bool(e, &p.x.Exec.PrivateTmp, false) },
		"IgnoreSIGPIPE": func(p *Parser, e *sdk.Entry) {
			var ignore bool
			if p.Bool(e, &ignore, true) {
				p.x.Exec.KeepSIGPIPE = !ignore
			}
		},
		"CapabilityBoundingSet":    func(p *Parser, e *sdk.Entry) { p.capabilities(e, &p.bounding) },
		"AmbientCapabilities":      func(p *Parser, e *sdk.Entry) { p.capabilities(e, &p.ambient) },
		"StandardInput":            (*Parser).standardInput,
		"StandardOutput":           (*Parser).standardOutput,
		"StandardError":            (*Parser).standardOutput,
		"StandardInputText":        (*Parser).standardInputText,
		"StandardInputData":        (*Parser).standardInputData,
		"TTYPath":                  (*Parser).ttyPath,
		"SyslogIdentifier":         func(p *Parser, e *sdk.Entry) { p.x.Exec.SyslogIdentifier = e.Value },
		"RuntimeDirectoryPreserve": (*Parser).runtimeDirectoryPreserve,
	}
	for key, kind := range directoryKinds {
		h[key] = func(p *Parser, e *sdk.Entry) { p.directories(e, kind) }
		h[key+"Mode"] = func(p *Parser, e *sdk.Entry) {
			if m, ok := p.Mode(e, DefaultDirMode, 0o7777); ok {
				p.dir(kind).Mode = m
			}
		}
	}
	for key := range limitKinds {
		h["Limit"+key] = (*Parser).limit
	}
	sandboxDirectives(h)
	credentialDirectives(h)
	ttyDirectives(h)
	h["IOSchedulingClass"] = (*Parser).ioSchedulingClass
	h["IOSchedulingPriority"] = (*Parser).ioSchedulingPriority
	h["CPUAffinity"] = (*Parser).cpuAffinity
	h["KeyringMode"] = func(p *Parser, e *sdk.Entry) {
		p.Enum(e, &p.x.Exec.KeyringMode, "", "inherit", "private", "shared")
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

func (p *Parser) user(e *sdk.Entry) {
	dst := &p.x.Exec.User
	if e.Key == "Group" {
		dst = &p.x.Exec.Group
	}
	if e.Value != "" && !validUserName(e.Value) {
		p.Bad(e, "not a valid user or group name")
		return
	}
	*dst = e.Value
}

func (p *Parser) supplementaryGroups(e *sdk.Entry) {
	if strings.TrimSpace(e.Value) == "" {
		p.x.Exec.SupplementaryGroups = nil
		return
	}
	words, err := unitfile.SplitWords(e.Value, unitfile.SplitCUnescape)
	if err != nil {
		p.Bad(e, "%v", err)
		return
	}
	for _, w := range words {
		if !validUserName(w) {
			p.Bad(e, "%q is not a valid group name", w)
			return
		}
	}
	for _, w := range words {
		p.x.Exec.SupplementaryGroups = AppendUnique(p.x.Exec.SupplementaryGroups, w)
	}
}

// workingDirectory takes an absolute path or "~" (the user's home), either with a leading "-" that ignores a
// missing directory; the value is kept as written for the host.
func (p *Parser) workingDirectory(e *sdk.Entry) {
	v := strings.TrimPrefix(e.Value, "-")
	if e.Value != "" && v != "~" && !NormalPath(v) {
		p.Bad(e, "not an absolute normalized path or \"~\"")
		return
	}
	p.x.Exec.WorkingDirectory = e.Value
}

func (p *Parser) rootDirectory(e *sdk.Entry) {
	if e.Value != "" && !NormalPath(e.Value) {
		p.Bad(e, "not an absolute normalized path")
		return
	}
	p.x.Exec.RootDirectory = e.Value
}

// ttyPath takes an absolute path, simplified as systemd's path_simplify_and_warn does (repeated and trailing
// slashes and "." dropped): a template's TTYPath=/dev/%I reads /dev/ while the template itself is loaded.
func (p *Parser) ttyPath(e *sdk.Entry) {
	v := e.Value
	if v != "" && strings.HasPrefix(v, "/") {
		v = path.Clean(v)
	}
	if v != "" && !NormalPath(v) || strings.Contains("/"+e.Value+"/", "/../") {
		p.Bad(e, "not an absolute normalized path")
		return
	}
	p.x.Exec.TTYPath = v
}

// Mode parses an octal mode no larger than max; an empty value restores def.
func (p *Parser) Mode(e *sdk.Entry, def, max uint32) (uint32, bool) {
	if e.Value == "" {
		return def, true
	}
	m, err := strconv.ParseUint(e.Value, 8, 32)
	if err != nil || uint32(m) > max {
		p.Bad(e, "not an octal mode up to %#o", max)
		return 0, false
	}
	return uint32(m), true
}

// IntRange parses a decimal integer in lo..hi; an empty value unsets (set false).
func (p *Parser) IntRange(e *sdk.Entry, lo, hi int) (n int, set, ok bool) {
	if e.Value == "" {
		return 0, false, true
	}
	n, err := strconv.Atoi(e.Value)
	if err != nil || n < lo || n > hi {
		p.Bad(e, "not an integer between %d and %d", lo, hi)
		return 0, false, false
	}
	return n, true, true
}

// dir returns the DirectorySet of kind, creating it with the default mode.
func (p *Parser) dir(kind string) *sdk.DirectorySet {
	if p.dirs == nil {
		p.dirs = map[string]*sdk.DirectorySet{}
	}
	d := p.dirs[kind]
	if d == nil {
		d = &sdk.DirectorySet{Mode: DefaultDirMode}
		p.dirs[kind] = d
	}
	return d
}

// directories adds space-separated relative paths below the kind's base directory; an empty value resets.
func (p *Parser) directories(e *sdk.Entry, kind string) {
	if strings.TrimSpace(e.Value) == "" {
		p.dir(kind).Paths = nil
		return
	}
	words, err := unitfile.SplitWords(e.Value, unitfile.SplitCUnescape)
	if err != nil {
		p.Bad(e, "%v", err)
		return
	}
	for _, w := range words {
		if w == "" || strings.HasPrefix(w, "/") || !NormalPath("/"+w) || path.Clean(w) != w {
			p.Bad(e, "%q is not a normalized relative path without \"..\"", w)
			return
		}
	}
	d := p.dir(kind)
	for _, w := range words {
		d.Paths = AppendUnique(d.Paths, w)
	}
}

func (p *Parser) runtimeDirectoryPreserve(e *sdk.Entry) {
	switch e.Value {
	case "":
		p.x.RuntimeDirectoryPreserve = "no"
	case "restart":
		p.x.RuntimeDirectoryPreserve = "restart"
	default:
		b, err := unitfile.ParseBool(e.Value)
		if err != nil {
			p.Bad(e, "expected a boolean or \"restart\"")
			return
		}
		p.x.RuntimeDirectoryPreserve = map[bool]string{false: "no", true: "yes"}[b]
	}
}

// finishExec assembles the parts of Exec that several keys contribute to.
func (p *Parser) finishExec() {
	x := p.x.Exec
	x.Sandbox = p.finishSandbox()
	x.IOPrio, x.IOPrioSet = p.io.ioprio()
	if p.bounding.set {
		x.CapabilityBoundingSet = p.bounding.names()
		p.x.NoCapabilities = len(x.CapabilityBoundingSet) == 0
	}
	if p.ambient.set {
		x.AmbientCapabilities = p.ambient.names()
	}
	for kind, d := range p.dirs {
		if len(d.Paths) == 0 {
			continue
		}
		if kind == "runtime" {
			d.Preserve = p.x.RuntimeDirectoryPreserve == "yes"
		}
		if x.Directories == nil {
			x.Directories = map[string]*sdk.DirectorySet{}
		}
		x.Directories[kind] = d
	}
	p.finishStdio()
}
