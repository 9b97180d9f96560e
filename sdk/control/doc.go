// Package control is the plugin kit's lifecycle machinery for unit types whose units run commands (service,
// socket, and next mount and swap): a Runner runs a unit's control commands phase by phase (ExecStartPre=,
// ExecStop=, ExecMount=, …) under spawn ids it can match their exits against, bounds each phase with one
// timer, and signals what is left of the unit as man systemd.kill says (KillMode=, KillSignal=,
// RestartKillSignal=, WatchdogSignal=, FinalKillSignal=, SendSIGHUP=, SendSIGKILL=), escalating SIGTERM to
// SIGKILL when a killing sub-state times out. It also answers the Kill and ResetFailed events the same way for
// every type.
//
// The Runner keeps nothing: its state is a State the plugin embeds in its own (the JSON stays flat), and its
// effects are actions on the sdk.Unit of the event being handled. A plugin builds one per event:
//
//	type State struct {
//		control.State // Sub, Result, Phase, Index
//		…
//	}
//
//	r := &control.Runner{Unit: u, State: &st.State, Commands: c.commands, Exec: &c.ExecSettings,
//		Kill: &c.KillSettings, Cgroup: c.Cgroup, Enter: m.enter}
//	switch e := ev.Kind.(type) {
//	case *sdk.EventStart:
//		r.ArmTimeout(c.TimeoutUSec)
//		if ok, err := r.Run("mount", 0, control.Process{}); ok && err == nil {
//			r.Enter("mounting")
//		}
//	case *sdk.EventChildExited:
//		if phase, i, cmd, ok := r.Done(e.ID); ok {
//			res := control.Result(cmd, e.Code, e.Status)
//			…
//		}
//	case *sdk.EventTimerFired: // the phase timed out
//		if r.Signal(control.Term, c.TimeoutUSec) {
//			r.Enter("mounting-sigterm")
//		}
//	case *sdk.EventKill:
//		r.OnKill(e)
//	case *sdk.EventResetFailed:
//		r.ResetFailed("failed", "dead")
//	}
package control
