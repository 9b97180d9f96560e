package service

import (
	"strconv"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
)

// machine is one event being applied to one service: systemd's service state machine (src/core/service.c in
// spirit), with every process, signal and timer carried out by the host through actions. The kit's Runner
// runs the Exec*= commands and sends the kill signals; the service decides which and when.
type machine struct {
	c  *Config
	s  *State
	u  *sdk.Unit
	rt *sdk.Runtime
	r  *control.Runner

	oomKilled bool // the exit being handled was the OOM killer's
}

func newMachine(c *Config, s *State, u *sdk.Unit) *machine {
	if u.Runtime == nil {
		u.Runtime = &sdk.Runtime{}
	}
	m := &machine{c: c, s: s, u: u, rt: u.Runtime}
	m.r = &control.Runner{
		Unit: u, State: &s.State, Commands: m.commands, Exec: &c.ExecSettings, Kill: &c.KillSettings,
		Cgroup: c.Cgroup, Enter: m.enter, Timer: timerPhase, HasMain: true,
	}
	return m
}

// handle dispatches one event; kinds a service does not act on are ignored.
func (m *machine) handle(ev *sdk.Event) {
	switch e := ev.Kind.(type) {
	case *sdk.EventStart:
		m.onStart()
	case *sdk.EventStop:
		m.onStop()
	case *sdk.EventReload:
		m.onReload()
	case *sdk.EventKill:
		m.r.OnKill(e)
	case *sdk.EventResetFailed:
		m.r.ResetFailed(subFailed, subDead)
	case *sdk.EventSpawned:
		m.onSpawned(e.Role)
	case *sdk.EventExecuted:
		if e.Role == sdk.RoleMain && m.s.Sub == subStart && m.c.Type == "exec" {
			m.startPost() // Type=exec is started once its command runs
		}
	case *sdk.EventSpawnFailed:
		m.onSpawnFailed(e.ID, e.Role, e.Message)
	case *sdk.EventChildExited:
		m.oomKilled = e.OOMKilled
		m.onChildExited(e.ID, e.Role, e.Code, e.Status)
	case *sdk.EventTimerFired:
		m.onTimer(e.ID)
	case *sdk.EventNotify:
		m.onNotify(e.Pid, e.Fields)
	case *sdk.EventCgroupEmpty:
		m.onCgroupEmpty()
	case *sdk.EventBusName:
		m.onBusName(e)
	}
}

func (m *machine) notifyType() bool { return m.c.Type == "notify" || m.c.Type == "notify-reload" }

// enter moves to sub and reports it, with the properties only this plugin knows.
func (m *machine) enter(sub string) {
	m.s.Sub = sub
	m.u.Report(&sdk.StateReport{
		Active: activeOf[sub], Sub: sub, Result: m.s.ResultName(), StatusText: m.s.StatusText,
		Properties: map[string]string{
			"NRestarts":    strconv.FormatUint(uint64(m.s.NRestarts), 10),
			"StatusErrno":  strconv.Itoa(m.s.StatusErrno),
			"ReloadResult": orSuccess(m.s.ReloadResult),
		},
	})
}

func orSuccess(r string) string {
	if r == "" {
		return resSuccess
	}
	return r
}

func orDead(sub string) string {
	if sub == "" {
		return subDead
	}
	return sub
}

func (m *machine) armPhase(usec uint64) { m.r.ArmTimeout(usec) }

func (m *machine) armWatchdog() {
	if m.c.WatchdogUSec > 0 {
		m.u.ArmTimer(timerWatchdog, m.c.WatchdogUSec)
	}
}

func (m *machine) watchdogUSec() uint64 {
	if m.s.WatchdogUSec > 0 {
		return m.s.WatchdogUSec
	}
	return m.c.WatchdogUSec
}
