package scope

import (
	"fmt"
	"math/rand/v2"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
)

// State is the scope's state bytes: the kit's sub-state and result.
type State struct {
	control.State
}

// states are systemd.scope's sub-states. start-chown is where the scope waits for the host to move its
// processes into its cgroup (systemd's is where a helper chowns the cgroup before that; the wait is the same).
var states = control.States{
	"dead":         sdk.Inactive,
	"start-chown":  sdk.Activating,
	"running":      sdk.Active,
	"abandoned":    sdk.Active,
	"stop-sigterm": sdk.Deactivating,
	"stop-sigkill": sdk.Deactivating,
	"failed":       sdk.Failed,
}

// runtimeTimer bounds the scope's life (RuntimeMaxSec=); the kit's phase timer bounds each stop step.
const runtimeTimer = "runtime"

// OOMKill is the result of a scope stopped by OOMPolicy=stop.
const OOMKill = "oom-kill"

// Handle is systemd's scope.c as a state machine over the host's events.
func (scopeType) Handle(u *sdk.Unit, ev *sdk.Event) error {
	return sdk.HandleJSON(u, func(c *Config, st *State) error {
		r := &control.Runner{Unit: u, State: &st.State, Kill: &c.KillSettings, Cgroup: c.Cgroup,
			Enter: states.Enter(u, &st.State)}
		stop := control.Escalation{Term: "stop-sigterm", Kill: "stop-sigkill", Timeout: c.TimeoutStopUSec}
		up := st.Sub == "running" || st.Sub == "abandoned"
		switch e := ev.Kind.(type) {
		case *sdk.EventStart:
			switch st.Sub {
			case "failed":
				// systemd refuses to start a failed scope (-EPERM): a scope's processes cannot be handed over twice.
				u.Logf("Scope is in failed state, refusing to start it again; reset it first.")
				r.Enter("failed")
			case "", "dead":
				st.Result = control.Success
				u.Do(&sdk.AttachProcesses{Settings: c.Cgroup})
				r.Enter("start-chown")
			default:
				r.Enter(st.Sub) // already up or stopping: the host's job engine decides
			}
		case *sdk.EventProcessesAttached:
			if st.Sub != "start-chown" {
				return nil
			}
			for _, msg := range e.Errors {
				u.Logf("Failed to add process to scope's control group: %s", msg)
			}
			if len(e.Pids) == 0 {
				u.Logf("No PIDs left to attach to the scope's control group, refusing.")
				st.Record(control.Resources)
				r.Enter("failed")
				return nil
			}
			r.Enter("running")
			if c.RuntimeMaxUSec > 0 {
				u.ArmTimer(runtimeTimer, runtimeLimit(c))
			}
		case *sdk.EventAbandon:
			if up {
				r.Enter("abandoned")
			}
		case *sdk.EventCgroupEmpty:
			switch {
			case up:
				u.DisarmTimer(runtimeTimer)
				r.Enter("dead")
			case stop.In(st.Sub):
				u.DisarmTimer(runtimeTimer)
				r.Stopped("failed", "dead")
			}
		case *sdk.EventStop:
			switch {
			case up || st.Sub == "start-chown":
				u.DisarmTimer(runtimeTimer)
				if !r.Begin(stop, control.Term) {
					r.Enter("dead")
				}
			case stop.In(st.Sub):
				// Already on its way down.
			case st.Sub == "failed":
				r.Enter("failed")
			default:
				r.Enter("dead")
			}
		case *sdk.EventTimerFired:
			switch {
			case e.ID == runtimeTimer && up:
				u.Logf("Scope reached runtime time limit. Stopping.")
				st.Record(control.Timeout)
				if !r.Begin(stop, control.Term) {
					r.Stopped("failed", "dead")
				}
			case e.ID == control.DefaultTimer && r.TimedOut(stop, st.Sub):
				r.Stopped("failed", "dead")
			}
		case *sdk.EventChildExited:
			// The host reports an OOM kill in the scope's cgroup as the exit of a helper process.
			if !e.OOMKilled || !up {
				return nil
			}
			switch c.OOMPolicy {
			case "stop":
				u.Logf("A process of this unit has been killed by the OOM killer. Stopping the unit (OOMPolicy=stop).")
				st.Record(OOMKill)
				if !r.Begin(stop, control.Term) {
					r.Stopped("failed", "dead")
				}
			case "kill":
				u.Logf("A process of this unit has been killed by the OOM killer. Killing the rest of the unit (OOMPolicy=kill).")
				st.Record(OOMKill)
				r.Signal(control.Kill, 0)
			default:
				u.Logf("A process of this unit has been killed by the OOM killer.")
			}
		case *sdk.EventRecover:
			// The cgroup and its processes are the host's; it sends CgroupEmpty if the scope emptied meanwhile.
			// A scope caught between its start and the host's answer gets the answer after this event.
		case *sdk.EventReload, *sdk.EventSpawned, *sdk.EventExecuted, *sdk.EventNotify, *sdk.EventFdReadable,
			*sdk.EventFdOpenFailed, *sdk.EventEnqueueFailed, *sdk.EventMountChanged, *sdk.EventDeviceChanged,
			*sdk.EventUnitChanged, *sdk.EventTimeChanged, *sdk.EventSwapChanged, *sdk.EventAutofsPacket,
			*sdk.EventPathChanged:
			// A scope runs nothing of its own, holds no descriptor and cannot be reloaded (systemd: no reload job).
		default:
			if !r.Common(ev, "failed", "dead") {
				return fmt.Errorf("scope: unexpected event %T", ev.Kind)
			}
		}
		return nil
	})
}

// runtimeLimit is RuntimeMaxSec= plus a random part of RuntimeRandomizedExtraSec=, counted from now (the scope
// just became active).
func runtimeLimit(c *Config) uint64 {
	d := c.RuntimeMaxUSec
	if x := c.RuntimeRandomizedExtraUSec; x > 0 {
		d += rand.Uint64N(x)
	}
	return d
}
