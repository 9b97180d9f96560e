package manager

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"sync"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// load makes sure the named units and every unit they reference are in memory and returns the first one.
// Units are read in rounds: every unit the files name, transitively, is read without waiting for any plugin
// (the plugins of their types are launched as they are met, all at once and off the loop), then each is checked
// against its type's sections and parsed by its plugin, one batch per type; the dependencies the types add
// start the next round, until no dependency names a unit not yet loaded. One listing of each directory of the
// search path serves the whole load.
func (m *Manager) load(names ...string) *Unit {
	defer m.loader.Batch()()
	var fresh []*Unit
	pending := names
	launched := map[string]bool{}
	for len(pending) > 0 {
		var round []*Unit
		for len(pending) > 0 {
			n := pending[0]
			pending = pending[1:]
			if m.units[n] != nil {
				continue
			}
			u := m.readUnit(n)
			if u == nil {
				continue
			}
			round = append(round, u)
			if u.Frag.Unchecked() && !launched[u.Type] {
				launched[u.Type] = true
				m.prelaunch(u.Type)
				// A unit that runs processes goes in a slice its plugin names when it parses it (the Slice
				// annotation): launch the slice plugin now rather than after that parse.
				if slices.Contains(sliceTypes, u.Type) && !launched["slice"] {
					launched["slice"] = true
					m.prelaunch("slice")
				}
			}
			for _, others := range u.Frag.Unit.Deps {
				pending = append(pending, others...)
			}
		}
		for _, u := range round {
			m.loader.Finish(u.Frag)
			m.setFragment(u, u.Frag)
		}
		m.parse(round)
		for _, u := range round {
			for _, d := range u.fwd {
				pending = append(pending, d.units...)
			}
		}
		fresh = append(fresh, round...)
	}
	for _, u := range fresh {
		m.link(u)
		m.announce(api.Event{Kind: api.UnitNew, Unit: u.ID})
	}
	m.devicesLoaded(fresh)
	if len(names) == 0 {
		return nil
	}
	return m.units[names[0]]
}

// readUnit reads a unit's files (loader.Read: its type's sections are checked later). It returns nil when name
// turned out to be an alias of a unit in memory.
func (m *Manager) readUnit(name string) *Unit {
	frag := m.loader.Read(name)
	if u := m.units[frag.Name]; u != nil {
		m.units[name] = u
		u.addName(name)
		return nil
	}
	u := newUnit(frag.Name, unitname.Type(frag.Name))
	u.Frag = frag
	for _, n := range frag.Names {
		m.units[n] = u
	}
	m.units[name] = u
	u.addName(name)
	m.queueGC(u) // collected at the end of the turn unless something keeps it
	return u
}

// setFragment takes what the loader found; the plugin's part comes in parse.
func (m *Manager) setFragment(u *Unit, frag *unit.Fragment) {
	u.Frag, u.LoadState, u.LoadError = frag, frag.LoadState, frag.LoadError
	m.refuseScopeFile(u)
	for _, n := range frag.Names {
		u.addName(n)
	}
	for _, w := range frag.Warnings {
		m.log.Warn(w.Error(), "unit", u.ID)
		m.unitLogf(u, 4, "%s", w.Error()) // sctl status and logs show it, as the plugin's warnings
	}
	// Not-found and masked units are no error in themselves (a Wants= on them is dropped, as in systemd); a job
	// for one says why it cannot run.
	if frag.LoadError != nil && frag.LoadState != unit.NotFound && frag.LoadState != unit.Masked {
		m.log.Error(frag.LoadError.Error(), "unit", u.ID, "load_state", string(frag.LoadState))
	}
	u.fwd = make(depLists, 0, len(frag.Unit.Deps))
	for _, kind := range slices.Sorted(maps.Keys(frag.Unit.Deps)) {
		if others := frag.Unit.Deps[kind]; len(others) > 0 {
			u.fwd.add(string(kind), others...)
		}
	}
}

// parse hands the loaded units to their plugins, one call per type.
func (m *Manager) parse(units []*Unit) {
	byType := map[string][]*Unit{}
	for _, u := range units {
		if u.LoadState == unit.Loaded {
			byType[u.Type] = append(byType[u.Type], u)
		}
	}
	types := make([]string, 0, len(byType))
	for t := range byType {
		types = append(types, t)
	}
	sort.Strings(types)
	// One call per type, all at once: a plugin's first call after its launch is slow (its connection and
	// runtime warming up), and the types' plugins are separate processes. The answers are applied in type order.
	res := make([][]*pb.Parsed, len(types))
	errs := make([]error, len(types))
	var wg sync.WaitGroup
	for i, typ := range types {
		batch := byType[typ]
		req := make([]*pb.UnitFile, len(batch))
		for j, u := range batch {
			req[j] = &pb.UnitFile{Unit: unitInfo(u), Sections: unit.WireSections(u.Frag.TypeSections)}
		}
		wg.Go(func() { res[i], errs[i] = m.plugins.Parse(typ, req) })
	}
	wg.Wait()
	served := m.servedTypes()
	for t, typ := range types {
		batch, err := byType[typ], errs[t]
		for i, u := range batch {
			if err != nil {
				u.LoadState, u.LoadError = unit.Error, err
				m.log.Error("cannot parse unit", "unit", u.ID, "error", err)
				continue
			}
			m.applyParsed(u, res[t][i], served)
		}
	}
}

func (m *Manager) applyParsed(u *Unit, p *pb.Parsed, served func(typ string) bool) {
	u.Config, u.Annotations, u.Settings = p.Config, newPairs(p.Annotations), newPairs(p.Properties)
	m.busNamesChanged() // busname.go
	for _, pr := range p.Problems {
		e := &unitfile.Error{File: pr.File, Line: int(pr.Line), Section: pr.Section, Key: pr.Key, Msg: pr.Message}
		if pr.Severity == pb.Problem_SEVERITY_WARNING {
			m.log.Warn(e.Error(), "unit", u.ID)
			m.unitLogf(u, 4, "%s", e.Error())
			continue
		}
		m.log.Error(e.Error(), "unit", u.ID)
		if u.LoadState == unit.Loaded {
			u.LoadState, u.LoadError = unit.BadSetting, e
		}
	}
	var add []*pb.Dependency
	if u.Frag.Unit.DefaultDependencies {
		add = append(add, p.DefaultDependencies...)
	}
	add = append(add, p.ImplicitDependencies...)
	add = append(add, sliceDependencies(u)...)
	have := map[depKey]bool{}
	for _, d := range u.fwd {
		for _, o := range d.units {
			have[depKey{d.kind, o}] = true
		}
	}
	for _, d := range add {
		for _, o := range d.Units {
			// A dependency the type adds on a unit of a type nothing serves is left out, as systemd leaves out a
			// mount's device when device units are not supported (in a container).
			if k := (depKey{d.Kind, o}); o != u.ID && unitname.Valid(o) && !have[k] && served(unitname.Type(o)) {
				have[k] = true
				u.fwd.add(d.Kind, o)
			}
		}
	}
}

// link records u's dependencies on both ends, by unit id (a dependency may name an alias).
func (m *Manager) link(u *Unit) {
	for _, d := range u.fwd {
		kind := d.kind
		for _, name := range d.units {
			o := m.units[name]
			if o == nil || o == u || kind == "After" && !m.targetOrderedAfter(u, name, o) {
				continue
			}
			u.addDep(kind, o.ID)
			if rev, ok := unit.DepKind(kind).Reverse(); ok {
				o.addDep(string(rev), u.ID)
			}
		}
	}
}

// reloadAll re-reads every unit file and recomputes the dependency graph, keeping runtime state (daemon-reload).
func (m *Manager) reloadAll() {
	defer m.loader.Batch()()
	seen := map[*Unit]bool{}
	var all []*Unit
	for _, u := range m.units {
		if !seen[u] {
			seen[u] = true
			all = append(all, u)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	prev := map[*Unit]parsedBytes{}
	for _, u := range all {
		if u.LoadState == unit.Loaded {
			prev[u] = parsedBytes{u.Config, u.Annotations, u.Settings}
		}
		frag := m.loader.Load(u.ID)
		u.deps, u.depSet = nil, nil
		u.Config, u.Annotations, u.Settings = nil, nil, nil
		m.setFragment(u, frag)
		for _, n := range u.Names {
			m.units[n] = u
		}
	}
	m.parse(all)
	m.keepParsedWhileBackedOff(all, prev)
	m.tellConfigChanged(all, prev)
	var more []string
	for _, u := range all {
		for _, d := range u.fwd {
			more = append(more, d.units...)
		}
	}
	m.load(more...)
	for _, u := range all {
		m.link(u)
	}
	m.queueGCAll(all) // a dependency that went away may have kept a unit
}

// tellConfigChanged sends ConfigChanged to each unit whose plugin parsed new config bytes at this reload and
// that has handled an event before (a unit never started has nothing to redo): a waiting timer computes its next
// elapse with its new settings, as systemd's timer_coldplug does after a reload. A unit whose files did not change
// parses to the same bytes and is left alone.
func (m *Manager) tellConfigChanged(units []*Unit, prev map[*Unit]parsedBytes) {
	for _, u := range units {
		p, ok := prev[u]
		if !ok || u.LoadState != unit.Loaded || len(u.State) == 0 || bytes.Equal(p.config, u.Config) {
			continue
		}
		m.send(u, &pb.Event{Kind: &pb.Event_ConfigChanged{ConfigChanged: &pb.ConfigChanged{}}})
	}
}

// targetOrderedAfter reports whether target t is to be ordered after o, which it names as name in its After=
// list. A target's plugin orders it after every unit it pulls in; the host keeps that default only when both
// units are loaded with DefaultDependencies=yes and o is not ordered after t already, as systemd's
// unit_add_default_target_dependency does, so that a unit wanted by a target and ordered after it (Debian's
// systemd-update-utmp-runlevel.service) is not dropped from a cycle the default made. An After= of t's own files
// is always kept; other types' After= are not concerned.
func (m *Manager) targetOrderedAfter(t *Unit, name string, o *Unit) bool {
	if t.Type != "target" || slices.Contains(t.Frag.Unit.Deps[unit.After], name) {
		return true
	}
	if o.LoadState != unit.Loaded || !o.Frag.Unit.DefaultDependencies {
		return false
	}
	for _, a := range o.fwd.get("After") {
		if m.units[a] == t {
			return false
		}
	}
	for _, b := range t.fwd.get("Before") {
		if m.units[b] == o {
			return false
		}
	}
	return true
}

func unitInfo(u *Unit) *pb.UnitInfo {
	info := &pb.UnitInfo{Name: u.ID, Names: u.Names, Description: u.Frag.Unit.Description,
		DefaultDependencies: u.Frag.Unit.DefaultDependencies, FragmentPath: u.Frag.FragmentPath}
	kinds := slices.Clone(u.fwd)
	slices.SortFunc(kinds, func(a, b depList) int { return strings.Compare(a.kind, b.kind) })
	for _, d := range kinds {
		info.Dependencies = append(info.Dependencies, &pb.Dependency{Kind: d.kind, Units: d.units})
	}
	return info
}

// typeSections is the loader's question to the plugins: which sections does a type interpret?
func (m *Manager) typeSections(typ string) ([]string, error) {
	if err := m.cfg.AllowedType(typ); err != nil {
		return nil, fmt.Errorf("%w: %v", errTypeUnavailable, err)
	}
	if !m.plugins.Known(typ) {
		return nil, fmt.Errorf("%w: unit type %q is not supported: no plugin at %s", errTypeUnavailable, typ, m.cfg.PluginPath(typ))
	}
	d, err := m.plugins.Describe(typ)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errTypeUnavailable, err)
	}
	return d.Sections, nil
}

// typeServed reports whether units of typ can be loaded: the profile allows the type and it has a plugin.
func (m *Manager) typeServed(typ string) bool {
	return m.cfg.AllowedType(typ) == nil && m.plugins.Known(typ)
}

// servedTypes is typeServed with each type's answer kept, for one batch of units.
func (m *Manager) servedTypes() func(typ string) bool {
	known := map[string]bool{}
	return func(typ string) bool {
		ok, seen := known[typ]
		if !seen {
			ok = m.typeServed(typ)
			known[typ] = ok
		}
		return ok
	}
}

// loadError is the reason a unit cannot take jobs, in systemctl's words.
func loadError(u *Unit) error {
	switch u.LoadState {
	case unit.Loaded:
		return nil
	case unit.Masked:
		return fmt.Errorf("Unit %s is masked.", u.ID)
	case unit.NotFound:
		if errors.Is(u.LoadError, errTypeUnavailable) {
			return fmt.Errorf("Unit %s not found: %v", u.ID, u.LoadError)
		}
		return fmt.Errorf("Unit %s not found.", u.ID)
	case unit.BadSetting:
		return fmt.Errorf("Unit %s has a bad unit file setting: %v", u.ID, u.LoadError)
	}
	return fmt.Errorf("Unit %s failed to load properly: %v", u.ID, u.LoadError)
}

// errTypeUnavailable marks the load errors of units whose type no plugin can serve.
var errTypeUnavailable = errors.New("unit type unavailable")
