// Command run is a complete third-party unit type built on the public SDK only: a ".run" unit runs one command
// and is active while it runs (or, with RemainAfterExit=yes, after it exited successfully).
//
//	[Run]
//	Command=/bin/sh -c "echo hello"
//	RemainAfterExit=yes
//	ReloadCommand=/bin/touch /run/hello.reloaded   (optional; without it the unit cannot reload)
//
// Install it as /usr/lib/sysmaster/plugins/run (or name it in system.conf) and `sctl start hello.run`.
package main

import (
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
)

type config struct {
	Argv   []string
	Reload []string
	Remain bool
}

// state is what the plugin remembers between events; the host stores it.
type state struct{ Stopping bool }

type runType struct{ sdk.Defaults }

func (runType) Describe() sdk.Description {
	return sdk.Description{Type: "run", Sections: []string{"Run"}, Version: "1.0.0", StateVersion: 1}
}

func (runType) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
	res := &sdk.ParseResult{}
	var c config
	if e, ok := req.Last("Run", "RemainAfterExit"); ok {
		b, err := unitfile.ParseBool(e.Value)
		if err != nil {
			res.Errorf(e, "Run", "RemainAfterExit", "%q is not a boolean", e.Value)
		}
		c.Remain = b
	}
	if e, ok := req.Last("Run", "ReloadCommand"); ok {
		argv, err := sdk.SplitCommand(e.Value)
		if err != nil || len(argv) == 0 {
			res.Errorf(e, "Run", "ReloadCommand", "bad command line %q: %v", e.Value, err)
		}
		c.Reload = argv
		res.Annotations = map[string]string{"CanReload": "yes"}
	}
	e, ok := req.Last("Run", "Command")
	if !ok {
		res.Errorf(nil, "Run", "Command", "missing: a .run unit needs Command=")
		return res
	}
	argv, err := sdk.SplitCommand(e.Value)
	if err != nil || len(argv) == 0 {
		res.Errorf(e, "Run", "Command", "bad command line %q: %v", e.Value, err)
		return res
	}
	c.Argv = argv
	res.Config = sdk.EncodeJSON(c)
	res.AddDefault("Conflicts", "shutdown.target")
	res.AddDefault("Before", "shutdown.target")
	return res
}

func (runType) Handle(u *sdk.Unit, ev *sdk.Event) error {
	var c config
	var st state
	if err := sdk.DecodeJSON(u.Config, &c); err != nil {
		return err
	}
	if err := sdk.DecodeJSON(u.State, &st); err != nil {
		return err
	}
	defer func() { u.State = sdk.EncodeJSON(st) }()
	switch e := ev.Kind.(type) {
	case *sdk.EventStart:
		st.Stopping = false
		u.Spawn(&sdk.Spawn{Id: "main", Role: sdk.RoleMain, Path: c.Argv[0], Argv: c.Argv})
		u.SetState(sdk.Activating, "start", "")
	case *sdk.EventSpawned:
		if e.Spawned.Id == "main" {
			u.SetState(sdk.Active, "running", "success")
		}
	case *sdk.EventSpawnFailed:
		u.Logf("cannot run %s: %s", c.Argv[0], e.SpawnFailed.Message)
		u.SetState(sdk.Failed, "failed", "resources")
	case *sdk.EventReload:
		u.Spawn(&sdk.Spawn{Id: "reload", Role: sdk.RoleControl, Path: c.Reload[0], Argv: c.Reload})
		u.SetState(sdk.Reloading, "reload", "")
	case *sdk.EventChildExited:
		x := e.ChildExited
		if x.Id == "reload" {
			if x.Code != 1 || x.Status != 0 {
				u.Logf("reload command failed")
			}
			u.SetState(sdk.Active, "running", "")
			return nil
		}
		switch {
		case st.Stopping:
			st.Stopping = false
			u.SetState(sdk.Inactive, "dead", "success")
		case x.Code == 1 && x.Status == 0 && c.Remain:
			u.SetState(sdk.Active, "exited", "success")
		case x.Code == 1 && x.Status == 0:
			u.SetState(sdk.Inactive, "dead", "success")
		case x.Code == 1:
			u.Logf("command exited with status %d", x.Status)
			u.SetState(sdk.Failed, "failed", "exit-code")
		default:
			u.Logf("command killed by signal %d", x.Status)
			u.SetState(sdk.Failed, "failed", "signal")
		}
	case *sdk.EventStop:
		if u.Runtime.MainPid == 0 {
			u.SetState(sdk.Inactive, "dead", "success")
			return nil
		}
		st.Stopping = true
		u.Kill(sdk.WhomMain, 15)
		u.SetState(sdk.Deactivating, "stop", "")
	}
	return nil
}

func main() { sdk.Serve(runType{}) }
