package manager

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/host/unitlog"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// setState applies a plugin's SetState: the generic state, sub-state and result, the timestamps systemctl shows,
// and what the change means for the unit's job.
func (m *Manager) setState(u *Unit, s *pb.SetState) {
	from, to := u.Active, fromPB(s.Active)
	asked := m.engine.Get(u.ID) != nil // a job of u's own is under way: the change is no surprise
	if from != to || u.Sub != s.Sub {
		defer m.notifyTriggers(u)
	}
	u.Sub = s.Sub
	if s.Result != "" {
		u.Result = s.Result
	}
	if s.StatusText != "" {
		u.StatusText = s.StatusText
	}
	for k, v := range s.Properties {
		if u.Props == nil {
			u.Props = map[string]string{}
		}
		if v == "" {
			delete(u.Props, k)
		} else {
			u.Props[k] = v
		}
	}
	if from == to {
		return
	}
	now := now()
	u.Active = to
	u.times.stateChange = now
	m.queueGC(u)
	wasUp, isUp := isUp(from), isUp(to)
	switch {
	case !wasUp && isUp:
		u.times.inactiveExit = now
	case wasUp && !isUp:
		u.times.inactiveEnter = now
	}
	if to == unit.Active && from != unit.Reloading {
		u.times.activeEnter = now
	}
	if from == unit.Active && to != unit.Reloading {
		u.times.activeExit = now
	}
	if to == unit.Failed && m.engine.Get(u.ID) == nil {
		m.log.Warn("unit failed", "unit", u.ID, "result", u.Result)
	}
	m.engine.UnitChanged(u.ID, to)
	if wasUp && !isUp {
		m.releasePassed(u)
		m.cleanUp(u)
		m.propagateDown(u)
		for _, name := range job.Reached(graph{m}, u.ID, job.PinsStopWhenUnneeded) {
			m.stopIfUnneeded(m.units[name])
		}
	}
	if to == unit.Active && from != unit.Reloading && !asked {
		m.retroactiveStart(u)
	}
	if to == unit.Active {
		m.stopIfUnneeded(u)
	}
	switch {
	case to == unit.Failed:
		m.unitLogf(u, 4, "%s: Failed with result '%s'.", u.ID, u.Result)
	case to == unit.Inactive && wasUp && (u.Result == "" || u.Result == "success") && !m.passive(u):
		m.unitLogf(u, 6, "%s: Deactivated successfully.", u.ID)
	}
	switch {
	case to == unit.Failed:
		m.triggerOn(u, "OnFailure", u.Frag.Unit.OnFailureJobMode)
		m.emergencyAction(u, "FailureAction", u.Frag.Unit.FailureAction)
	case to == unit.Inactive && wasUp && (u.Result == "" || u.Result == "success"):
		m.triggerOn(u, "OnSuccess", u.Frag.Unit.OnSuccessJobMode)
		m.emergencyAction(u, "SuccessAction", u.Frag.Unit.SuccessAction)
	}
}

// propagateDown reacts to u going down: units bound to it (BindsTo=) are stopped, and a unit that an active unit
// upholds (Upholds=) is started again. Nothing happens for what a job asked for (a stop of u already stopped its
// bound units in its transaction, and upheld units are only restarted when they went down unasked).
func (m *Manager) propagateDown(u *Unit) {
	for _, name := range job.Reached(graph{m}, u.ID, job.RetroactiveStopOnStop) {
		b := m.units[name]
		if b == nil || !isUp(b.Active) || m.engine.Get(b.ID) != nil {
			continue
		}
		m.log.Info("unit is bound to a unit that went down, stopping it", "unit", b.ID, "bound_to", u.ID)
		if _, err := m.enqueue(b, job.Stop, job.Replace, false); err != nil {
			m.log.Error("cannot stop bound unit", "unit", b.ID, "error", err)
		}
	}
	if j := m.engine.Get(u.ID); j != nil && j.Type == job.Stop {
		return
	}
	for _, name := range job.Reached(graph{m}, u.ID, job.StartedSteadilyBy) {
		if h := m.units[name]; h != nil && h.isActive() {
			m.log.Info("unit is upheld, starting it again", "unit", u.ID, "upheld_by", h.ID)
			if _, err := m.enqueue(u, job.Start, job.Replace, false); err != nil {
				m.log.Error("cannot start upheld unit", "unit", u.ID, "error", err)
			}
			return
		}
	}
}

// retroactiveStart reacts to u becoming active without a job of its own (systemd's
// retroactively_start_dependencies): what it requires or is bound to is started, what it wants is started unless
// that conflicts with queued jobs, and what it conflicts with is stopped.
func (m *Manager) retroactiveStart(u *Unit) {
	g := graph{m}
	for _, step := range []struct {
		atom job.Atom
		typ  job.Type
		mode job.Mode
	}{
		{job.RetroactiveStartReplace, job.Start, job.Replace},
		{job.RetroactiveStartFail, job.Start, job.Fail},
		{job.RetroactiveStopOnStart, job.Stop, job.Replace},
	} {
		for _, name := range job.Reached(g, u.ID, step.atom) {
			d := m.units[name]
			if d == nil || (step.typ == job.Start) == isUp(d.Active) || m.engine.Get(d.ID) != nil {
				continue // already where it should be, or on its way
			}
			m.log.Info("unit became active by itself; acting on its dependencies", "unit", u.ID, "target", d.ID, "job", step.typ.String())
			if _, err := m.enqueue(d, step.typ, step.mode, false); err != nil {
				m.log.Warn("cannot act on a dependency", "unit", u.ID, "target", d.ID, "error", err)
			}
		}
	}
}

// stopIfUnneeded stops u when it has StopWhenUnneeded=yes and no unit that is up, or has a job, depends on it.
func (m *Manager) stopIfUnneeded(u *Unit) {
	if u == nil || u.Frag == nil || !u.Frag.Unit.StopWhenUnneeded || !isUp(u.Active) || m.engine.Get(u.ID) != nil {
		return
	}
	for _, name := range job.Reached(graph{m}, u.ID, job.Needs) {
		if d := m.units[name]; d != nil && (isUp(d.Active) || m.engine.Get(d.ID) != nil) {
			return
		}
	}
	m.log.Info("unit is not needed anymore, stopping it", "unit", u.ID)
	if _, err := m.enqueue(u, job.Stop, job.Replace, false); err != nil {
		m.log.Error("cannot stop unneeded unit", "unit", u.ID, "error", err)
	}
}

// triggerOn starts the units named by u's OnFailure= or OnSuccess= with the job mode the unit configured.
func (m *Manager) triggerOn(u *Unit, kind, mode string) {
	for _, name := range u.deps[kind] {
		jm, err := job.ParseMode(mode)
		if err == nil {
			_, err = m.enqueue(m.units[name], job.Start, jm, false)
		}
		if err != nil {
			m.log.Error("cannot start the "+kind+"= unit", "unit", u.ID, "target", name, "error", err)
		} else {
			m.log.Info("triggering "+kind+"= dependency", "unit", u.ID, "target", name)
		}
	}
}

// isUp: anything but inactive and failed counts as up for the Inactive{Enter,Exit} timestamps.
func isUp(s unit.ActiveState) bool { return !s.IsDown() }

func now() stamp {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return stamp{wall: time.Now(), mono: time.Duration(ts.Nano())}
}

// unitLogf adds a manager line to u's log (and to the core's own log at debug level).
func (m *Manager) unitLogf(u *Unit, priority int, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	m.log.Debug(text, "unit", u.ID)
	if err := m.unitLogs.Append(unitlog.Entry{Unit: u.ID, Priority: priority, Source: "manager", Text: text}); err != nil {
		m.log.Warn("cannot write the unit's log", "unit", u.ID, "error", err)
	}
}
