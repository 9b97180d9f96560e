package main

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/signame"
	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// section is the one section this file parses.
const section = "Service"

// Defaults systemd applies when a unit does not say otherwise (man systemd.service, systemd-system.conf).
const (
	defaultTimeoutUSec = 90 * uint64(time.Second/time.Microsecond) // DefaultTimeoutStartSec=, DefaultTimeoutStopSec=
	defaultRestartUSec = 100 * uint64(time.Millisecond/time.Microsecond)
	defaultDirMode     = 0o755
	defaultUMask       = 0o022
)

// parseConfig parses the unit's [Service] section into a Config with systemd's defaults, recording every
// problem in res with its file, line and key. The result is meaningful only when res.Failed() is false.
// Executables given by a plain name are looked up in the fixed search path now.
func parseConfig(req *sdk.ParseRequest, res *sdk.ParseResult) Config {
	return parseWith(req, res, systemLoadEnv())
}

// parseWith is parseConfig with the system looked at through env, so that tests need no particular machine.
func parseWith(req *sdk.ParseRequest, res *sdk.ParseResult, env loadEnv) Config {
	p := &parser{res: res, env: env, c: defaultConfig(), last: map[string]*sdk.Entry{}}
	if s := req.Section(section); s != nil {
		for _, e := range s.Entries {
			h, ok := directives[e.Key]
			if !ok {
				res.Warnf(e, section, e.Key, "Unknown key name '%s' in section '%s', ignoring.", e.Key, section)
				continue
			}
			p.last[e.Key] = e
			h(p, e)
		}
	}
	p.finish()
	return p.c
}

// defaultConfig is a [Service] section with nothing in it, before the defaults that depend on other settings.
func defaultConfig() Config {
	return Config{
		Type:                     "simple",
		GuessMainPID:             true,
		Restart:                  "no",
		RestartUSec:              defaultRestartUSec,
		TimeoutStartUSec:         defaultTimeoutUSec,
		TimeoutStopUSec:          defaultTimeoutUSec,
		NotifyAccess:             "none",
		OOMPolicy:                "stop",
		KillMode:                 "control-group",
		KillSignal:               15, // SIGTERM
		FinalKillSignal:          9,  // SIGKILL
		WatchdogSignal:           6,  // SIGABRT
		ReloadSignal:             1,  // SIGHUP
		SendSIGKILL:              true,
		RuntimeDirectoryPreserve: "no",
		Exec: &pb.ExecContext{
			Umask:          defaultUMask,
			StandardInput:  "null",
			StandardOutput: "journal",
			StandardError:  "inherit",
			Setsid:         true,
		},
		Cgroup: &pb.CgroupSettings{},
	}
}

// parser holds what parsing one section needs beyond the Config itself: which keys were set explicitly (their
// defaults depend on others) and the pieces that are assembled at the end.
type parser struct {
	res *sdk.ParseResult
	env loadEnv
	c   Config

	typeSet, notifyAccessSet, abortSet, restartKillSet bool
	stdinSet, stdoutSet                                bool

	last              map[string]*sdk.Entry // the last assignment of each key, for problems of the whole section
	bounding, ambient capSet
	stdinData         []byte
	dirs              map[string]*pb.DirectorySet
}

// bad records an error about e's value.
func (p *parser) bad(e *sdk.Entry, format string, args ...any) {
	p.res.Errorf(e, section, e.Key, "Invalid %s=%q: %s", e.Key, e.Value, fmt.Sprintf(format, args...))
}

// wholeErrorf records an error that no single line makes, naming the last assignment of key (or of the first
// of keys that has one), or the unit without a line when there is none.
func (p *parser) wholeErrorf(keys []string, format string, args ...any) {
	p.whole(p.res.Errorf, keys, format, args...)
}

func (p *parser) wholeWarnf(keys []string, format string, args ...any) {
	p.whole(p.res.Warnf, keys, format, args...)
}

func (p *parser) whole(f func(*sdk.Entry, string, string, string, ...any), keys []string, format string, args ...any) {
	for _, k := range keys {
		if e := p.last[k]; e != nil {
			f(e, section, k, format, args...)
			return
		}
	}
	f(nil, section, keys[0], format, args...)
}

// handler parses one assignment of its key.
type handler func(p *parser, e *sdk.Entry)

// directives maps every key of [Service] this plugin knows to its parser. It is never modified.
var directives = merge(serviceDirectives(), execDirectives(), cgroupDirectives())

func merge(maps ...map[string]handler) map[string]handler {
	out := map[string]handler{}
	for _, m := range maps {
		for k, h := range m {
			out[k] = h
		}
	}
	return out
}

func serviceDirectives() map[string]handler {
	cmd := func(dst func(*Config) *[]Command) handler {
		return func(p *parser, e *sdk.Entry) { p.commands(e, dst(&p.c)) }
	}
	exit := func(dst func(*Config) *ExitStatusSet) handler {
		return func(p *parser, e *sdk.Entry) { p.exitStatuses(e, dst(&p.c)) }
	}
	return map[string]handler{
		"Type": func(p *parser, e *sdk.Entry) {
			if e.Value == "dbus" {
				p.res.Errorf(e, section, e.Key, "Type=dbus is not supported: there is no D-Bus here")
				return
			}
			if p.enum(e, &p.c.Type, "simple", "simple", "exec", "forking", "oneshot", "notify", "notify-reload", "idle") {
				p.typeSet = e.Value != ""
			}
		},
		"RemainAfterExit": func(p *parser, e *sdk.Entry) { p.boolean(e, &p.c.RemainAfterExit, false) },
		"GuessMainPID":    func(p *parser, e *sdk.Entry) { p.boolean(e, &p.c.GuessMainPID, true) },
		"PIDFile":         (*parser).pidFile,

		"ExecCondition": cmd(func(c *Config) *[]Command { return &c.ExecCondition }),
		"ExecStartPre":  cmd(func(c *Config) *[]Command { return &c.ExecStartPre }),
		"ExecStart":     cmd(func(c *Config) *[]Command { return &c.ExecStart }),
		"ExecStartPost": cmd(func(c *Config) *[]Command { return &c.ExecStartPost }),
		"ExecReload":    cmd(func(c *Config) *[]Command { return &c.ExecReload }),
		"ExecStop":      cmd(func(c *Config) *[]Command { return &c.ExecStop }),
		"ExecStopPost":  cmd(func(c *Config) *[]Command { return &c.ExecStopPost }),

		"Restart": func(p *parser, e *sdk.Entry) {
			p.enum(e, &p.c.Restart, "no", "no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always")
		},
		"RestartSec": func(p *parser, e *sdk.Entry) { p.timespan(e, &p.c.RestartUSec, defaultRestartUSec, math.MaxUint64) },
		"RestartSteps": func(p *parser, e *sdk.Entry) {
			if e.Value == "" {
				p.c.RestartSteps = 0
				return
			}
			n, err := strconv.ParseUint(e.Value, 10, 32)
			if err != nil || n > 3600 {
				p.bad(e, "not an integer between 0 and 3600")
				return
			}
			p.c.RestartSteps = uint32(n)
		},
		"RestartMaxDelaySec":       func(p *parser, e *sdk.Entry) { p.timespan(e, &p.c.RestartMaxDelayUSec, 0, 0) },
		"RestartPreventExitStatus": exit(func(c *Config) *ExitStatusSet { return &c.RestartPreventExitStatus }),
		"RestartForceExitStatus":   exit(func(c *Config) *ExitStatusSet { return &c.RestartForceExitStatus }),
		"SuccessExitStatus":        exit(func(c *Config) *ExitStatusSet { return &c.SuccessExitStatus }),

		"TimeoutStartSec": func(p *parser, e *sdk.Entry) { p.timespan(e, &p.c.TimeoutStartUSec, defaultTimeoutUSec, 0) },
		"TimeoutStopSec":  func(p *parser, e *sdk.Entry) { p.timespan(e, &p.c.TimeoutStopUSec, defaultTimeoutUSec, 0) },
		"TimeoutSec": func(p *parser, e *sdk.Entry) {
			if p.timespan(e, &p.c.TimeoutStartUSec, defaultTimeoutUSec, 0) {
				p.c.TimeoutStopUSec = p.c.TimeoutStartUSec
			}
		},
		"TimeoutAbortSec": func(p *parser, e *sdk.Entry) {
			if p.timespan(e, &p.c.TimeoutAbortUSec, 0, 0) {
				p.abortSet = e.Value != ""
			}
		},
		"RuntimeMaxSec": func(p *parser, e *sdk.Entry) { p.timespan(e, &p.c.RuntimeMaxUSec, 0, 0) },
		"WatchdogSec":   func(p *parser, e *sdk.Entry) { p.timespan(e, &p.c.WatchdogUSec, 0, 0) },

		"NotifyAccess": func(p *parser, e *sdk.Entry) {
			if p.enum(e, &p.c.NotifyAccess, "none", "none", "main", "exec", "all") {
				p.notifyAccessSet = e.Value != ""
			}
		},
		"OOMPolicy": func(p *parser, e *sdk.Entry) { p.enum(e, &p.c.OOMPolicy, "stop", "continue", "stop", "kill") },
		"KillMode": func(p *parser, e *sdk.Entry) {
			if p.enum(e, &p.c.KillMode, "control-group", "control-group", "mixed", "process", "none") && e.Value == "none" {
				p.res.Warnf(e, section, e.Key, "KillMode=none is deprecated and unsafe: processes of the unit are left running when it stops")
			}
		},
		"KillSignal": func(p *parser, e *sdk.Entry) { p.signal(e, &p.c.KillSignal, 15) },
		"RestartKillSignal": func(p *parser, e *sdk.Entry) {
			if p.signal(e, &p.c.RestartKillSignal, 0) {
				p.restartKillSet = e.Value != ""
			}
		},
		"FinalKillSignal": func(p *parser, e *sdk.Entry) { p.signal(e, &p.c.FinalKillSignal, 9) },
		"WatchdogSignal":  func(p *parser, e *sdk.Entry) { p.signal(e, &p.c.WatchdogSignal, 6) },
		"ReloadSignal":    func(p *parser, e *sdk.Entry) { p.signal(e, &p.c.ReloadSignal, 1) },
		"SendSIGKILL":     func(p *parser, e *sdk.Entry) { p.boolean(e, &p.c.SendSIGKILL, true) },
		"SendSIGHUP":      func(p *parser, e *sdk.Entry) { p.boolean(e, &p.c.SendSIGHUP, false) },
		"Sockets":         (*parser).sockets,
	}
}

// boolean parses a yes/no value; an empty one restores def.
func (p *parser) boolean(e *sdk.Entry, dst *bool, def bool) bool {
	if e.Value == "" {
		*dst = def
		return true
	}
	b, err := unitfile.ParseBool(e.Value)
	if err != nil {
		p.bad(e, "not a boolean")
		return false
	}
	*dst = b
	return true
}

// enum sets dst to one of the allowed values; an empty value restores def.
func (p *parser) enum(e *sdk.Entry, dst *string, def string, allowed ...string) bool {
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
	p.bad(e, "expected one of %s", strings.Join(allowed, ", "))
	return false
}

// timespan parses a time span (bare numbers are seconds) into microseconds: an empty value restores def,
// "infinity" (and 0, where the caller passes inf 0) becomes inf.
func (p *parser) timespan(e *sdk.Entry, dst *uint64, def, inf uint64) bool {
	if e.Value == "" {
		*dst = def
		return true
	}
	d, err := timespan.Parse(e.Value)
	if err != nil {
		p.bad(e, "not a time span")
		return false
	}
	if d == timespan.Infinity {
		*dst = inf
		return true
	}
	*dst = uint64(d / time.Microsecond)
	return true
}

// signal parses a signal name or number; an empty value restores def.
func (p *parser) signal(e *sdk.Entry, dst *int, def int) bool {
	if e.Value == "" {
		*dst = def
		return true
	}
	n, err := signame.Parse(e.Value)
	if err != nil {
		p.bad(e, "not a signal name or number")
		return false
	}
	*dst = n
	return true
}

// pidFile takes an absolute path; a relative one is below /run/ and one below /var/run/ is moved to /run/, as
// systemd does.
func (p *parser) pidFile(e *sdk.Entry) {
	v := e.Value
	switch {
	case v == "":
		p.c.PIDFile = ""
		return
	case !strings.HasPrefix(v, "/"):
		v = "/run/" + v
	case strings.HasPrefix(v, "/var/run/"):
		v = "/run/" + strings.TrimPrefix(v, "/var/run/")
		p.res.Warnf(e, section, e.Key, "PIDFile= references a path below the legacy directory /var/run/, updating %s to %s", e.Value, v)
	}
	if !normalPath(v) {
		p.bad(e, "not a normalized path")
		return
	}
	p.c.PIDFile = v
}

// sockets adds socket units (space-separated) the service takes its sockets from; an empty value resets.
func (p *parser) sockets(e *sdk.Entry) {
	if e.Value == "" {
		p.c.Sockets = nil
		return
	}
	words, err := unitfile.SplitWords(e.Value, unitfile.SplitCUnescape)
	if err != nil {
		p.bad(e, "%v", err)
		return
	}
	for _, w := range words {
		if !strings.HasSuffix(w, ".socket") || len(w) == len(".socket") {
			p.res.Warnf(e, section, e.Key, "Sockets=%q: %q is not a socket unit, ignoring", e.Value, w)
			continue
		}
		p.c.Sockets = appendUnique(p.c.Sockets, w)
	}
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// normalPath reports whether path is absolute and has no "." or ".." component, no "//" and no trailing "/".
func normalPath(path string) bool {
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

// finish applies the defaults that depend on other settings and the checks systemd makes on a whole service
// (service_verify in systemd's terms).
func (p *parser) finish() {
	c := &p.c
	if !p.typeSet && len(c.ExecStart) == 0 {
		c.Type = "oneshot"
	}
	if !p.notifyAccessSet && (c.Type == "notify" || c.Type == "notify-reload" || c.WatchdogUSec > 0) {
		c.NotifyAccess = "main"
	}
	if !p.abortSet {
		c.TimeoutAbortUSec = c.TimeoutStopUSec
	}
	if !p.restartKillSet {
		c.RestartKillSignal = c.KillSignal
	}
	p.finishExec()
	if len(c.Sockets) > 0 {
		// As in systemd, the sockets a service takes are started with it and before it.
		p.res.AddImplicit("Wants", c.Sockets...)
		p.res.AddImplicit("After", c.Sockets...)
	}

	switch {
	case len(c.ExecStart) == 0 && c.Type != "oneshot":
		p.wholeErrorf([]string{"ExecStart", "Type"}, "Service has no ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.")
	case len(c.ExecStart) == 0 && len(c.ExecStop) == 0:
		// systemd accepts this only with SuccessAction= in [Unit], which this plugin does not see.
		p.wholeWarnf([]string{"ExecStart", "Type"}, "Service has no ExecStart= and no ExecStop=; it does nothing unless SuccessAction= is set")
	case len(c.ExecStart) > 1 && c.Type != "oneshot":
		p.wholeErrorf([]string{"ExecStart"}, "Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.")
	}
	if c.Type == "oneshot" && (c.Restart == "always" || c.Restart == "on-success") {
		p.wholeErrorf([]string{"Restart"}, "Service has Restart=%s, which isn't allowed for Type=oneshot services. Refusing.", c.Restart)
	}
	if c.RestartMaxDelayUSec > 0 && c.RestartSteps > 0 && c.RestartMaxDelayUSec < c.RestartUSec {
		p.wholeErrorf([]string{"RestartMaxDelaySec"}, "RestartMaxDelaySec= has a value smaller than RestartSec=, which isn't allowed. Refusing.")
	}
	if c.RestartSteps > 0 && c.RestartMaxDelayUSec == 0 {
		p.wholeWarnf([]string{"RestartSteps"}, "Service has RestartSteps= but no RestartMaxDelaySec= setting; ignoring RestartSteps=")
	}
	if c.RestartSteps == 0 && c.RestartMaxDelayUSec > 0 {
		p.wholeWarnf([]string{"RestartMaxDelaySec"}, "Service has RestartMaxDelaySec= but no RestartSteps= setting; ignoring RestartMaxDelaySec=")
	}
}
