// Package swap is the swap unit type (man systemd.swap), built on the public SDK only. A .swap unit names a
// swap device or file (What=, which its name must escape to); this plugin turns it on with util-linux
// swapon(8) and off with swapoff(8), both control processes the host spawns, and follows systemd's swap states:
// dead, activating, activating-done, active, deactivating, deactivating-sigterm, deactivating-sigkill, failed.
// The parts are in files named for them: config (parsing, dependencies, properties), machine (the state
// machine).
package swap

import "github.com/sysmaster/sysmaster/sdk"

// stateVersion is the schema of State; bump it when a field changes meaning.
const stateVersion = 1

type swapType struct{ sdk.Defaults }

func (swapType) Describe() sdk.Description {
	return sdk.Description{Type: "swap", Sections: []string{section}, Version: "1.0.0", StateVersion: stateVersion}
}

func (swapType) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
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

func (swapType) Handle(u *sdk.Unit, ev *sdk.Event) error {
	return sdk.HandleJSON(u, func(c *Config, st *State) error {
		newMachine(c, st, u).handle(ev)
		return nil
	})
}

// Type is the unit type this package implements: the image (cmd/sysmaster) serves it as the plugin of its name.
var Type sdk.UnitType = swapType{}
