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
	"sync"
	"time"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/host/config"
	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/host/unitlog"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// control implements the control API on the manager's loop. Authorization happened before (package api).
type control struct {
	controlv1.UnimplementedManagerServer
	m *Manager
}

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

func (c *control) ListUnits(ctx context.Context, req *controlv1.ListUnitsRequest) (*controlv1.ListUnitsResponse, error) {
	resp := &controlv1.ListUnitsResponse{}
	err := c.m.do(ctx, func() {
		for _, u := range c.m.unique() {
			j := c.m.engine.Get(u.ID)
			if len(req.States) > 0 {
				if !slices.Contains(req.States, string(u.LoadState)) && !slices.Contains(req.States, u.Active.String()) && !slices.Contains(req.States, u.Sub) {
					continue
				}
			} else if !req.All && u.Active == unit.Inactive && j == nil {
				// systemctl's default: units that are up, failed or have a job.
				continue
			}
			if len(req.Types) > 0 && !slices.Contains(req.Types, u.Type) {
				continue
			}
			if !matchAny(req.Patterns, u.ID) {
				continue
			}
			st := &controlv1.UnitStatus{Name: u.ID, Description: u.description(), LoadState: string(u.LoadState),
				ActiveState: u.Active.String(), SubState: u.Sub}
			if j != nil {
				st.JobId, st.JobType = j.ID, j.Type.String()
			}
			resp.Units = append(resp.Units, st)
		}
	})
	return resp, err
}

func (c *control) ListUnitFiles(ctx context.Context, req *controlv1.ListUnitFilesRequest) (*controlv1.ListUnitFilesResponse, error) {
	resp := &controlv1.ListUnitFilesResponse{}
	err := c.m.doErr(ctx, func() error {
		files, err := c.m.loader.ListFiles()
		if err != nil {
			return err
		}
		presets, _ := unit.LoadPresets(unit.PresetDirs(c.m.cfg.UnitPaths))
		for _, f := range files {
			if len(req.Types) > 0 && !slices.Contains(req.Types, unitname.Type(f.Name)) || !matchAny(req.Patterns, f.Name) {
				continue
			}
			st := c.m.fileState(f)
			if len(req.States) > 0 && !slices.Contains(req.States, st) {
				continue
			}
			preset := ""
			if unit.HasInstallInfo(c.m.loader.InstallInfo(f.Name)) {
				preset = "disabled"
				if presets.Enabled(f.Name) {
					preset = "enabled"
				}
			}
			resp.Files = append(resp.Files, &controlv1.UnitFile{Path: f.Path, State: st, Preset: preset})
		}
		return nil
	})
	return resp, err
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

func (c *control) Show(ctx context.Context, req *controlv1.ShowRequest) (*controlv1.ShowResponse, error) {
	resp := &controlv1.ShowResponse{}
	var problems []string
	defer func() { warnCaller(ctx, problems) }()
	err := c.m.doErr(ctx, func() error {
		problems = slices.Clone(c.m.confProblems)
		if len(req.Units) == 0 { // systemctl show without a unit: the manager's own properties (systemstate.go)
			mp := c.m.managerProperties()
			mp.Properties = filterProperties(mp.Properties, req.Properties, req.All)
			resp.Units = append(resp.Units, mp)
		}
		units, err := c.m.resolve(req.Units)
		if err != nil {
			return err
		}
		for _, u := range units {
			resp.Units = append(resp.Units, &controlv1.UnitProperties{Unit: u.ID,
				Properties: filterProperties(c.m.properties(u), req.Properties, req.All)})
		}
		return nil
	})
	return resp, err
}

func (c *control) Cat(ctx context.Context, req *controlv1.CatRequest) (*controlv1.CatResponse, error) {
	resp := &controlv1.CatResponse{}
	err := c.m.doErr(ctx, func() error {
		units, err := c.m.resolve(req.Units)
		if err != nil {
			return err
		}
		for _, u := range units {
			if u.Frag == nil || u.Frag.FragmentPath == "" {
				return errdefs.NotFound(fmt.Errorf("No files found for %s.", u.ID))
			}
			cu := &controlv1.CatUnit{Unit: u.ID}
			for _, p := range append([]string{u.Frag.FragmentPath}, u.Frag.DropInPaths...) {
				b, err := os.ReadFile(p)
				if err != nil {
					return err
				}
				cu.Files = append(cu.Files, &controlv1.CatFile{Path: p, Content: string(b)})
			}
			resp.Units = append(resp.Units, cu)
		}
		return nil
	})
	return resp, err
}

func (c *control) Enqueue(ctx context.Context, req *controlv1.EnqueueRequest) (*controlv1.EnqueueResponse, error) {
	mode, err := job.ParseMode(req.Mode)
	if err != nil {
		return nil, errdefs.InvalidArgument(err)
	}
	if req.Type == "isolate" {
		mode = job.Isolate
	}
	typ, err := job.ParseType(req.Type)
	if err != nil {
		return nil, errdefs.InvalidArgument(err)
	}
	resp := &controlv1.EnqueueResponse{}
	err = c.m.doErr(ctx, func() error {
		units, err := c.m.resolve(req.Units)
		if err != nil {
			return err
		}
		for _, u := range units {
			if unitname.IsTemplate(u.ID) {
				return errdefs.InvalidArgument(fmt.Errorf("Unit name %s is missing the instance name.", u.ID))
			}
		}
		var rest []*controlv1.EnqueuedJob
		for _, u := range units {
			jobs, err := c.m.enqueue(u, typ, mode, req.Manual)
			if err != nil {
				return err
			}
			for i, j := range jobs {
				ej := &controlv1.EnqueuedJob{Id: j.ID, Unit: j.Unit, Type: j.Type.String()}
				if i == 0 {
					resp.Jobs = append(resp.Jobs, ej)
				} else {
					rest = append(rest, ej)
				}
			}
		}
		resp.Jobs = append(resp.Jobs, rest...)
		return nil
	})
	return resp, err
}

func (c *control) WaitJobs(ctx context.Context, req *controlv1.WaitJobsRequest) (*controlv1.WaitJobsResponse, error) {
	type pending struct {
		res  *controlv1.JobResult
		wait chan job.Result
	}
	var ps []pending
	err := c.m.do(ctx, func() {
		for _, id := range req.Ids {
			p := pending{res: &controlv1.JobResult{Id: id}}
			if j := c.m.engine.ByID(id); j != nil {
				p.res.Unit, p.res.Type = j.Unit, j.Type.String()
				p.wait = make(chan job.Result, 1)
				c.m.waiters[id] = append(c.m.waiters[id], p.wait)
			} else if f, ok := c.m.finished.get(id); ok {
				p.res.Unit, p.res.Type, p.res.Result = f.unit, f.typ, string(f.result)
			} else {
				p.res.Result = "unknown"
			}
			ps = append(ps, p)
		}
	})
	if err != nil {
		return nil, err
	}
	resp := &controlv1.WaitJobsResponse{}
	for _, p := range ps {
		if p.wait != nil {
			select {
			case r := <-p.wait:
				p.res.Result = string(r)
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
		resp.Results = append(resp.Results, p.res)
	}
	return resp, nil
}

func (c *control) ListJobs(ctx context.Context, _ *controlv1.ListJobsRequest) (*controlv1.ListJobsResponse, error) {
	resp := &controlv1.ListJobsResponse{}
	err := c.m.do(ctx, func() {
		for _, j := range c.m.engine.All() {
			resp.Jobs = append(resp.Jobs, &controlv1.JobInfo{Id: j.ID, Unit: j.Unit, Type: j.Type.String(), State: j.State.String()})
		}
	})
	return resp, err
}

func (c *control) CancelJobs(ctx context.Context, req *controlv1.CancelJobsRequest) (*controlv1.CancelJobsResponse, error) {
	err := c.m.doErr(ctx, func() error {
		if len(req.Ids) == 0 {
			for _, j := range c.m.engine.All() {
				c.m.engine.Cancel(j.ID)
			}
			return nil
		}
		for _, id := range req.Ids {
			if !c.m.engine.Cancel(id) {
				return errdefs.NotFound(fmt.Errorf("Job %d does not exist.", id))
			}
		}
		return nil
	})
	return &controlv1.CancelJobsResponse{}, err
}

func (c *control) Reload(ctx context.Context, _ *controlv1.ReloadRequest) (*controlv1.ReloadResponse, error) {
	var limited error
	var problems []string
	err := c.m.do(ctx, func() {
		if limited = c.m.reloadLimited(); limited == nil {
			c.m.reload()
		}
		problems = slices.Clone(c.m.confProblems)
	})
	if err == nil {
		err = limited
	}
	warnCaller(ctx, problems)
	return &controlv1.ReloadResponse{}, err
}

// reload re-reads system.conf and every unit file, keeping runtime state (daemon-reload, SIGHUP).
func (m *Manager) reload() {
	cfg, problems := config.Load(m.opts.ConfigPath)
	m.cfg = cfg
	m.noteConfigProblems(problems)
	m.plugins.SetConfig(cfg)
	m.swapStalePlugins()
	m.runGenerators()
	m.loader = m.newLoader()
	m.reloadAll()
	m.log.Info("reloaded unit files and configuration")
}

func (c *control) Shutdown(ctx context.Context, req *controlv1.ShutdownRequest) (*controlv1.ShutdownResponse, error) {
	err := c.m.doErr(ctx, func() error { return c.m.beginShutdown(req.Action) })
	return &controlv1.ShutdownResponse{}, err
}

// beginShutdown starts the target of a shutdown action; the manager ends when it is reached.
func (m *Manager) beginShutdown(action string) error {
	target := strings.TrimSpace(action) + ".target"
	if _, ok := shutdownTargets[target]; !ok {
		return errdefs.InvalidArgument(fmt.Errorf("unknown shutdown action %q (poweroff, reboot or halt)", action))
	}
	_, err := m.enqueue(m.load(target), job.Start, job.ReplaceIrreversibly, false)
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

// preset enables or disables name as the preset files say; a unit without install information is left alone.
func (m *Manager) preset(name, dir string, presets *unit.Presets) ([]unit.Change, error) {
	if !unit.HasInstallInfo(m.loader.InstallInfo(name)) {
		return nil, nil
	}
	if presets.Enabled(name) {
		return m.loader.Enable(name, dir)
	}
	return m.loader.Disable(name)
}

// presetAll applies the presets to every unit file with install information (sctl preset-all, first boot).
func (m *Manager) presetAll(dir string) ([]unit.Change, error) {
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
		changes, err := m.preset(f.Name, dir, presets)
		all = append(all, changes...)
		if err != nil {
			return all, fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return all, nil
}

// ChangeUnitFiles carries out enable, disable, reenable, preset, preset-all, mask and unmask on the configuration directory (the
// first of the search path, or the second for runtime changes) and reloads.
func (c *control) ChangeUnitFiles(ctx context.Context, req *controlv1.ChangeUnitFilesRequest) (*controlv1.ChangeUnitFilesResponse, error) {
	resp := &controlv1.ChangeUnitFilesResponse{}
	err := c.m.doErr(ctx, func() error {
		paths := c.m.cfg.UnitPaths
		dir := paths[0]
		if req.Runtime {
			if len(paths) < 3 {
				return errdefs.FailedPrecondition(fmt.Errorf("no runtime directory in the unit search path %v", paths))
			}
			dir = paths[1]
		}
		if req.Operation == "preset-all" {
			changes, err := c.m.presetAll(dir)
			for _, ch := range changes {
				resp.Changes = append(resp.Changes, &controlv1.UnitFileChange{Type: ch.Type, Path: ch.Path, Source: ch.Source})
			}
			c.m.reload()
			return err
		}
		if changes, ok, err := c.m.linkOperation(req.Operation, req.Units, dir); ok { // links.go
			for _, ch := range changes {
				resp.Changes = append(resp.Changes, &controlv1.UnitFileChange{Type: ch.Type, Path: ch.Path, Source: ch.Source})
			}
			c.m.reload()
			return err
		}
		for _, name := range req.Units {
			if !unitname.Valid(name) {
				return errdefs.InvalidArgument(fmt.Errorf("Unit name %s is not valid.", name))
			}
			var changes []unit.Change
			var err error
			switch req.Operation {
			case "enable":
				changes, err = c.m.loader.Enable(name, dir)
			case "disable":
				changes, err = c.m.loader.Disable(name)
			case "reenable":
				if changes, err = c.m.loader.Disable(name); err == nil {
					var more []unit.Change
					more, err = c.m.loader.Enable(name, dir)
					changes = append(changes, more...)
				}
			case "preset":
				changes, err = c.m.preset(name, dir, c.m.loadPresets())
			case "mask":
				changes, err = c.m.loader.Mask(name, dir)
			case "unmask":
				changes, err = c.m.loader.Unmask(name)
			default:
				return errdefs.InvalidArgument(fmt.Errorf("unknown unit file operation %q", req.Operation))
			}
			for _, ch := range changes {
				resp.Changes = append(resp.Changes, &controlv1.UnitFileChange{Type: ch.Type, Path: ch.Path, Source: ch.Source})
			}
			if err != nil {
				c.m.reload()
				return errdefs.FailedPrecondition(err)
			}
		}
		c.m.reload()
		return nil
	})
	return resp, err
}

func (c *control) ResetFailed(ctx context.Context, req *controlv1.ResetFailedRequest) (*controlv1.ResetFailedResponse, error) {
	err := c.m.doErr(ctx, func() error {
		units, err := c.m.resolve(req.Units)
		if err != nil {
			return err
		}
		if len(req.Units) == 0 {
			units = c.m.unique()
		}
		for _, u := range units {
			c.m.resetFailed(u)
		}
		return nil
	})
	return &controlv1.ResetFailedResponse{}, err
}

// resetFailed forgets u's start-limit record and, when it failed, returns it to inactive (the host's generic
// state; the plugin hears ResetFailed to clear its own).
func (m *Manager) resetFailed(u *Unit) {
	u.starts = nil
	if u.Active != unit.Failed {
		return
	}
	m.setState(u, &pb.SetState{Active: pb.ActiveState_ACTIVE_STATE_INACTIVE, Sub: "dead", Result: "success"})
	if u.LoadState == unit.Loaded {
		m.send(u, &pb.Event{Kind: &pb.Event_ResetFailed{ResetFailed: &pb.ResetFailed{}}})
	}
}

func (c *control) Kill(ctx context.Context, req *controlv1.KillRequest) (*controlv1.KillResponse, error) {
	whom := pb.Whom_WHOM_ALL
	switch req.Whom {
	case "", "all":
	case "main":
		whom = pb.Whom_WHOM_MAIN
	case "control":
		whom = pb.Whom_WHOM_CONTROL
	default:
		return nil, errdefs.InvalidArgument(fmt.Errorf("--kill-whom=%q: must be main, control or all", req.Whom))
	}
	sig := req.Signal
	if sig == 0 {
		sig = 15
	}
	if sig < 1 || sig > 64 {
		return nil, errdefs.InvalidArgument(fmt.Errorf("signal %d out of range", sig))
	}
	err := c.m.doErr(ctx, func() error {
		units, err := c.m.resolve(req.Units)
		if err != nil {
			return err
		}
		for _, u := range units {
			if !isUp(u.Active) {
				return errdefs.FailedPrecondition(fmt.Errorf("Unit %s is not loaded or not active; no processes to kill.", u.ID))
			}
		}
		for _, u := range units {
			c.m.send(u, &pb.Event{Kind: &pb.Event_Kill{Kill: &pb.Kill{Whom: whom, Signal: sig}}})
		}
		c.m.turn()
		return nil
	})
	return &controlv1.KillResponse{}, err
}

func (c *control) Logs(req *controlv1.LogsRequest, stream controlv1.Manager_LogsServer) error {
	ctx := stream.Context()
	var ids []string
	if err := c.m.doErr(ctx, func() error {
		if err := c.m.mayReadLogs(ctx); err != nil {
			return err
		}
		units, err := c.m.resolve(req.Units)
		for _, u := range units {
			ids = append(ids, u.ID)
		}
		return err
	}); err != nil {
		return err
	}
	since := time.Time{}
	if req.SinceUsec > 0 {
		since = time.UnixMicro(req.SinceUsec)
	}
	lines := int(req.Lines)
	var all []unitlog.Entry
	offsets := make([]int64, len(ids))
	for i, id := range ids {
		es, off, err := c.m.unitLogs.Read(id, lines, since)
		if err != nil {
			return err
		}
		all, offsets[i] = append(all, es...), off
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].Time.Before(all[j].Time) })
	if lines >= 0 && len(all) > lines {
		all = all[len(all)-lines:]
	}
	send := func(e unitlog.Entry) error {
		return stream.Send(&controlv1.LogEntry{Unit: e.Unit, TimeUsec: e.Time.UnixMicro(), Priority: int32(e.Priority),
			Source: e.Source, Text: e.Text, Ident: e.Ident})
	}
	for _, e := range all {
		if err := send(e); err != nil {
			return err
		}
	}
	if !req.Follow {
		return nil
	}
	// One follower per unit; sends are serialized, as a gRPC stream requires.
	var mu sync.Mutex
	errs := make(chan error, len(ids))
	for i, id := range ids {
		go func() {
			errs <- c.m.unitLogs.Follow(id, offsets[i], ctx.Done(), func(e unitlog.Entry) error {
				mu.Lock()
				defer mu.Unlock()
				return send(e)
			})
		}()
	}
	for range ids {
		if err := <-errs; err != nil {
			return err
		}
	}
	return nil
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
