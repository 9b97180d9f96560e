package control

import (
	"slices"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// simpleRig is a Simple over a unit whose main command is /bin/main and reload command /bin/reload.
func simpleRig() (*Simple, *sdk.Unit, *State) {
	u := &sdk.Unit{Name: "x.run", Runtime: &sdk.Runtime{}}
	st, x, k := &State{}, exec.DefaultExec(), exec.DefaultKill()
	cmds := map[string][]exec.Command{"start": {{Path: "/bin/main", Argv: []string{"main"}}},
		"reload": {{Path: "/bin/reload", Argv: []string{"reload"}}}}
	r := &Runner{Unit: u, State: st, Exec: &x, Kill: &k, HasMain: true, Enter: SimpleStates.Enter(u, st),
		Commands: func(p string) []exec.Command { return cmds[p] }}
	return &Simple{Runner: r, Stop: Escalation{Term: "stop-sigterm", Kill: "stop-sigkill", Timeout: 5e6}}, u, st
}

func TestSimple(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []sdk.EventKind
		sub    string // the sub-state after the events
		result string
		log    string // a line the unit's log must hold
	}{
		{name: "a reload command that fails is logged, the unit runs on",
			events: []sdk.EventKind{&sdk.EventStart{}, &sdk.EventSpawned{ID: "start/0", Pid: 7, Role: sdk.RoleMain},
				&sdk.EventReload{}, &sdk.EventChildExited{ID: "reload/0", Pid: 8, Role: sdk.RoleControl, Code: sdk.Exited, Status: 1}},
			sub: "running", result: Success, log: "Control process exited, code=exited, status=1/FAILURE"},
		{name: "a main command that cannot be spawned fails the unit with resources",
			events: []sdk.EventKind{&sdk.EventStart{}, &sdk.EventSpawnFailed{ID: "start/0", Role: sdk.RoleMain, Message: "no such file"}},
			sub:    "failed", result: Resources, log: "cannot run start/0: no such file"},
		{name: "reset-failed leaves failed for dead",
			events: []sdk.EventKind{&sdk.EventStart{}, &sdk.EventSpawnFailed{ID: "start/0", Role: sdk.RoleMain}, &sdk.EventResetFailed{}},
			sub:    "dead", result: Success},
		{name: "a stop without a main process is dead at once",
			events: []sdk.EventKind{&sdk.EventStop{}}, sub: "dead", result: Success},
		{name: "a main process killed by the stop's SIGTERM ends dead, logged",
			events: []sdk.EventKind{&sdk.EventStart{}, &sdk.EventSpawned{ID: "start/0", Pid: 7, Role: sdk.RoleMain},
				&sdk.EventStop{}, &sdk.EventChildExited{ID: "start/0", Pid: 7, Role: sdk.RoleMain, Code: sdk.Killed, Status: 15}},
			sub: "dead", result: Success, log: "Main process exited, code=killed, signal=TERM"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, u, st := simpleRig()
			var logs []string
			for _, k := range tc.events {
				if sp, ok := k.(*sdk.EventSpawned); ok {
					u.Runtime.MainPid = sp.Pid
				}
				s.Handle(&sdk.Event{Kind: k})
				for _, a := range u.Actions() {
					if l, ok := a.(*sdk.Log); ok {
						logs = append(logs, l.Text)
					}
				}
				u = &sdk.Unit{Name: u.Name, Runtime: u.Runtime}
				s.Runner.Unit = u
				s.Runner.Enter = SimpleStates.Enter(u, st)
			}
			if st.Sub != tc.sub || st.ResultName() != tc.result {
				t.Errorf("%s/%s, want %s/%s", st.Sub, st.ResultName(), tc.sub, tc.result)
			}
			if tc.log != "" && !slices.ContainsFunc(logs, func(l string) bool { return strings.Contains(l, tc.log) }) {
				t.Errorf("log %q lacks %q", logs, tc.log)
			}
		})
	}
}
