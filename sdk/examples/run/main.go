// Command run is a complete third-party unit type built on the plugin kit only: a ".run" unit runs one command
// and is active while it runs (or, with RemainAfterExit=yes, after it exited successfully). The kit parses the
// command line and man systemd.exec and systemd.kill's settings (sdk/exec); its Simple lifecycle runs the
// commands and escalates the stop from SIGTERM to SIGKILL (sdk/control).
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

func (runType) Handle(u *sdk.Unit, ev *sdk.Event) error {
	return sdk.HandleJSON(u, func(c *config, st *control.State) error {
		r := &control.Runner{Unit: u, State: st, Exec: &c.ExecSettings, Kill: &c.KillSettings, HasMain: true,
			Enter: control.SimpleStates.Enter(u, st), Commands: func(phase string) []exec.Command {
				if phase == "reload" {
					return c.ReloadCommand
				}
				return c.Command
			}}
		control.Simple{Runner: r, RemainAfterExit: c.RemainAfterExit,
			Stop: control.Escalation{Term: "stop-sigterm", Kill: "stop-sigkill", Timeout: c.TimeoutStopUSec}}.Handle(ev)
		return nil
	})
}

func main() { sdk.Serve(runType{}) }
