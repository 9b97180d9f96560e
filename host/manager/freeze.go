package manager

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/host/cgroup"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// sctl freeze and thaw: the kernel's cgroup freezer on a unit's cgroup (systemd's unit_freeze and unit_thaw).
// The freezer state is the kernel's (cgroup.freeze and cgroup.events, or the v1 freezer.state), read back for the
// FreezerState property, so a core that restarted knows it without a record of its own. A slice is frozen as
// systemd 252's slice_freezer_action does it: each unit in it that has a cgroup first (a slice in it with its
// own units), then the slice's cgroup, so that every member reports frozen as well as the slice.

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
		verb := "Freezing"
		if thaw {
			verb = "Thawing"
		}
		for _, u := range units {
			for _, x := range m.freezeUnits(u) {
				m.unitLogf(x, 6, "%s: %s...", x.ID, verb)
				if err := m.cg.Freeze(cgroupName(x), !thaw); err != nil {
					return err
				}
				cgroups = append(cgroups, cgroupName(x))
			}
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

// freezable checks what systemd's unit_freeze and unit_thaw check, with their bus messages: the unit's type has
// a freezer (canFreeze), it is active, has no job and has a cgroup.
func (m *Manager) freezable(u *Unit, thaw bool) error {
	switch {
	case m.cg == nil || !m.canFreeze(u):
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

// noFreezer are the types that run processes in a slice but have no freezer in systemd 252 (their vtables have
// no freeze): a slice holding one of them cannot be frozen either.
var noFreezer = map[string]bool{"socket": true, "mount": true, "swap": true}

// canFreeze is systemd's unit_can_freeze: a service, a scope, a third-party type that runs processes in a slice,
// or a slice whose units can all freeze (slice_can_freeze). The root slice is the manager's own cgroup: the core
// would freeze itself, and systemd refuses it too.
func (m *Manager) canFreeze(u *Unit) bool {
	if m.passive(u) || noFreezer[u.Type] || u.ID == "-.slice" {
		return false
	}
	if u.Type != "slice" {
		_, inSlice := u.Annotations.get("Slice")
		return inSlice
	}
	for _, x := range m.sliceMembers(u) {
		if !m.canFreeze(x) {
			return false
		}
	}
	return true
}

// sliceMembers are the loaded units in slice s (systemd's UNIT_ATOM_SLICE_OF): the slices below it and the
// units whose Slice is s, by name.
func (m *Manager) sliceMembers(s *Unit) []*Unit {
	var out []*Unit
	for id, x := range m.units {
		if id != x.ID || x == s || sliceOf(x) != s.ID {
			continue
		}
		if _, inSlice := x.Annotations.get("Slice"); inSlice || x.Type == "slice" {
			out = append(out, x)
		}
	}
	slices.SortFunc(out, func(a, b *Unit) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// freezeUnits is what freezing or thawing u acts on, in order: for a slice each unit in it that has a cgroup (a
// unit that never ran has nothing to freeze), recursively, then u.
func (m *Manager) freezeUnits(u *Unit) []*Unit {
	var out []*Unit
	if u.Type == "slice" {
		for _, x := range m.sliceMembers(u) {
			if x.cgroupMade {
				out = append(out, m.freezeUnits(x)...)
			}
		}
	}
	return append(out, u)
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
