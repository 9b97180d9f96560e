// Package socket is the socket unit type (man systemd.socket), built on the public SDK only. The host opens,
// holds, watches and accepts on the listening sockets and starts the jobs; this plugin decides what comes next:
// a state machine (machine.go) over systemd's socket states, in files named for its parts: start, stop,
// commands, timeout, fds, accept, trigger, recover.
package socket

import (
	"time"

	"github.com/sysmaster/sysmaster/sdk"
)

// stateVersion is the schema of State; bump it when a field changes meaning.
const stateVersion = 1

type socketType struct {
	sdk.Defaults
	// clock is the wall clock the trigger and poll limits count with; nil is time.Now. Tests set it.
	clock func() time.Time
}

func (socketType) Describe() sdk.Description {
	return sdk.Description{Type: "socket", Sections: []string{section}, Version: "1.0.0", StateVersion: stateVersion}
}

func (socketType) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
	res := &sdk.ParseResult{}
	c := parseConfig(req, res)
	if res.Failed() {
		return res
	}
	res.Config = sdk.EncodeJSON(c)
	res.Properties = c.properties()
	addDependencies(res, &c)
	return res
}

// addDependencies adds systemd.socket's implicit and default dependencies.
func addDependencies(res *sdk.ParseResult, c *Config) {
	if !c.Accept {
		// An Accept=no socket starts its service and is up before it (socket_add_extras).
		res.AddImplicit("Before", c.Service)
		res.AddImplicit("Triggers", c.Service)
	}
	res.AddDefault("Requires", "sysinit.target")
	res.AddDefault("After", "sysinit.target")
	res.AddDefault("Before", "sockets.target")
	res.AddDefault("Conflicts", "shutdown.target")
	res.AddDefault("Before", "shutdown.target")
}

func (t socketType) Handle(u *sdk.Unit, ev *sdk.Event) error {
	clock := t.clock
	if clock == nil {
		clock = time.Now
	}
	return sdk.HandleJSON(u, func(c *Config, st *State) error { return newMachine(c, st, u, clock).handle(ev) })
}

// Type is the unit type this package implements: the image (cmd/sysmaster) serves it as the plugin of its name.
var Type sdk.UnitType = socketType{}
