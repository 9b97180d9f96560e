// Package automount is the automount unit type (man systemd.automount), built on the public SDK only. An
// .automount unit puts an autofs trap on Where= (which its name must escape to); the first access there starts
// the .mount unit of the same name, and holds the accessing process until it is mounted. After TimeoutIdleSec=
// of no use the kernel expires the mount and the plugin stops the mount unit. The autofs pipe and mount are the
// host's (OpenAutofs), so a crash of this plugin or of the core loses no trap and no waiting process. The parts
// are in files named for them: config (parsing, dependencies, properties), machine (the state machine).
package automount

import "github.com/sysmaster/sysmaster/sdk"

// stateVersion is the schema of State; bump it when a field changes meaning.
const stateVersion = 1

type automountType struct{ sdk.Defaults }

func (automountType) Describe() sdk.Description {
	return sdk.Description{Type: "automount", Sections: []string{section}, Version: "1.0.0", StateVersion: stateVersion}
}

func (automountType) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
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

func (automountType) Handle(u *sdk.Unit, ev *sdk.Event) error {
	return sdk.HandleJSON(u, func(c *Config, st *State) error {
		(&machine{c: c, st: st, u: u}).handle(ev)
		return nil
	})
}

// Type is the unit type this package implements: the image (cmd/sysmaster) serves it as the plugin of its name.
var Type sdk.UnitType = automountType{}
