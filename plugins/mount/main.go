// Package mount is the mount unit type (man systemd.mount), built on the public SDK only. A .mount unit names a
// file system (What=) and where it goes (Where=, which its name must escape to); this plugin mounts it with
// util-linux mount(8) and unmounts it with umount(8), both control processes the host spawns, and follows
// systemd's mount states: dead, mounting, mounting-done, mounted, remounting, unmounting, the -sigterm and
// -sigkill states of a remount and of an unmount, failed. The parts are in files named for them: config
// (parsing), deps (implicit and default dependencies), commands (the mount, remount and umount lines),
// machine (the state machine), properties (what `sctl show` lists).
package mount

import (
	"github.com/sysmaster/sysmaster/sdk"
)

// stateVersion is the schema of State; bump it when a field changes meaning.
const stateVersion = 1

type mountType struct{ sdk.Defaults }

func (mountType) Describe() sdk.Description {
	return sdk.Description{Type: "mount", Sections: []string{section}, Version: "1.0.0", StateVersion: stateVersion}
}

func (mountType) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
	res := &sdk.ParseResult{}
	c := parseConfig(req, res)
	if res.Failed() {
		return res
	}
	res.Config = sdk.EncodeJSON(c)
	res.Properties = c.properties()
	res.Annotate("CanReload", "yes")
	addDependencies(res, c, fragment(req) != "")
	return res
}

func (mountType) Handle(u *sdk.Unit, ev *sdk.Event) error {
	return sdk.HandleJSON(u, func(c *Config, st *State) error {
		newMachine(c, st, u).handle(ev)
		return nil
	})
}

// Type is the unit type this package implements: the image (cmd/sysmaster) serves it as the plugin of its name.
var Type sdk.UnitType = mountType{}
