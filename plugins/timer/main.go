// Package timer is the timer unit type (man systemd.timer), built on the public SDK only. A timer starts the
// unit it triggers (Unit=, by default the service of the same name) when one of its elapses comes: relative to
// its own start, the boot, the manager's start, or the triggered unit's last activation or deactivation
// (OnActiveSec= … OnUnitInactiveSec=, CLOCK_MONOTONIC), at calendar times (OnCalendar=, CLOCK_REALTIME), or when
// the clock or the time zone changes. The host holds the timers (they survive this plugin and the core) and
// follows clock jumps; this plugin computes the elapses, as systemd's timer_enter_waiting does, and follows
// systemd's states: dead, waiting, running, elapsed, failed. The parts are in files named for them: config
// (parsing, dependencies, properties), machine (the state machine), elapse (next elapses, accuracy coalescing,
// random delays), environ (the clocks and files it reads), stamp (Persistent= stamp files).
package timer

import "github.com/sysmaster/sysmaster/sdk"

// stateVersion is the schema of State; bump it when a field changes meaning.
const stateVersion = 1

type timerType struct {
	sdk.Defaults
	// env is where the machine reads clocks and writes stamps; nil is the system's (realEnviron). Tests set it.
	env *environ
}

func (timerType) Describe() sdk.Description {
	return sdk.Description{Type: "timer", Sections: []string{section}, Version: "1.0.0", StateVersion: stateVersion}
}

func (timerType) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
	res := &sdk.ParseResult{}
	c := parseConfig(req, res)
	if res.Failed() {
		return res
	}
	res.Config = sdk.EncodeJSON(c)
	res.Properties = c.properties()
	addDependencies(res, c)
	return res
}

func (t timerType) Handle(u *sdk.Unit, ev *sdk.Event) error {
	env := t.env
	if env == nil {
		env = realEnviron()
	}
	return sdk.HandleJSON(u, func(c *Config, st *State) error { return newMachine(c, st, u, env).handle(ev) })
}

// Type is the unit type this package implements: the image (cmd/sysmaster) serves it as the plugin of its name.
var Type sdk.UnitType = timerType{}
