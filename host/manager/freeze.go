package manager

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/sysmaster/sysmaster/host/cgroup"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// sctl freeze and thaw: the kernel's cgroup freezer on a unit's cgroup (systemd's unit_freeze and unit_thaw).
// The freezer state is the kernel's (cgroup.freeze and cgroup.events, or the v1 freezer.state), read back for the
// FreezerState property, so a core that restarted knows it without a record of its own.

// freezePoll is how often Freeze looks at the kernel's state until the cgroup is frozen or thawed: cgroup.events
// signals it, but the wait is short and off the loop.
const freezePoll = 5 * time.Millisecond

func (l local) Freeze(ctx context.Context, names []string, thaw bool) error {
	m := l.m
	var cgroups []string
	err := m.doErr(ctx, func() error {
		units, err := m.resolve(names)
		if err != nil {
			return err
		}
		for _, u := range units {
			if err := m.freezable(u, thaw); err != nil {
				return err
			}
		}
		for _, u := range units {
			verb := "Freezing"
			if thaw {
				verb = "Thawing"
			}
			m.unitLogf(u, 6, "%s: %s...", u.ID, verb)
			if err := m.cg.Freeze(cgroupName(u), !thaw); err != nil {
				return err
			}
			cgroups = append(cgroups, cgroupName(u))
		}
		return nil
	})
	if err != nil {
		return err
	}
	want := cgroup.FreezerFrozen
	if thaw {
		want = cgroup.FreezerRunning
	}
	for _, name := range cgroups {
		for m.cg.FreezerStateOf(name) != want {
			select {
			case <-ctx.Done():
				return errdefs.Unavailable(fmt.Errorf("%s is not %s yet: %w", name, want, ctx.Err()))
			case <-time.After(freezePoll):
			}
		}
	}
	return nil
}

// freezable checks what systemd's unit_freeze and unit_thaw check, with their bus messages: the unit has a
// cgroup (a target has none), is active and has no job.
func (m *Manager) freezable(u *Unit, thaw bool) error {
	switch {
	case m.cg == nil || m.passive(u):
		return errdefs.FailedPrecondition(fmt.Errorf("Unit '%s' does not support freezing.", u.ID))
	case u.LoadState != unit.Loaded || u.Active != unit.Active && u.Active != unit.Reloading:
		return errdefs.FailedPrecondition(errors.New("Unit is inactive."))
	case m.engine.Get(u.ID) != nil:
		return errdefs.FailedPrecondition(errors.New("Unit has a pending job."))
	case !u.cgroupMade:
		return errdefs.FailedPrecondition(fmt.Errorf("Unit '%s' does not support freezing.", u.ID))
	}
	st := m.cg.FreezerStateOf(cgroupName(u))
	if !thaw && st == cgroup.FreezerFreezing || thaw && st == cgroup.FreezerThawing {
		return errdefs.FailedPrecondition(fmt.Errorf("Previously requested freezer operation for unit '%s' is still in progress.", u.ID))
	}
	return nil
}

// thawForJob thaws u before a start, stop or reload reaches its plugin, as systemd's unit_start, unit_stop and
// unit_reload do: a frozen process would not hear the signal that stops it.
func (m *Manager) thawForJob(u *Unit) {
	if m.cg == nil || !u.cgroupMade || m.freezerState(u) == cgroup.FreezerRunning {
		return
	}
	if err := m.cg.Freeze(cgroupName(u), false); err != nil {
		m.unitLogf(u, 4, "%s: Failed to thaw the cgroup: %v", u.ID, err)
	}
}

// freezerState is u's FreezerState property.
func (m *Manager) freezerState(u *Unit) cgroup.FreezerState {
	if m.cg == nil || !u.cgroupMade {
		return cgroup.FreezerRunning
	}
	return m.cg.FreezerStateOf(cgroupName(u))
}
