package service

import (
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// section is the one section this file parses.
const section = "Service"

// Defaults systemd applies when a unit does not say otherwise (man systemd.service, systemd-system.conf).
const (
	defaultTimeoutUSec = 90 * uint64(time.Second/time.Microsecond) // DefaultTimeoutStartSec=, DefaultTimeoutStopSec=
	defaultRestartUSec = 100 * uint64(time.Millisecond/time.Microsecond)
)

// parseConfig parses the unit's [Service] section into a Config with systemd's defaults, recording every
// problem in res with its file, line and key. The result is meaningful only when res.Failed() is false.
// Executables given by a plain name are looked up in the fixed search path now.
func parseConfig(req *sdk.ParseRequest, res *sdk.ParseResult) Config {
	return parseWith(req, res, exec.SystemLoadEnv())
}

// parseWith is parseConfig with the system looked at through env, so that tests need no particular machine.
func parseWith(req *sdk.ParseRequest, res *sdk.ParseResult, env exec.LoadEnv) Config {
	p := &parser{c: defaultConfig()}
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

// defaultConfig is a [Service] section with nothing in it, before the defaults that depend on other settings.
func defaultConfig() Config {
	return Config{
		Type:             "simple",
		GuessMainPID:     true,
		Restart:          "no",
		RestartUSec:      defaultRestartUSec,
		TimeoutStartUSec: defaultTimeoutUSec,
		TimeoutStopUSec:  defaultTimeoutUSec,
		NotifyAccess:     "none",
		OOMPolicy:        "stop",
		KillSettings:     exec.DefaultKill(),
		ReloadSignal:     1, // SIGHUP
		ExecSettings:     exec.DefaultExec(),
		CgroupConfig:     exec.DefaultCgroup(),
	}
}

// parser holds what parsing one section needs beyond the Config itself: which keys were set explicitly (their
// defaults depend on others). The shared keys of man systemd.exec, systemd.kill and systemd.resource-control
// are sdk/exec's.
type parser struct {
	*exec.Parser
	c Config

	typeSet, notifyAccessSet, abortSet bool
}

// handler parses one assignment of its key.
type handler func(p *parser, e *sdk.Entry)

// directives maps every key of [Service] this plugin knows, beyond the shared ones, to its parser. It is never
// modified.
var directives = serviceDirectives()

func serviceDirectives() map[string]handler {
	cmd := func(dst func(*Config) *[]Command) handler {
		return func(p *parser, e *sdk.Entry) { p.Commands(e, dst(&p.c)) }
	}
	exit := func(dst func(*Config) *ExitStatusSet) handler {
		return func(p *parser, e *sdk.Entry) { p.exitStatuses(e, dst(&p.c)) }
	}
	return map[string]handler{
		"Type": func(p *parser, e *sdk.Entry) {
			if p.Enum(e, &p.c.Type, "simple", "simple", "exec", "forking", "oneshot", "dbus", "notify", "notify-reload", "idle") {
				p.typeSet = e.Value != ""
			}
		},
		"RemainAfterExit": func(p *parser, e *sdk.Entry) { p.Bool(e, &p.c.RemainAfterExit, false) },
		"GuessMainPID":    func(p *parser, e *sdk.Entry) { p.Bool(e, &p.c.GuessMainPID, true) },
		"PIDFile":         (*parser).pidFile,

		"ExecCondition": cmd(func(c *Config) *[]Command { return &c.ExecCondition }),
		"ExecStartPre":  cmd(func(c *Config) *[]Command { return &c.ExecStartPre }),
		"ExecStart":     cmd(func(c *Config) *[]Command { return &c.ExecStart }),
		"ExecStartPost": cmd(func(c *Config) *[]Command { return &c.ExecStartPost }),
		"ExecReload":    cmd(func(c *Config) *[]Command { return &c.ExecReload }),
		"ExecStop":      cmd(func(c *Config) *[]Command { return &c.ExecStop }),
		"ExecStopPost":  cmd(func(c *Config) *[]Command { return &c.ExecStopPost }),

		"Restart": func(p *parser, e *sdk.Entry) {
			p.Enum(e, &p.c.Restart, "no", "no", "on-success", "on-failure", "on-abnormal", "on-watchdog", "on-abort", "always")
		},
		"RestartSec": func(p *parser, e *sdk.Entry) { p.Timespan(e, &p.c.RestartUSec, defaultRestartUSec, math.MaxUint64) },
		"RestartSteps": func(p *parser, e *sdk.Entry) {
			if e.Value == "" {
				p.c.RestartSteps = 0
				return
			}
			n, err := strconv.ParseUint(e.Value, 10, 32)
			if err != nil || n > 3600 {
				p.Bad(e, "not an integer between 0 and 3600")
				return
			}
			p.c.RestartSteps = uint32(n)
		},
		"RestartMaxDelaySec":       func(p *parser, e *sdk.Entry) { p.Timespan(e, &p.c.RestartMaxDelayUSec, 0, 0) },
		"RestartPreventExitStatus": exit(func(c *Config) *ExitStatusSet { return &c.RestartPreventExitStatus }),
		"RestartForceExitStatus":   exit(func(c *Config) *ExitStatusSet { return &c.RestartForceExitStatus }),
		"SuccessExitStatus":        exit(func(c *Config) *ExitStatusSet { return &c.SuccessExitStatus }),

		"TimeoutStartSec": func(p *parser, e *sdk.Entry) { p.Timespan(e, &p.c.TimeoutStartUSec, defaultTimeoutUSec, 0) },
		"TimeoutStopSec":  func(p *parser, e *sdk.Entry) { p.Timespan(e, &p.c.TimeoutStopUSec, defaultTimeoutUSec, 0) },
		"TimeoutSec": func(p *parser, e *sdk.Entry) {
			if p.Timespan(e, &p.c.TimeoutStartUSec, defaultTimeoutUSec, 0) {
				p.c.TimeoutStopUSec = p.c.TimeoutStartUSec
			}
		},
		"TimeoutAbortSec": func(p *parser, e *sdk.Entry) {
			if p.Timespan(e, &p.c.TimeoutAbortUSec, 0, 0) {
				p.abortSet = e.Value != ""
			}
		},
		"RuntimeMaxSec": func(p *parser, e *sdk.Entry) { p.Timespan(e, &p.c.RuntimeMaxUSec, 0, 0) },
		"WatchdogSec":   func(p *parser, e *sdk.Entry) { p.Timespan(e, &p.c.WatchdogUSec, 0, 0) },

		"NotifyAccess": func(p *parser, e *sdk.Entry) {
			if p.Enum(e, &p.c.NotifyAccess, "none", "none", "main", "exec", "all") {
				p.notifyAccessSet = e.Value != ""
			}
		},
		"OOMPolicy":    func(p *parser, e *sdk.Entry) { p.Enum(e, &p.c.OOMPolicy, "stop", "continue", "stop", "kill") },
		"ReloadSignal": func(p *parser, e *sdk.Entry) { p.Signal(e, &p.c.ReloadSignal, 1) },
		"Sockets":      (*parser).sockets,
		"BusName":      (*parser).busName,
	}
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
		p.Res.Warnf(e, section, e.Key, "PIDFile= references a path below the legacy directory /var/run/, updating %s to %s", e.Value, v)
	}
	if !exec.NormalPath(v) {
		p.Bad(e, "not a normalized path")
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
		p.Bad(e, "%v", err)
		return
	}
	for _, w := range words {
		if !strings.HasSuffix(w, ".socket") || len(w) == len(".socket") {
			p.Res.Warnf(e, section, e.Key, "Sockets=%q: %q is not a socket unit, ignoring", e.Value, w)
			continue
		}
		p.c.Sockets = exec.AppendUnique(p.c.Sockets, w)
	}
}

// busName is a well-known D-Bus name (systemd's config_parse_bus_name: an invalid one is logged and ignored).
func (p *parser) busName(e *sdk.Entry) {
	if e.Value != "" && !validBusName(e.Value) {
		p.Res.Warnf(e, section, e.Key, "Invalid bus name %s, ignoring.", e.Value)
		return
	}
	p.c.BusName = e.Value
}

// validBusName is sd-bus's service_name_is_valid for a well-known name: two or more dot-separated elements of
// [A-Za-z0-9_-], none empty or starting with a digit, at most 255 characters.
func validBusName(s string) bool {
	if len(s) > 255 || s == "" {
		return false
	}
	elems := strings.Split(s, ".")
	if len(elems) < 2 {
		return false
	}
	for _, el := range elems {
		if el == "" || el[0] >= '0' && el[0] <= '9' {
			return false
		}
		for _, c := range el {
			if !(c == '_' || c == '-' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
				return false
			}
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
	p.Finish()
	if len(c.Sockets) > 0 {
		// As in systemd (config_parse_service_sockets), the sockets a service takes are started with it and
		// before it, and trigger it.
		p.Res.AddImplicit("Wants", c.Sockets...)
		p.Res.AddImplicit("After", c.Sockets...)
		p.Res.AddImplicit("TriggeredBy", c.Sockets...)
	}

	if c.Type == "dbus" {
		// systemd.service: Type=dbus units get Requires= and After= on dbus.socket.
		p.Res.AddImplicit("Requires", "dbus.socket")
		p.Res.AddImplicit("After", "dbus.socket")
		if c.BusName == "" {
			p.WholeErrorf([]string{"Type", "BusName"}, "Service is of type D-Bus but no D-Bus service name has been specified. Refusing.")
		} else {
			p.Res.WatchBusName(c.BusName) // dbus.go
		}
	}
	switch {
	case len(c.ExecStart) == 0 && c.Type != "oneshot":
		p.WholeErrorf([]string{"ExecStart", "Type"}, "Service has no ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.")
	case len(c.ExecStart) == 0 && len(c.ExecStop) == 0:
		// systemd accepts this only with SuccessAction= in [Unit], which this plugin does not see.
		p.WholeWarnf([]string{"ExecStart", "Type"}, "Service has no ExecStart= and no ExecStop=; it does nothing unless SuccessAction= is set")
	case len(c.ExecStart) > 1 && c.Type != "oneshot":
		p.WholeErrorf([]string{"ExecStart"}, "Service has more than one ExecStart= setting, which is only allowed for Type=oneshot services. Refusing.")
	}
	if c.Type == "oneshot" && (c.Restart == "always" || c.Restart == "on-success") {
		p.WholeErrorf([]string{"Restart"}, "Service has Restart=%s, which isn't allowed for Type=oneshot services. Refusing.", c.Restart)
	}
	if c.RestartMaxDelayUSec > 0 && c.RestartSteps > 0 && c.RestartMaxDelayUSec < c.RestartUSec {
		p.WholeErrorf([]string{"RestartMaxDelaySec"}, "RestartMaxDelaySec= has a value smaller than RestartSec=, which isn't allowed. Refusing.")
	}
	if c.RestartSteps > 0 && c.RestartMaxDelayUSec == 0 {
		p.WholeWarnf([]string{"RestartSteps"}, "Service has RestartSteps= but no RestartMaxDelaySec= setting; ignoring RestartSteps=")
	}
	if c.RestartSteps == 0 && c.RestartMaxDelayUSec > 0 {
		p.WholeWarnf([]string{"RestartMaxDelaySec"}, "Service has RestartMaxDelaySec= but no RestartSteps= setting; ignoring RestartMaxDelaySec=")
	}
}
