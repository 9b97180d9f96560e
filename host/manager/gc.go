package manager

import (
	"github.com/sysmaster/sysmaster/host/api"
	"slices"

	"github.com/sysmaster/sysmaster/host/unit"
)

// Unit garbage collection (systemd's unit_may_gc and unit_gc_sweep, man systemd.unit CollectMode=).
//
// A unit that is of no more use is unloaded: removed from the unit table under all its names, its links dropped
// from the units it was linked to, its in-memory log state forgotten (its log file stays). Loading it again
// (sctl status, show, start) reads it fresh from disk. A unit is of use — pinned — when it has a job; when it is
// up, or failed with CollectMode=inactive (the default); when it has live processes, processes the plugin has
// not yet heard are gone, or timers; or when it is the default unit. A unit that is not pinned itself is still
// kept when a unit that is kept references it through a dependency it declares (any kind of its [Unit] section,
// its .wants/ and .requires/ directories, its type's default and implicit dependencies). Units whose load failed
// are collected under the same rules.
//
// Collection is lazy: the units that may have become collectable (loaded, changed to inactive or failed, a job
// of theirs ended, their processes gone, a daemon-reload) are queued, and the queue is swept once at the end of
// a loop turn, when no job runs and no event waits. A sweep looks only at the queued units and, for those not
// pinned, at the units that reference them, and so on, as far as needed to find one that is kept.

// gcQueue holds the units that may have become collectable since the last sweep.
type gcQueue struct {
	list []*Unit
	in   map[*Unit]bool
}

// queueGC notes that u may have become collectable; the next sweep looks at it.
func (m *Manager) queueGC(u *Unit) {
	if u == nil || m.gc.in[u] {
		return
	}
	if m.gc.in == nil {
		m.gc.in = map[*Unit]bool{}
	}
	m.gc.in[u] = true
	m.gc.list = append(m.gc.list, u)
}

// queueGCAll queues every unit in units (after a daemon-reload: dependencies may have gone).
func (m *Manager) queueGCAll(units []*Unit) {
	for _, u := range units {
		m.queueGC(u)
	}
}

// pinned reports whether u must stay loaded for its own sake, whatever references it.
func (m *Manager) pinned(u *Unit) bool {
	switch {
	case m.pg.pending[u] > 0: // its plugin's answer will be applied to it
		return true
	case m.engine.Get(u.ID) != nil:
		return true
	case u.Active == unit.Failed:
		if u.Frag == nil || u.Frag.Unit.CollectMode != "inactive-or-failed" {
			return true
		}
	case u.Active != unit.Inactive:
		return true
	}
	// Processes, and what a unit holds in the core: timers and descriptors.
	if len(u.children) > 0 || u.MainPid != 0 || u.ControlPid != 0 || u.populated || m.timers.armed(u) || len(u.fds) > 0 || m.populated(u) {
		return true
	}
	return m.isDefaultUnit(u)
}

// isDefaultUnit reports whether one of u's names is the unit the system boots into.
func (m *Manager) isDefaultUnit(u *Unit) bool {
	def := m.opts.DefaultUnit
	if def == "" {
		def = m.cfg.DefaultUnit
	}
	return def != "" && slices.Contains(u.Names, def)
}

// sweepGC unloads the queued units that are neither pinned nor referenced by a kept unit, and the unreferenced
// units they alone kept, until nothing more goes. It runs at the end of a turn; with events still queued it waits for the next one.
func (m *Manager) sweepGC() {
	if len(m.gc.list) == 0 || len(m.pg.queue) > 0 {
		return
	}
	// Unloading queues the units the collected ones were linked to: what only they referenced goes next.
	for len(m.gc.list) > 0 {
		s := &sweep{m: m, good: map[*Unit]bool{}, bad: map[*Unit]bool{}, refs: map[*Unit]map[*Unit]bool{}}
		queued := m.gc.list
		m.gc.list, m.gc.in = nil, nil
		for _, u := range queued {
			if m.units[u.ID] == u {
				s.kept(u)
			}
		}
		if len(s.bad) > 0 {
			m.unload(s.bad)
		}
	}
}

// sweep is the state of one sweep: what is known to be kept (good) or collectable (bad), and the units each
// referrer's dependencies name, resolved, for the referrers with many.
type sweep struct {
	m         *Manager
	good, bad map[*Unit]bool
	refs      map[*Unit]map[*Unit]bool
}

// kept reports whether x must stay. When it need not, neither need the units that reference it, nor those that
// reference them, …: none of them is pinned or referenced from outside the set, so the whole set is marked bad.
func (s *sweep) kept(x *Unit) bool {
	if s.good[x] {
		return true
	}
	if s.bad[x] {
		return false
	}
	if s.m.pinned(x) {
		s.good[x] = true
		return true
	}
	seen := map[*Unit]bool{x: true}
	set := []*Unit{x}
	for i := 0; i < len(set); i++ {
		v := set[i]
		// Who references v has v in its own dependencies, so it is among the units v is linked to.
		for _, d := range v.deps {
			for _, id := range d.units {
				o := s.m.units[id]
				if o == nil || o == v || seen[o] || s.bad[o] || !s.references(o, v) {
					continue
				}
				if s.good[o] || s.m.pinned(o) {
					s.good[o], s.good[x] = true, true
					return true
				}
				seen[o] = true
				set = append(set, o)
			}
		}
	}
	for _, v := range set {
		s.bad[v] = true
	}
	return false
}

// references reports whether one of o's own dependencies (not those other units' dependencies imply) names v.
func (s *sweep) references(o, v *Unit) bool {
	n := 0
	for _, d := range o.fwd {
		n += len(d.units)
	}
	if n <= 16 {
		for _, d := range o.fwd {
			for _, name := range d.units {
				if s.m.units[name] == v {
					return true
				}
			}
		}
		return false
	}
	set := s.refs[o]
	if set == nil {
		set = make(map[*Unit]bool, n)
		for _, d := range o.fwd {
			for _, name := range d.units {
				if t := s.m.units[name]; t != nil {
					set[t] = true
				}
			}
		}
		s.refs[o] = set
	}
	return set[v]
}

// unload removes the dead units from memory: their names, their links in the units that stay (which are queued:
// they may have been kept by the dead alone), their in-memory log state.
func (m *Manager) unload(dead map[*Unit]bool) {
	ids := make(map[string]bool, len(dead))
	linked := map[*Unit]bool{}
	for u := range dead {
		ids[u.ID] = true
		for _, d := range u.deps {
			for _, id := range d.units {
				if o := m.units[id]; o != nil && !dead[o] {
					linked[o] = true
				}
			}
		}
	}
	for o := range linked {
		m.queueGC(o)
		lists := o.deps[:0]
		for _, d := range o.deps {
			kept := d.units[:0]
			for _, id := range d.units {
				if ids[id] {
					delete(o.depSet, depKey{d.kind, id})
				} else {
					kept = append(kept, id)
				}
			}
			if len(kept) > 0 {
				lists = append(lists, depList{d.kind, kept})
			}
		}
		clear(o.deps[len(lists):])
		o.deps = lists
	}
	for u := range dead {
		for _, n := range u.Names {
			if m.units[n] == u {
				delete(m.units, n)
			}
		}
		if m.units[u.ID] == u {
			delete(m.units, u.ID)
		}
		m.removeCgroup(u) // an empty cgroup left behind; its watches end
		m.removeTransient(u)
		m.unitLogs.Forget(u.ID)
		m.forgetTriggers(u)
		m.announce(api.Event{Kind: api.UnitRemoved, Unit: u.ID})
		m.log.Debug("unit collected", "unit", u.ID, "load_state", string(u.LoadState), "state", u.Active.String())
	}
}
