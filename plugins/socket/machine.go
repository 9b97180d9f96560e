package socket

import (
	"fmt"
	"strconv"
	"time"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
)

// machine is one event being applied to one socket: systemd's socket state machine (src/core/socket.c in
// spirit), with every process, fd, timer and job carried out by the host through actions. The kit's Runner
// runs the Exec*= commands and sends the kill signals. It is pure: the only outside input besides the event is
// the clock, which tests replace.
type machine struct {
	c   *Config
	s   *State
	u   *sdk.Unit
	rt  *sdk.Runtime
	r   *control.Runner
	now func() time.Time
}

func newMachine(c *Config, s *State, u *sdk.Unit, now func() time.Time) *machine {
	if u.Runtime == nil {
		u.Runtime = &sdk.Runtime{}
	}
	m := &machine{c: c, s: s, u: u, rt: u.Runtime, now: now}
	m.r = &control.Runner{
		Unit: u, State: &s.State, Commands: m.commands, Exec: &c.ExecSettings, Kill: &c.KillSettings,
		Cgroup: c.Cgroup, Enter: m.enter, Timer: timerPhase,
	}
	return m
}

// handle dispatches one event; an event without a kind is refused.
func (m *machine) handle(ev *sdk.Event) error {
	switch e := ev.Kind.(type) {
	case *sdk.EventStart:
		m.onStart()
	case *sdk.EventStop:
		m.onStop()
	case *sdk.EventReload:
		m.enter(orDead(m.s.Sub)) // sockets cannot reload: the job is done at once
	case *sdk.EventKill:
		m.r.OnKill(e)
	case *sdk.EventResetFailed:
		m.r.ResetFailed(subFailed, subDead)
	case *sdk.EventRecover:
		m.onRecover(e)
	case *sdk.EventSpawned, *sdk.EventExecuted, *sdk.EventNotify:
		// Nothing to do: a control process is followed until its exit.
	case *sdk.EventCgroupEmpty, *sdk.EventMountChanged, *sdk.EventDeviceChanged:
	case *sdk.EventSpawnFailed:
		m.onSpawnFailed(e.ID, e.Message)
	case *sdk.EventChildExited:
		m.onChildExited(e)
	case *sdk.EventTimerFired:
		m.onTimer(e.ID)
	case *sdk.EventFdReadable:
		m.onReadable(e)
	case *sdk.EventFdOpenFailed:
		m.onOpenFailed(e.ID, e.Message)
	case *sdk.EventEnqueueFailed:
		m.onEnqueueFailed(e.Unit, e.Message)
	case *sdk.EventUnitChanged:
		m.onUnitChanged(e)
	case *sdk.EventConfigChanged:
		// New settings take effect at the next start, as in systemd.
	default:
		return fmt.Errorf("socket: unexpected event %T", ev.Kind)
	}
	return nil
}

func orDead(sub string) string {
	if sub == "" {
		return subDead
	}
	return sub
}

// enter moves to sub and reports it with the counters only this plugin knows.
func (m *machine) enter(sub string) {
	m.s.Sub = sub
	m.u.Report(&sdk.StateReport{
		Active: activeOf[sub], Sub: sub, Result: m.s.ResultName(),
		Properties: map[string]string{
			"NAccepted":    strconv.FormatUint(m.s.NAccepted, 10),
			"NConnections": strconv.FormatUint(m.s.NConnections, 10),
			"NRefused":     strconv.FormatUint(m.s.NRefused, 10),
			"Result":       m.s.ResultName(),
		},
	})
}

func (m *machine) armPhase() { m.r.ArmTimeout(m.c.TimeoutUSec) }
