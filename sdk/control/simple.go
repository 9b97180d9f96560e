package control

import "github.com/sysmaster/sysmaster/sdk"

// Simple is the whole lifecycle of a unit that is one main process, as a Type=simple service without restarts
// is: a start spawns the main command (Runner.Commands("start")[0]) and the unit is running once it is
// spawned; when it exits the unit is exited (RemainAfterExit, after a success), dead or failed. A reload runs
// the reload command (Commands("reload")[0]) while the unit runs. A stop sends SIGTERM, then SIGKILL after
// Stop.Timeout, then gives up (failed). Kill, ResetFailed and SpawnFailed are answered as Common does. The
// sub-states are SimpleStates': Runner.Enter is SimpleStates.Enter in the plain case. sdk/examples/run is a
// whole unit type built on it.
type Simple struct {
	Runner          *Runner
	Stop            Escalation // its Term and Kill sub-states are stop-sigterm and stop-sigkill
	RemainAfterExit bool
}

// SimpleStates are Simple's sub-states with their generic states.
var SimpleStates = States{"dead": sdk.Inactive, "start": sdk.Activating, "running": sdk.Active,
	"exited": sdk.Active, "reload": sdk.Reloading, "stop-sigterm": sdk.Deactivating,
	"stop-sigkill": sdk.Deactivating, "failed": sdk.Failed}

// Handle applies one event.
func (s Simple) Handle(ev *sdk.Event) {
	r, st := s.Runner, s.Runner.State
	switch e := ev.Kind.(type) {
	case *sdk.EventStart:
		*st = State{Result: Success}
		r.Enter("start")
		if _, err := r.Run("start", 0, Process{Role: sdk.RoleMain}); err != nil {
			st.Record(Resources)
			r.Enter("failed")
		}
	case *sdk.EventSpawned:
		if e.Role == sdk.RoleMain && st.Sub == "start" {
			r.Enter("running")
		}
	case *sdk.EventReload:
		if st.Sub != "running" {
			r.Enter(st.Sub) // nothing to reload: the job is done
		} else if ok, err := r.Run("reload", 0, Process{}); ok && err == nil {
			r.Enter("reload")
		}
	case *sdk.EventChildExited:
		res := r.Exited(e)
		switch {
		case e.Role != sdk.RoleMain: // the reload command
			if st.Sub == "reload" {
				r.Enter("running")
			}
		case s.Stop.In(st.Sub):
			r.Stopped("failed", "dead")
		case res == Success && s.RemainAfterExit:
			r.Enter("exited")
		case res == Success:
			r.Enter("dead")
		default:
			st.Record(res)
			r.Enter("failed")
		}
	case *sdk.EventStop:
		r.Stop(s.Stop, "dead")
	case *sdk.EventTimerFired: // the stop timed out: SIGKILL, then give up
		if r.TimedOut(s.Stop, st.Sub) {
			r.Enter("failed")
		}
	default:
		r.Common(ev, "failed", "dead")
	}
}
