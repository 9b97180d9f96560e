package timer

import (
	"strings"

	"github.com/sysmaster/sysmaster/pkg/calendar"
	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk"
)

// section is the unit-file section this type interprets.
const section = "Timer"

// defaultAccuracyUSec is AccuracySec='s default, systemd's DefaultTimerAccuracySec= (1 min).
const defaultAccuracyUSec = 60e6

// StampDir holds the Persistent= stamp files, "stamp-" and the unit's name (systemd: /var/lib/systemd/timers).
const StampDir = "/var/lib/sysmaster/timers"

// SystemdStampDir is systemd's: a timer without a stamp of its own starts from systemd's (a migrated system).
const SystemdStampDir = "/var/lib/systemd/timers"

// Timer bases: the directive that names each kind of elapse.
const (
	onActive     = "OnActiveSec"
	onBoot       = "OnBootSec"
	onStartup    = "OnStartupSec"
	onUnitActive = "OnUnitActiveSec"
	onUnitIdle   = "OnUnitInactiveSec"
	onCalendar   = "OnCalendar"
)

// Value is one elapse setting: a base and a span (monotonic), or a calendar expression, normalized.
type Value struct {
	Base     string
	USec     uint64 `json:",omitempty"`
	Calendar string `json:",omitempty"`
}

// Config is one timer's [Timer] section, parsed (man systemd.timer). The host stores it as JSON and hands it
// back with every event.
type Config struct {
	Values              []Value `json:",omitempty"`
	AccuracyUSec        uint64
	RandomizedDelayUSec uint64 `json:",omitempty"`
	FixedRandomDelay    bool   `json:",omitempty"`
	OnClockChange       bool   `json:",omitempty"`
	OnTimezoneChange    bool   `json:",omitempty"`
	Persistent          bool   `json:",omitempty"`
	WakeSystem          bool   `json:",omitempty"`
	RemainAfterElapse   bool
	// Unit is the unit to start (Unit=, default the service of the timer's name).
	Unit string
	// Name is the timer's own name (TRIGGER_UNIT=, the stamp file and the fixed random delay use it).
	Name string
}

// parseConfig reads the [Timer] section of req into a Config, recording problems in res. As systemd, a setting
// that does not parse is a warning and is ignored; a timer left without any elapse is an error.
func parseConfig(req *sdk.ParseRequest, res *sdk.ParseResult) *Config {
	name := req.Unit.GetName()
	c := &Config{AccuracyUSec: defaultAccuracyUSec, RemainAfterElapse: true, Name: name}
	var lastIgnored *sdk.Entry
	boolean := func(e *sdk.Entry, dst *bool) {
		b, err := unitfile.ParseBool(e.Value)
		if err != nil {
			res.Warnf(e, section, e.Key, "Failed to parse boolean value, ignoring: %s", e.Value)
			return
		}
		*dst = b
	}
	span := func(e *sdk.Entry, dst *uint64) {
		n, err := timespan.ParseUSec(e.Value)
		if err != nil {
			res.Warnf(e, section, e.Key, "Failed to parse %s=%s, ignoring: %v", e.Key, e.Value, err)
			return
		}
		*dst = n
	}
	var sec *sdk.Section
	if sec = req.Section(section); sec == nil {
		sec = &sdk.Section{}
	}
	for _, e := range sec.Entries {
		switch e.Key {
		case onActive, onBoot, onStartup, onUnitActive, onUnitIdle:
			if e.Value == "" {
				c.Values = nil // an empty assignment resets the list of every kind, as systemd's
				continue
			}
			n, err := timespan.ParseUSec(e.Value)
			if err != nil {
				res.Warnf(e, section, e.Key, "Failed to parse timer value, ignoring: %s", e.Value)
				lastIgnored = e
				continue
			}
			c.Values = append(c.Values, Value{Base: e.Key, USec: n})
		case onCalendar:
			if e.Value == "" {
				c.Values = nil
				continue
			}
			spec, err := calendar.Parse(e.Value)
			if err != nil {
				res.Warnf(e, section, e.Key, "Failed to parse calendar specification, ignoring: %s", e.Value)
				lastIgnored = e
				continue
			}
			c.Values = append(c.Values, Value{Base: onCalendar, Calendar: spec.String()})
		case "AccuracySec":
			span(e, &c.AccuracyUSec)
			if c.AccuracyUSec == 0 {
				c.AccuracyUSec = 1 // systemd's minimum: 0 would make every elapse a wake-up of its own
			}
		case "RandomizedDelaySec":
			span(e, &c.RandomizedDelayUSec)
		case "FixedRandomDelay":
			boolean(e, &c.FixedRandomDelay)
		case "OnClockChange":
			boolean(e, &c.OnClockChange)
		case "OnTimezoneChange":
			boolean(e, &c.OnTimezoneChange)
		case "Persistent":
			boolean(e, &c.Persistent)
		case "WakeSystem":
			boolean(e, &c.WakeSystem)
		case "RemainAfterElapse":
			boolean(e, &c.RemainAfterElapse)
		case "Unit":
			switch {
			case !unitname.Valid(e.Value):
				res.Warnf(e, section, e.Key, "Failed to parse unit name, ignoring: %s", e.Value)
			case strings.HasSuffix(e.Value, ".timer"):
				res.Warnf(e, section, e.Key, "Unit cannot be of type timer, ignoring: %s", e.Value)
			default:
				c.Unit = e.Value
			}
		default:
			if !strings.HasPrefix(e.Key, "X-") { // extension keys are the admin's, as in systemd: no warning
				res.Warnf(e, section, e.Key, "Unknown key name '%s' in section '%s', ignoring.", e.Key, section)
			}
		}
	}
	if c.Unit == "" {
		c.Unit = strings.TrimSuffix(name, ".timer") + ".service"
	}
	if len(c.Values) == 0 && !c.OnClockChange && !c.OnTimezoneChange {
		// A file:line for the refusal when an ignored setting explains it.
		if lastIgnored != nil {
			res.Errorf(lastIgnored, section, lastIgnored.Key, "Timer unit lacks value setting (%s=%s was ignored). Refusing.", lastIgnored.Key, lastIgnored.Value)
		} else {
			res.Errorf(&sdk.Entry{File: fragment(req)}, section, "", "Timer unit lacks value setting. Refusing.")
		}
	}
	if c.WakeSystem {
		e := lastEntry(sec, "WakeSystem")
		res.Warnf(e, section, "WakeSystem", "WakeSystem=yes is not supported by sysmaster: the timer elapses only while the system runs and does not resume it from suspend (docs/timer.md).")
	}
	return c
}

func fragment(req *sdk.ParseRequest) string {
	if req.Unit == nil {
		return ""
	}
	return req.Unit.FragmentPath
}

func lastEntry(sec *sdk.Section, key string) *sdk.Entry {
	for i := len(sec.Entries) - 1; i >= 0; i-- {
		if sec.Entries[i].Key == key {
			return sec.Entries[i]
		}
	}
	return nil
}

// hasCalendar reports whether the timer has an OnCalendar= elapse.
func (c *Config) hasCalendar() bool {
	for _, v := range c.Values {
		if v.Base == onCalendar {
			return true
		}
	}
	return false
}

// addDependencies adds systemd.timer's implicit and default dependencies (timer_add_trigger_dependencies,
// timer_add_default_dependencies).
func addDependencies(res *sdk.ParseResult, c *Config) {
	res.AddImplicit("Before", c.Unit)
	res.AddImplicit("Triggers", c.Unit)
	res.RequireTrigger(c.Unit) // timer_start's unit_test_trigger_loaded
	res.AddDefault("Before", "timers.target")
	res.AddDefault("Requires", "sysinit.target")
	res.AddDefault("After", "sysinit.target")
	if c.hasCalendar() {
		res.AddDefault("After", "time-set.target", "time-sync.target")
	}
	res.AddDefault("Conflicts", "shutdown.target")
	res.AddDefault("Before", "shutdown.target")
}
