// Package sdk is what a unit-type plugin for sysmaster imports: implement UnitType and call Serve from main.
//
// A plugin is a state machine. The host (the sysmaster core) owns every process, file descriptor, timer and
// cgroup, and stores each unit's config and state bytes; it calls the plugin with (config, state, event) and
// applies the actions the plugin records on the Unit it is handed. Because the plugin keeps nothing, it can be
// killed, restarted or swapped for a new binary between two calls and no unit notices.
//
// A complete unit type that runs one command per unit (".run" units with a [Run] section):
//
//	type runType struct{ sdk.Defaults }
//
//	func (runType) Describe() sdk.Description {
//		return sdk.Description{Type: "run", Sections: []string{"Run"}, Version: "1.0"}
//	}
//
//	func (runType) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
//		res := &sdk.ParseResult{}
//		e, ok := req.Last("Run", "Command")
//		if !ok {
//			res.Errorf(nil, "Run", "Command", "missing")
//			return res
//		}
//		argv, err := sdk.SplitCommand(e.Value)
//		if err != nil {
//			res.Errorf(e, "Run", "Command", "%v", err)
//		}
//		res.Config = sdk.EncodeJSON(argv)
//		return res
//	}
//
//	func (runType) Handle(u *sdk.Unit, ev *sdk.Event) error {
//		var argv []string
//		if err := sdk.DecodeJSON(u.Config, &argv); err != nil {
//			return err
//		}
//		switch ev.Kind.(type) {
//		case *sdk.EventStart:
//			u.Spawn(&sdk.Spawn{ID: "main", Role: sdk.RoleMain, Path: argv[0], Argv: argv})
//			u.SetState(sdk.Activating, "start", "")
//		case *sdk.EventSpawned:
//			u.SetState(sdk.Active, "running", "success")
//		case *sdk.EventChildExited:
//			u.SetState(sdk.Inactive, "dead", "success")
//		case *sdk.EventStop:
//			u.Kill(sdk.WhomAll, 15)
//		}
//		return nil
//	}
//
//	func main() { sdk.Serve(runType{}) }
//
// The events a plugin receives (EventStart, EventChildExited, …) and the actions it records (SetState, Spawn,
// KillAction, …) are Go types; wire.go is the one place they meet the wire contract in
// sdk/proto/sysmaster/plugin/v1/plugin.proto, which plugins never import. A type whose units run commands
// builds on the kit beside this package: sdk/exec for the exec, kill and cgroup settings, sdk/control to run
// control commands and escalate kills, sdk/notify for sd_notify messages, and sdk/sdktest to prove itself.
package sdk
