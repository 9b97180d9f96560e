package manager

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/job"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// setState applies a plugin's SetState: the generic state, sub-state and result, the timestamps systemctl shows,
// and what the change means for the unit's job.
func (m *Manager) setState(u *Unit, s *pb.SetState) {
	from, to := u.Active, fromPB(s.Active)
	u.Sub = s.Sub
	if s.Result != "" {
		u.Result = s.Result
	}
	if s.StatusText != "" {
		u.StatusText = s.StatusText
	}
	if from == to {
		return
	}
	now := now()
	u.Active = to
	u.times.stateChange = now
	wasUp, isUp := isUp(from), isUp(to)
	switch {
	case !wasUp && isUp:
		u.times.inactiveExit = now
	case wasUp && !isUp:
		u.times.inactiveEnter = now
	}
	if to == job.Active && from != job.Reloading {
		u.times.activeEnter = now
	}
	if from == job.Active && to != job.Reloading {
		u.times.activeExit = now
	}
	if to == job.FailedState && m.engine.Get(u.ID) == nil {
		m.log.Warn("unit failed", "unit", u.ID, "result", u.Result)
	}
	m.engine.UnitChanged(u.ID, to)
	switch {
	case to == job.FailedState:
		m.triggerOn(u, "OnFailure", u.Frag.Unit.OnFailureJobMode)
		m.emergencyAction(u, "FailureAction", u.Frag.Unit.FailureAction)
	case to == job.Inactive && wasUp && (u.Result == "" || u.Result == "success"):
		m.triggerOn(u, "OnSuccess", u.Frag.Unit.OnSuccessJobMode)
		m.emergencyAction(u, "SuccessAction", u.Frag.Unit.SuccessAction)
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
func isUp(s job.UnitState) bool { return s != job.Inactive && s != job.FailedState }

func now() stamp {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return stamp{wall: time.Now(), mono: time.Duration(ts.Nano())}
}
