// Package path is the path unit type (man systemd.path), built on the public SDK only. The host holds and polls
// the inotify descriptors (WatchPaths: they outlive a crash of this plugin) and starts the unit; this plugin is
// systemd's path state machine (machine.go) with the conditions of each path (check.go) and its [Path] section
// (config.go).
package path

import (
	"path/filepath"
	"time"

	"github.com/sysmaster/sysmaster/sdk"
)

// stateVersion is the schema of State; bump it when a field changes meaning.
const stateVersion = 1

type pathType struct {
	sdk.Defaults
	// clock is the wall clock the trigger limit counts with; nil is time.Now. Tests set it.
	clock func() time.Time
}

func (pathType) Describe() sdk.Description {
	return sdk.Description{Type: "path", Sections: []string{section}, Version: "1.0.0", StateVersion: stateVersion, Passive: true}
}

func (pathType) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
	res := &sdk.ParseResult{}
	c := parseConfig(req, res)
	if res.Failed() {
		return res
	}
	res.Config = sdk.EncodeJSON(c)
	res.Properties = c.properties()
	// path_add_trigger_dependencies and path_add_default_dependencies.
	res.AddImplicit("Before", c.Unit)
	res.AddImplicit("Triggers", c.Unit)
	res.RequireTrigger(c.Unit) // path_start's unit_test_trigger_loaded
	res.AddDefault("Requires", "sysinit.target")
	res.AddDefault("After", "sysinit.target")
	res.AddDefault("Before", "paths.target")
	res.AddDefault("Conflicts", "shutdown.target")
	res.AddDefault("Before", "shutdown.target")
	return res
}

func (t pathType) Handle(u *sdk.Unit, ev *sdk.Event) error {
	clock := t.clock
	if clock == nil {
		clock = time.Now
	}
	return sdk.HandleJSON(u, func(c *Config, st *State) error {
		return (&machine{c: c, s: st, u: u, now: clock}).handle(ev)
	})
}

// dirOf is the directory a path is in.
func dirOf(p string) string { return filepath.Dir(p) }

// Type is the unit type this package implements: the image (cmd/sysmaster) serves it as the plugin of its name.
var Type sdk.UnitType = pathType{}
