package control

import (
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// States maps a type's sub-states to the generic states, as systemd's state tables do ("stop-sigterm" is
// deactivating). A sub-state it does not name reports inactive.
type States map[string]sdk.ActiveState

// Enter returns a Runner.Enter that keeps sub in st and reports it with its generic state and st's result.
func (s States) Enter(u *sdk.Unit, st *State) func(sub string) {
	return func(sub string) {
		st.Sub = sub
		u.SetState(s[sub], sub, st.ResultName())
	}
}

// Common answers the events every type with processes answers alike, and reports whether ev was one of them:
// Kill signals the processes it names (OnKill); ResetFailed leaves failed for dead (ResetFailed); SpawnFailed
// (a command that could not be started) is logged, ends the running command, records Resources and enters
// failed.
func (r *Runner) Common(ev *sdk.Event, failed, dead string) bool {
	switch e := ev.Kind.(type) {
	case *sdk.EventKill:
		r.OnKill(e)
	case *sdk.EventResetFailed:
		r.ResetFailed(failed, dead)
	case *sdk.EventSpawnFailed:
		r.Unit.Logf("cannot run %s: %s", e.ID, e.Message)
		r.Done(e.ID)
		r.State.Record(Resources)
		r.Enter(failed)
	default:
		return false
	}
	return true
}

// Exited matches the end of a process against the running command (Done) and judges it: Result for the
// running command, the exit alone (Outcome) for any other process. A failure of the main process or of the
// running command is logged as systemd logs it ("Main process exited, code=exited, status=1/FAILURE"). The
// result is not recorded: what a failure means depends on the sub-state.
func (r *Runner) Exited(e *sdk.EventChildExited) string {
	_, _, cmd, ok := r.Done(e.ID)
	res := Result(cmd, e.Code, e.Status)
	if res != Success && (ok || e.Role == sdk.RoleMain) {
		who := "Control"
		if e.Role == sdk.RoleMain {
			who = "Main"
		}
		r.Unit.Logf("%s process exited, %s", who, exec.Describe(int32(e.Code), e.Status))
	}
	return res
}

// Stop begins a stop with SIGTERM (e.Term) when the unit has a main process; without one, or with
// KillMode=none, it enters dead at once.
func (r *Runner) Stop(e Escalation, dead string) {
	if r.Unit.Runtime == nil || r.Unit.Runtime.MainPid == 0 || !r.Begin(e, Term) {
		r.Enter(dead)
	}
}

// Stopped ends a stop once what it waited for has exited: the phase timer is disarmed, and the unit enters
// failed when a failure was recorded since its start (a stop that had to SIGKILL, say), else dead.
func (r *Runner) Stopped(failed, dead string) {
	r.DisarmTimeout()
	if r.State.Failed() {
		r.Enter(failed)
	} else {
		r.Enter(dead)
	}
}

// In reports whether sub is one of e's killing sub-states.
func (e Escalation) In(sub string) bool { return sub == e.Term || sub == e.Kill }
