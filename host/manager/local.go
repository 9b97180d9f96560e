package manager

import (
	"context"
	"fmt"
	"os"
	"os/user"
	"path"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/host/config"
	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/host/unitlog"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// local is the core's side of the control API (api.Core): each call runs on the manager's loop. The service in
// package api checked and translated the request and authorized the caller before.
type local struct{ m *Manager }

var _ api.Core = local{}

// doErr runs f on the loop and returns its error, or the loop's.
func (m *Manager) doErr(ctx context.Context, f func() error) error {
	var ferr error
	if err := m.do(ctx, func() { ferr = f() }); err != nil {
		return err
	}
	return ferr
}

// unique returns each unit once, sorted by id.
func (m *Manager) unique() []*Unit {
	var out []*Unit
	for name, u := range m.units {
		if name == u.ID {
			out = append(out, u)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

func matchAny(patterns []string, s string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}

func (l local) ListUnits(ctx context.Context, f api.UnitFilter) ([]api.UnitStatus, error) {
	var out []api.UnitStatus
	err := l.m.do(ctx, func() {
		for _, u := range l.m.unique() {
			j := l.m.engine.Get(u.ID)
			if len(f.States) > 0 {
				if !slices.Contains(f.States, string(u.LoadState)) && !slices.Contains(f.States, u.Active.String()) && !slices.Contains(f.States, u.Sub) {
					continue
				}
			} else if !f.All && u.Active == unit.Inactive && j == nil {
				// systemctl's default: units that are up, failed or have a job.
				continue
			}
			if len(f.Types) > 0 && !slices.Contains(f.Types, u.Type) || !matchAny(f.Patterns, u.ID) {
				continue
			}
			out = append(out, l.m.unitStatus(u))
		}
	})
	return out, err
}

// unitStatus is u's line of list-units.
func (m *Manager) unitStatus(u *Unit) api.UnitStatus {
	st := api.UnitStatus{Name: u.ID, Description: u.description(), LoadState: string(u.LoadState),
		ActiveState: u.Active.String(), SubState: u.Sub}
	if j := m.engine.Get(u.ID); j != nil {
		st.JobID, st.JobType = j.ID, j.Type.String()
	}
	return st
}

func (l local) ListUnitFiles(ctx context.Context, f api.UnitFilter) ([]api.UnitFile, error) {
	var out []api.UnitFile
	err := l.m.doErr(ctx, func() error {
		files, err := l.m.loader.ListFiles()
		if err != nil {
			return err
		}
		presets, _ := unit.LoadPresets(unit.PresetDirs(l.m.cfg.UnitPaths))
		for _, fi := range files {
			if len(f.Types) > 0 && !slices.Contains(f.Types, unitname.Type(fi.Name)) || !matchAny(f.Patterns, fi.Name) {
				continue
			}
			st := l.m.fileState(fi)
			if len(f.States) > 0 && !slices.Contains(f.States, st) {
				continue
			}
			// What the presets say of every file; sctl leaves it out where systemctl does (by the state).
			preset := "disabled"
			if presets.Enabled(fi.Name) {
				preset = "enabled"
			}
			out = append(out, api.UnitFile{Path: fi.Path, State: st, Preset: preset})
		}
		return nil
	})
	return out, err
}

// resolve loads the named units; names must be valid unit names. A template loads too, as in systemd (show,
// status, cat); Enqueue refuses it.
func (m *Manager) resolve(names []string) ([]*Unit, error) {
	var out []*Unit
	for _, n := range names {
		if !unitname.Valid(n) {
			return nil, errdefs.InvalidArgument(fmt.Errorf("Unit name %s is not valid.", n))
		}
		out = append(out, m.load(n))
	}
	return out, nil
}

func (l local) Show(ctx context.Context, names []string) ([]api.UnitProperties, []string, error) {
	var out []api.UnitProperties
	var problems []string
	err := l.m.doErr(ctx, func() error {
		problems = slices.Clone(l.m.confProblems)
		if len(names) == 0 { // systemctl show without a unit: the manager's own properties (systemstate.go)
			out = append(out, l.m.managerProperties())
		}
		units, err := l.m.resolve(names)
		if err != nil {
			return err
		}
		for _, u := range units {
			out = append(out, api.UnitProperties{Unit: u.ID, Properties: l.m.properties(u, func(name string) bool { return api.Wanted(ctx, name) })})
		}
		return nil
	})
	return out, problems, err
}

func (l local) Cat(ctx context.Context, names []string) ([]api.CatUnit, error) {
	var out []api.CatUnit
	err := l.m.doErr(ctx, func() error {
		units, err := l.m.resolve(names)
		if err != nil {
			return err
		}
		for _, u := range units {
			if u.Frag == nil || u.Frag.FragmentPath == "" {
				return errdefs.NotFound(fmt.Errorf("No files found for %s.", u.ID))
			}
			cu := api.CatUnit{Unit: u.ID}
			for _, p := range append([]string{u.Frag.FragmentPath}, u.Frag.DropInPaths...) {
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				cu.Files = append(cu.Files, api.CatFile{Path: p, Content: string(b)})
			}
			out = append(out, cu)
		}
		return nil
	})
	return out, err
}

func (l local) Enqueue(ctx context.Context, names []string, typ job.Type, mode job.Mode, manual bool) ([]api.JobInfo, error) {
	var first, rest []api.JobInfo
	err := l.m.doCommitted(ctx, func() error {
		units, err := l.m.resolve(names)
		if err != nil {
			return err
		}
		for _, u := range units {
			if unitname.IsTemplate(u.ID) {
				return errdefs.InvalidArgument(fmt.Errorf("Unit name %s is missing the instance name.", u.ID))
			}
		}
		for _, u := range units {
			jobs, err := l.m.enqueue(u, typ, mode, manual)
			if err != nil {
				return err
			}
			for i, j := range jobs {
				ej := api.JobInfo{ID: j.ID, Unit: j.Unit, Type: j.Type.String()}
				if i == 0 {
					first = append(first, ej)
				} else {
					rest = append(rest, ej)
				}
			}
		}
		return nil
	})
	return append(first, rest...), err
}

func (l local) WaitJobs(ctx context.Context, ids []uint64) ([]api.JobWait, error) {
	var out []api.JobWait
	err := l.m.do(ctx, func() {
		for _, id := range ids {
			w := api.JobWait{ID: id}
			if j := l.m.engine.ByID(id); j != nil {
				w.Unit, w.Type = j.Unit, j.Type.String()
				w.Done = l.m.life.wait(id)
			} else if f, ok := l.m.life.finished.get(id); ok {
				w.Unit, w.Type, w.Result = f.unit, f.typ, string(f.result)
			} else {
				w.Result = "unknown"
			}
			out = append(out, w)
		}
	})
	return out, err
}

func (l local) ListJobs(ctx context.Context) ([]api.JobInfo, error) {
	var out []api.JobInfo
	err := l.m.do(ctx, func() {
		for _, j := range l.m.engine.All() {
			out = append(out, api.JobInfo{ID: j.ID, Unit: j.Unit, Type: j.Type.String(), State: j.State.String()})
		}
	})
	return out, err
}

func (l local) CancelJobs(ctx context.Context, ids []uint64) error {
	return l.m.doErr(ctx, func() error {
		if len(ids) == 0 {
			for _, j := range l.m.engine.All() {
				l.m.engine.Cancel(j.ID)
			}
			return nil
		}
		for _, id := range ids {
			if !l.m.engine.Cancel(id) {
				return errdefs.NotFound(fmt.Errorf("Job %d does not exist.", id))
			}
		}
		return nil
	})
}

func (l local) Reload(ctx context.Context) ([]string, error) {
	var limited error
	var problems []string
	err := l.m.do(ctx, func() {
		if limited = l.m.reloadLimited(); limited == nil {
			l.m.reload()
		}
		problems = slices.Clone(l.m.confProblems)
	})
	if err == nil {
		err = limited
	}
	return problems, err
}

// reload re-reads system.conf and every unit file, keeping runtime state (daemon-reload, SIGHUP).
func (m *Manager) reload() {
	m.announce(api.Event{Kind: api.Reloading, Reloading: true})
	defer m.announce(api.Event{Kind: api.Reloading, Reloading: false})
	cfg, problems := config.Load(m.opts.ConfigPath)
	m.cfg = cfg
	m.noteConfigProblems(problems)
	m.pluginProcs.SetConfig(cfg)
	m.swapStalePlugins()
	m.runGenerators()
	m.loader = m.newLoader()
	m.reloadAll()
	m.log.Info("reloaded unit files and configuration")
}

func (l local) Shutdown(ctx context.Context, action string) error {
	return l.m.doErr(ctx, func() error {
		if base, ok := strings.CutSuffix(strings.TrimSpace(action), "-force"); ok {
			return l.m.shutdownNow(base)
		}
		return l.m.beginShutdown(action)
	})
}

// shutdownNow ends the manager at the end of this turn and hands the action to init, whose final stage kills
// what is left, syncs and calls reboot(2): no unit is stopped in order, as systemd's Manager.PowerOff, Reboot, Halt
// and KExec set the manager's objective without a transaction (systemctl poweroff -f, and emergency actions'
// -force variants).
func (m *Manager) shutdownNow(action string) error {
	action, err := m.shutdownAction(action) // options.go: exit and kexec
	if err != nil {
		return err
	}
	if _, ok := shutdownTargets[action+".target"]; !ok {
		return errdefs.InvalidArgument(fmt.Errorf("unknown shutdown action %q (poweroff, reboot, halt, kexec or exit)", action))
	}
	m.log.Info("shutting down at once", "action", action)
	m.life.shutdown = action
	return nil
}

// beginShutdown starts the target of a shutdown action; the manager ends when it is reached.
func (m *Manager) beginShutdown(action string) error {
	action, err := m.shutdownAction(strings.TrimSpace(action)) // options.go: exit and kexec
	if err != nil {
		return err
	}
	target := action + ".target"
	if _, ok := shutdownTargets[target]; !ok {
		return errdefs.InvalidArgument(fmt.Errorf("unknown shutdown action %q (poweroff, reboot, halt, kexec or exit)", action))
	}
	_, err = m.enqueue(m.load(target), job.Start, job.ReplaceIrreversibly, false)
	return err
}

// loadPresets reads the preset files that go with the unit search path, logging bad lines.
func (m *Manager) loadPresets() *unit.Presets {
	presets, problems := unit.LoadPresets(unit.PresetDirs(m.cfg.UnitPaths))
	for _, p := range problems {
		m.log.Warn(p.Error())
	}
	return presets
}

// preset enables or disables name as the preset files say (unit.Preset). mode is systemctl's --preset-mode:
// with enable-only a unit the presets disable is left as it is, with disable-only one they enable.
func (m *Manager) preset(name, dir string, presets *unit.Presets, mode string) ([]unit.Change, error) {
	return m.loader.Preset(name, dir, presets, mode)
}

// presetAll applies the presets to every unit file with install information (sctl preset-all, first boot), in
// mode as preset; the first boot is enable-only, as systemd's: a package's postinst may have enabled a unit the
// presets disable.
func (m *Manager) presetAll(dir, mode string) ([]unit.Change, error) {
	files, err := m.loader.ListFiles()
	if err != nil {
		return nil, err
	}
	var all []unit.Change
	presets := m.loadPresets()
	for _, f := range files {
		if f.Masked || f.Alias || unitname.IsInstance(f.Name) {
			continue
		}
		changes, err := m.preset(f.Name, dir, presets, mode)
		all = append(all, changes...)
		if err != nil {
			return all, fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return all, nil
}

// ChangeUnitFiles carries out enable, disable, reenable, preset, preset-all, mask and unmask on the
// configuration directory (the first of the search path, or the second for runtime changes) and reloads.
func (l local) ChangeUnitFiles(ctx context.Context, op string, names []string, runtime bool) ([]unit.Change, error) {
	var all []unit.Change
	m := l.m
	// preset and preset-all carry systemctl's --preset-mode as "preset-all:enable-only".
	op, presetMode, _ := strings.Cut(op, ":")
	err := m.doErr(ctx, func() error {
		defer m.announce(api.Event{Kind: api.UnitFilesChanged})
		paths := m.cfg.UnitPaths
		dir := paths[0]
		if runtime {
			if len(paths) < 3 {
				return errdefs.FailedPrecondition(fmt.Errorf("no runtime directory in the unit search path %v", paths))
			}
			dir = paths[1]
		}
		if op == "preset-all" {
			changes, err := m.presetAll(dir, presetMode)
			all = changes
			m.reload()
			return err
		}
		if changes, ok, err := m.linkOperation(op, names, dir); ok { // links.go
			all = changes
			m.reload()
			return err
		}
		for _, name := range names {
			if !unitname.Valid(name) {
				return errdefs.InvalidArgument(fmt.Errorf("Unit name %s is not valid.", name))
			}
			var changes []unit.Change
			var err error
			switch op {
			case "enable":
				changes, err = m.loader.Enable(name, dir)
			case "disable":
				changes, err = m.loader.Disable(name, dir)
			case "reenable":
				if changes, err = m.loader.Disable(name, dir); err == nil {
					var more []unit.Change
					more, err = m.loader.Enable(name, dir)
					changes = append(changes, more...)
				}
			case "preset":
				changes, err = m.preset(name, dir, m.loadPresets(), presetMode)
			case "mask":
				changes, err = m.loader.Mask(name, dir)
			case "unmask":
				changes, err = m.loader.Unmask(name)
			default:
				return errdefs.InvalidArgument(fmt.Errorf("unknown unit file operation %q", op))
			}
			all = append(all, changes...)
			if err != nil {
				m.reload()
				return errdefs.FailedPrecondition(err)
			}
		}
		m.reload()
		return nil
	})
	return all, err
}

func (l local) ResetFailed(ctx context.Context, names []string) error {
	return l.m.doErr(ctx, func() error {
		units, err := l.m.resolve(names)
		if err != nil {
			return err
		}
		if len(names) == 0 {
			units = l.m.unique()
		}
		for _, u := range units {
			l.m.resetFailed(u)
		}
		return nil
	})
}

// resetFailed forgets u's start-limit record and, when it failed, returns it to inactive (the host's generic
// state; the plugin hears ResetFailed to clear its own).
func (m *Manager) resetFailed(u *Unit) {
	u.starts = nil
	if u.Active != unit.Failed {
		return
	}
	m.life.setState(u, &pb.SetState{Active: pb.ActiveState_ACTIVE_STATE_INACTIVE, Sub: "dead", Result: "success"})
	if u.LoadState == unit.Loaded {
		m.send(u, &pb.Event{Kind: &pb.Event_ResetFailed{ResetFailed: &pb.ResetFailed{}}})
	}
}

// killWhom maps the control API's --kill-whom to the plugin protocol's.
var killWhom = map[string]pb.Whom{"all": pb.Whom_WHOM_ALL, "main": pb.Whom_WHOM_MAIN, "control": pb.Whom_WHOM_CONTROL}

func (l local) Kill(ctx context.Context, names []string, whom string, signal int32) error {
	w, ok := killWhom[whom]
	if !ok {
		return errdefs.InvalidArgument(fmt.Errorf("--kill-whom=%q: must be main, control or all", whom))
	}
	return l.m.doErr(ctx, func() error {
		units, err := l.m.resolve(names)
		if err != nil {
			return err
		}
		for _, u := range units {
			if !isUp(u.Active) {
				return errdefs.FailedPrecondition(fmt.Errorf("Unit %s is not loaded or not active; no processes to kill.", u.ID))
			}
		}
		for _, u := range units {
			l.m.send(u, &pb.Event{Kind: &pb.Event_Kill{Kill: &pb.Kill{Whom: w, Signal: signal}}})
		}
		l.m.turn()
		return nil
	})
}

func (l local) UnitLogs(ctx context.Context, names []string) ([]string, *unitlog.Store, error) {
	var ids []string
	err := l.m.doErr(ctx, func() error {
		if err := l.m.mayReadLogs(ctx); err != nil {
			return err
		}
		units, err := l.m.resolve(names)
		for _, u := range units {
			ids = append(ids, u.ID)
		}
		return err
	})
	return ids, l.m.unitLogs, err
}

// mayReadLogs lets root and the members of Manager.LogReaderGroups (adm and systemd-journal by default) read unit
// logs, as journald opens the system journal to them: a unit's output may hold what others must not see. A call
// that did not come through the control socket (the core's own) may.
func (m *Manager) mayReadLogs(ctx context.Context) error {
	cred, ok := api.Caller(ctx)
	if !ok || cred.Uid == 0 {
		return nil
	}
	for _, name := range m.cfg.LogReaderGroups {
		if g, err := user.LookupGroup(name); err == nil {
			if gid, err := strconv.Atoi(g.Gid); err == nil && cred.InGroup(gid) {
				return nil
			}
		}
	}
	return errdefs.PermissionDenied(fmt.Errorf("unit logs are readable by root and the groups %s only (uid %d)",
		strings.Join(m.cfg.LogReaderGroups, ", "), cred.Uid))
}
