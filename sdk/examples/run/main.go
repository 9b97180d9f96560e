// Command run is a complete third-party unit type built on the plugin kit only: a ".run" unit runs one command
// and is active while it runs (or, with RemainAfterExit=yes, after it exited successfully). The kit parses the
// command line and man systemd.exec and systemd.kill's settings (sdk/exec), runs the commands and escalates the
// stop from SIGTERM to SIGKILL (sdk/control).
//
//	[Run]
//	Command=/bin/sh -c "echo hello"
//	RemainAfterExit=yes
//	ReloadCommand=/bin/touch /run/hello.reloaded   (optional; without it the unit cannot reload)
//	TimeoutStopSec=10s                             (and User=, Environment=, KillMode=, … as for a service)
//
// Install it as /usr/lib/sysmaster/plugins/run (or name it in system.conf) and `sctl start hello.run`.
package main

import (
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

type config struct {
	Command, ReloadCommand []exec.Command
	RemainAfterExit        bool
	TimeoutStopUSec        uint64
	exec.ExecSettings
	exec.KillSettings
}

type runType struct{ sdk.Defaults }

func (runType) Describe() sdk.Description {
	return sdk.Description{Type: "run", Sections: []string{"Run"}, Version: "1.1.0", StateVersion: 1}
}

func (runType) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
	res := &sdk.ParseResult{}
	c := config{ExecSettings: exec.DefaultExec(), KillSettings: exec.DefaultKill()}
	p := exec.NewParser(res, "Run", exec.SystemLoadEnv(), &c.ExecSettings, &c.KillSettings, nil)
	p.Run(req.Section("Run"), func(e *sdk.Entry) bool {
		switch e.Key {
		case "Command":
			p.Commands(e, &c.Command)
		case "ReloadCommand":
			p.Commands(e, &c.ReloadCommand)
		case "RemainAfterExit":
			p.Bool(e, &c.RemainAfterExit, false)
		case "TimeoutStopSec":
			p.Timespan(e, &c.TimeoutStopUSec, 90e6, 0)
		default:
			return false
		}
		return true
	})
	p.Finish()
	if len(c.Command) != 1 {
		res.Errorf(p.Last["Command"], "Run", "Command", "a .run unit needs exactly one command line")
	}
	if len(c.ReloadCommand) > 0 {
		res.Annotations = map[string]string{"CanReload": "yes"}
	}
	res.Config = sdk.EncodeJSON(c)
	res.AddDefault("Conflicts", "shutdown.target")
	res.AddDefault("Before", "shutdown.target")
	return res
}

// activeOf maps the sub-states to the generic states.
var activeOf = map[string]sdk.ActiveState{"dead": sdk.Inactive, "start": sdk.Activating, "running": sdk.Active,
	"exited": sdk.Active, "reload": sdk.Reloading, "stop-sigterm": sdk.Deactivating,
	"stop-sigkill": sdk.Deactivating, "failed": sdk.Failed}

func (runType) Handle(u *sdk.Unit, ev *sdk.Event) error {
	return sdk.HandleJSON(u, func(c *config, st *control.State) error {
		r := &control.Runner{Unit: u, State: st, Exec: &c.ExecSettings, Kill: &c.KillSettings, HasMain: true,
			Commands: func(phase string) []exec.Command {
				if phase == "reload" {
					return c.ReloadCommand
				}
				return c.Command
			},
			Enter: func(sub string) { st.Sub = sub; u.SetState(activeOf[sub], sub, st.ResultName()) }}
		handle(r, c, u.Runtime, ev)
		return nil
	})
}

func handle(r *control.Runner, c *config, rt *sdk.Runtime, ev *sdk.Event) {
	st := r.State
	stopping := control.Escalation{Term: "stop-sigterm", Kill: "stop-sigkill", Timeout: c.TimeoutStopUSec}
	switch e := ev.Kind.(type) {
	case *sdk.EventStart:
		*st = control.State{Result: control.Success}
		r.Enter("start")
		if _, err := r.Run("start", 0, control.Process{Role: sdk.RoleMain}); err != nil {
			st.Record(control.Resources)
			r.Enter("failed")
		}
	case *sdk.EventSpawned:
		if e.Role == sdk.RoleMain && st.Sub == "start" {
			r.Enter("running")
		}
	case *sdk.EventSpawnFailed:
		r.Unit.Logf("cannot run %s: %s", e.ID, e.Message)
		r.Done(e.ID)
		st.Record(control.Resources)
		r.Enter("failed")
	case *sdk.EventReload:
		if st.Sub != "running" {
			r.Enter(st.Sub) // nothing to reload: the job is done
		} else if ok, err := r.Run("reload", 0, control.Process{}); ok && err == nil {
			r.Enter("reload")
		}
	case *sdk.EventChildExited:
		_, _, cmd, ok := r.Done(e.ID)
		res := control.Result(cmd, e.Code, e.Status)
		switch {
		case e.Role != sdk.RoleMain:
			if ok && res != control.Success {
				r.Unit.Logf("reload command failed: %s", exec.Describe(int32(e.Code), e.Status))
			}
			if st.Sub == "reload" {
				r.Enter("running")
			}
		case st.Sub == stopping.Term || st.Sub == stopping.Kill:
			r.DisarmTimeout()
			if st.Failed() {
				r.Enter("failed")
			} else {
				r.Enter("dead")
			}
		case res == control.Success && c.RemainAfterExit:
			r.Enter("exited")
		case res == control.Success:
			r.Enter("dead")
		default:
			r.Unit.Logf("command failed: %s", exec.Describe(int32(e.Code), e.Status))
			st.Record(res)
			r.Enter("failed")
		}
	case *sdk.EventStop:
		if rt.MainPid == 0 || !r.Begin(stopping, control.Term) {
			r.Enter("dead")
		}
	case *sdk.EventTimerFired: // the stop timed out: SIGTERM, then SIGKILL, then give up
		if r.TimedOut(stopping, st.Sub) {
			r.Enter("failed")
		}
	case *sdk.EventKill:
		r.OnKill(e)
	case *sdk.EventResetFailed:
		r.ResetFailed("failed", "dead")
	}
}

func main() { sdk.Serve(runType{}) }
