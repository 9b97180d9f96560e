package control

import (
	"reflect"
	"testing"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// rig is a Runner over a unit with two phases: "pre" (two commands) and "stop" (one).
type rig struct {
	u       *sdk.Unit
	st      State
	r       *Runner
	entered []string
}

func newRig(k exec.KillSettings, hasMain bool) *rig {
	g := &rig{u: &sdk.Unit{Name: "x.mount", Runtime: &sdk.Runtime{InvocationID: "abc"}}}
	x := exec.DefaultExec()
	cmds := map[string][]exec.Command{
		"pre":  {{Path: "/bin/a", Argv: []string{"a"}}, {Path: "/bin/b", Argv: []string{"b"}, IgnoreFailure: true}},
		"stop": {{Path: "/bin/umount", Argv: []string{"umount", "/x"}}},
	}
	g.r = &Runner{Unit: g.u, State: &g.st, Exec: &x, Kill: &k, HasMain: hasMain,
		Commands: func(p string) []exec.Command { return cmds[p] },
		Enter:    func(sub string) { g.st.Sub = sub; g.entered = append(g.entered, sub) }}
	return g
}

// take returns the actions recorded since the last take.
func (g *rig) take() []sdk.Action {
	a := g.u.Actions()
	g.u = &sdk.Unit{Name: g.u.Name, Runtime: g.u.Runtime}
	g.r.Unit = g.u
	return a
}

func TestIDRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		id    string
		phase string
		i     int
		ok    bool
	}{
		{ID("start-pre", 0), "start-pre", 0, true},
		{ID("stop-post", 12), "stop-post", 12, true},
		{"main", "", 0, false},
		{"start/x", "", 0, false},
		{"start/-1", "", 0, false},
	} {
		phase, i, ok := ParseID(tc.id)
		if phase != tc.phase || i != tc.i || ok != tc.ok {
			t.Errorf("ParseID(%q) = %q %d %v", tc.id, phase, i, ok)
		}
	}
}

func TestRunAndDone(t *testing.T) {
	g := newRig(exec.DefaultKill(), false)
	if ok, err := g.r.Run("pre", 0, Process{Env: []string{"X=1"}}); !ok || err != nil {
		t.Fatalf("Run: %v %v", ok, err)
	}
	acts := g.take()
	sp, _ := acts[0].(*sdk.Spawn)
	if len(acts) != 1 || sp == nil || sp.ID != "pre/0" || sp.Role != sdk.RoleControl || sp.Path != "/bin/a" {
		t.Fatalf("actions %#v", acts)
	}
	if want := []string{"INVOCATION_ID=abc", "X=1"}; !reflect.DeepEqual(sp.Exec.Environment, want) {
		t.Errorf("environment %q, want %q", sp.Exec.Environment, want)
	}
	if g.st.Phase != "pre" || g.st.Index != 0 {
		t.Fatalf("state %+v", g.st)
	}
	// An exit of another command (an earlier run's) is not the running one's.
	if _, _, _, ok := g.r.Done("pre/1"); ok || g.st.Phase != "pre" {
		t.Fatalf("Done matched a stale id: %+v", g.st)
	}
	phase, i, cmd, ok := g.r.Done("pre/0")
	if !ok || phase != "pre" || i != 0 || cmd.Path != "/bin/a" || g.st.Phase != "" {
		t.Fatalf("Done: %q %d %v %v, state %+v", phase, i, cmd, ok, g.st)
	}
	if ok, _ := g.r.Run("pre", 2, Process{}); ok {
		t.Fatalf("Run past the last command of a phase must report the phase over")
	}
	if len(g.take()) != 0 {
		t.Fatalf("Run past the end recorded actions")
	}
}

// The activation details of the unit's activation (a timer's TRIGGER_*=) reach every command, after
// INVOCATION_ID and before the caller's own variables.
func TestRunActivationEnv(t *testing.T) {
	g := newRig(exec.DefaultKill(), false)
	g.u.Runtime.ActivationEnv = []string{"TRIGGER_UNIT=x.timer", "TRIGGER_TIMER_MONOTONIC_USEC=5"}
	if ok, err := g.r.Run("stop", 0, Process{Env: []string{"SERVICE_RESULT=success"}}); !ok || err != nil {
		t.Fatalf("Run: %v %v", ok, err)
	}
	sp, _ := g.take()[0].(*sdk.Spawn)
	want := []string{"INVOCATION_ID=abc", "TRIGGER_UNIT=x.timer", "TRIGGER_TIMER_MONOTONIC_USEC=5", "SERVICE_RESULT=success"}
	if sp == nil || !reflect.DeepEqual(sp.Exec.Environment, want) {
		t.Fatalf("spawn %#v, want environment %q", sp, want)
	}
}

func TestRunEnvironmentFileMissing(t *testing.T) {
	g := newRig(exec.DefaultKill(), false)
	g.r.Exec.EnvironmentFiles = []exec.EnvironmentFile{{Path: "/nonexistent/sdk-control-test.env"}}
	ok, err := g.r.Run("pre", 0, Process{})
	if !ok || err == nil || g.st.Phase != "" || len(g.take()) != 0 {
		t.Fatalf("Run with a missing environment file: %v %v, state %+v", ok, err, g.st)
	}
}

func TestResult(t *testing.T) {
	plain, forgiving := exec.Command{}, exec.Command{IgnoreFailure: true}
	for _, tc := range []struct {
		cmd    exec.Command
		code   sdk.ExitCode
		status int32
		want   string
	}{
		{plain, sdk.Exited, 0, Success},
		{plain, sdk.Exited, 3, ExitCode},
		{plain, sdk.Killed, 15, Signal}, // a command killed by SIGTERM failed (EXIT_CLEAN_COMMAND)
		{plain, sdk.Dumped, 11, CoreDump},
		{forgiving, sdk.Exited, 3, Success},
		{forgiving, sdk.Killed, 9, Success},
	} {
		if got := Result(tc.cmd, tc.code, tc.status); got != tc.want {
			t.Errorf("Result(%v, %d, %d) = %s, want %s", tc.cmd.IgnoreFailure, tc.code, tc.status, got, tc.want)
		}
	}
}

func TestSignalKillModes(t *testing.T) {
	all := func(sig int, hup bool) sdk.Action {
		return &sdk.KillAction{Whom: sdk.WhomAll, Signal: sig, AlsoSighup: hup}
	}
	one := func(w sdk.Whom, sig int) sdk.Action { return &sdk.KillAction{Whom: w, Signal: sig} }
	arm := &sdk.ArmTimer{ID: DefaultTimer, USec: 5}
	for _, tc := range []struct {
		name    string
		mode    string
		hasMain bool
		step    Step
		want    []sdk.Action
	}{
		{"control-group term", "control-group", true, Term, []sdk.Action{all(15, true), arm}},
		{"control-group kill", "control-group", true, Kill, []sdk.Action{all(9, false), arm}},
		{"process term with a main process", "process", true, Term, []sdk.Action{one(sdk.WhomMain, 15), one(sdk.WhomControl, 15), arm}},
		{"process term without", "process", false, Term, []sdk.Action{one(sdk.WhomControl, 15), arm}},
		{"mixed term", "mixed", true, Term, []sdk.Action{one(sdk.WhomMain, 15), one(sdk.WhomControl, 15), arm}},
		{"mixed kill goes to the cgroup", "mixed", true, Kill, []sdk.Action{all(9, false), arm}},
		{"restart term", "control-group", true, RestartTerm, []sdk.Action{all(1, true), arm}},
		{"abort", "control-group", true, Abort, []sdk.Action{all(6, true), arm}},
		{"none", "none", true, Term, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := exec.DefaultKill()
			k.KillMode, k.SendSIGHUP, k.RestartKillSignal = tc.mode, true, 1
			g := newRig(k, tc.hasMain)
			if sent := g.r.Signal(tc.step, 5); sent != (tc.mode != "none") {
				t.Fatalf("Signal returned %v", sent)
			}
			if got := g.take(); !reflect.DeepEqual(got, tc.want) {
				t.Fatalf("actions %#v, want %#v", got, tc.want)
			}
		})
	}
}

func TestEscalation(t *testing.T) {
	e := Escalation{Term: "unmounting-sigterm", Kill: "unmounting-sigkill", Timeout: 7}
	g := newRig(exec.DefaultKill(), false)
	if !g.r.Begin(e, Term) || g.st.Sub != e.Term {
		t.Fatalf("Begin: state %+v", g.st)
	}
	g.take()
	if g.r.TimedOut(e, "mounted") || len(g.take()) != 0 {
		t.Fatalf("TimedOut acted in a sub-state that is not the escalation's")
	}
	if g.r.TimedOut(e, e.Term) || g.st.Sub != e.Kill || g.st.Result != Timeout {
		t.Fatalf("the SIGTERM state's timeout must go on to SIGKILL: %+v", g.st)
	}
	acts := g.take()
	if !reflect.DeepEqual(acts[1], &sdk.KillAction{Whom: sdk.WhomAll, Signal: 9}) {
		t.Fatalf("actions %#v", acts)
	}
	if !g.r.TimedOut(e, e.Kill) {
		t.Fatalf("the SIGKILL state's timeout ends the escalation")
	}
	logs := logTexts(g.take())
	if want := []string{"Processes still around after SIGKILL. Ignoring."}; !reflect.DeepEqual(logs, want) {
		t.Errorf("logs %q, want %q", logs, want)
	}

	// SendSIGKILL=no: the SIGTERM state's timeout is the end; a final escalation says the unit fails.
	k := exec.DefaultKill()
	k.SendSIGKILL = false
	g = newRig(k, false)
	e.Final = true
	g.r.Begin(e, Term)
	g.take()
	if !g.r.TimedOut(e, e.Term) || g.st.Sub != e.Term {
		t.Fatalf("SendSIGKILL=no must end the escalation at the SIGTERM state: %+v", g.st)
	}
	if logs := logTexts(g.take()); len(logs) != 1 || logs[0] != "State 'unmounting-sigterm' timed out. Skipping SIGKILL. Entering failed mode." {
		t.Errorf("logs %q", logs)
	}

	// KillMode=none: Begin does nothing.
	k.KillMode = "none"
	g = newRig(k, false)
	if g.r.Begin(e, Term) || len(g.take()) != 0 || g.st.Sub != "" {
		t.Fatalf("Begin with KillMode=none acted: %+v", g.st)
	}
}

func logTexts(acts []sdk.Action) []string {
	var out []string
	for _, a := range acts {
		if l, ok := a.(*sdk.Log); ok {
			out = append(out, l.Text)
		}
	}
	return out
}

func TestKillAndResetFailed(t *testing.T) {
	g := newRig(exec.DefaultKill(), true)
	g.r.OnKill(&sdk.EventKill{Signal: 10})
	g.r.OnKill(&sdk.EventKill{Whom: sdk.WhomMain, Signal: 1})
	want := []sdk.Action{&sdk.KillAction{Whom: sdk.WhomAll, Signal: 10}, &sdk.KillAction{Whom: sdk.WhomMain, Signal: 1}}
	if got := g.take(); !reflect.DeepEqual(got, want) {
		t.Fatalf("kills %#v", got)
	}
	g.st = State{Sub: "running", Result: Success}
	if g.r.ResetFailed("failed", "dead") || g.st.Sub != "running" {
		t.Fatalf("reset-failed moved a running unit: %+v", g.st)
	}
	g.st = State{Sub: "failed", Result: Timeout}
	if !g.r.ResetFailed("failed", "dead") || g.st.Sub != "dead" || g.st.Failed() {
		t.Fatalf("reset-failed of a failed unit: %+v", g.st)
	}
}

func TestRecordKeepsTheFirstFailure(t *testing.T) {
	var s State
	if s.Failed() || s.ResultName() != Success {
		t.Fatalf("zero state: %+v", s)
	}
	s.Record(Success)
	s.Record(ExitCode)
	s.Record(Timeout)
	s.Record(Success)
	if s.Result != ExitCode || !s.Failed() {
		t.Fatalf("result %q, want the first failure", s.Result)
	}
}
