package manager

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/transient"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// Transient units (systemd's StartTransientUnit): a client names a unit that has no file and gives its properties;
// the core writes them as a unit file into the transient directory (RunDir/transient, the first of the search
// path), loads it like any other and starts it. The file goes when the unit is collected. A scope's processes
// are no directive: the core holds them (unitRare.startPids) until the scope's plugin asks to attach them.

// transientDir is where transient unit files are written.
func (m *Manager) transientDir() string { return filepath.Join(m.opts.RunDir, "transient") }

// isTransient reports whether u was made by StartTransient (its file is in the transient directory).
func (m *Manager) isTransient(u *Unit) bool {
	return u.Frag != nil && u.Frag.FragmentPath != "" && m.generatedOrTransient(u.Frag.FragmentPath) == "transient"
}

func (l local) StartTransient(ctx context.Context, name string, mode job.Mode, props []transient.Property,
	aux []transient.Aux) (api.JobInfo, error) {
	var out api.JobInfo
	err := l.m.doErr(ctx, func() error {
		j, err := l.m.startTransient(name, mode, props, aux)
		if err == nil {
			out = api.JobInfo{ID: j.ID, Unit: j.Unit, Type: j.Type.String()}
		}
		return err
	})
	return out, err
}

// startTransient writes, loads and starts the unit name and writes and loads the aux units. Every file is built
// and every name checked before anything is written: a refused request changes nothing.
func (m *Manager) startTransient(name string, mode job.Mode, props []transient.Property, aux []transient.Aux) (*job.Job, error) {
	type made struct {
		name string
		file *transient.File
	}
	var all []made
	for _, x := range append([]transient.Aux{{Name: name, Properties: props}}, aux...) {
		if !unitname.Valid(x.Name) || unitname.IsTemplate(x.Name) {
			return nil, errdefs.InvalidArgument(fmt.Errorf("Invalid unit name or type: %s", x.Name))
		}
		if err := m.pristine(x.Name); err != nil {
			return nil, err
		}
		f, err := transient.Build(x.Name, x.Properties)
		if err != nil {
			return nil, err
		}
		if len(f.PIDs) > 0 && x.Name != name {
			return nil, errdefs.InvalidArgument(fmt.Errorf("Auxiliary unit %s: PIDs= only applies to the unit started.", x.Name))
		}
		all = append(all, made{x.Name, f})
	}
	if err := m.writeTransient(all[0].name, all[0].file.Text); err != nil {
		return nil, err
	}
	for _, x := range all[1:] {
		if err := m.writeTransient(x.name, x.file.Text); err != nil {
			return nil, err
		}
	}
	// The aux units first: the main one (a timer) names them.
	var u *Unit
	for i := len(all) - 1; i >= 0; i-- {
		x := all[i]
		v := m.loadTransient(x.name)
		if i == 0 {
			u = v
		}
		if x.file.AddRef {
			m.unitLogf(v, 5, "%s: AddRef= is not supported: the unit is collected as any other, whether or not its client is still there", v.ID)
		}
	}
	if err := loadError(u); err != nil {
		return nil, errdefs.InvalidArgument(err)
	}
	if u.Type == "scope" {
		if len(all[0].file.PIDs) == 0 {
			return nil, errdefs.InvalidArgument(fmt.Errorf("No PIDs to attach to the scope %s.", name))
		}
		u.setRare(func(r *unitRare) {
			r.startPids = r.startPids[:0]
			for _, pid := range all[0].file.PIDs {
				r.startPids = append(r.startPids, int(pid))
			}
		})
		m.markDirty(u) // the pids are checkpointed until the plugin asks for them
	}
	jobs, err := m.enqueue(u, job.Start, mode, true)
	if err != nil {
		return nil, err
	}
	return jobs[0], nil
}

// pristine refuses a name that is a unit already: loaded from a file, up, or with a job (systemd's
// unit_is_pristine), or found as a file (a scope's). A unit known only as not found may be made transient.
func (m *Manager) pristine(name string) error {
	u := m.load(name)
	if u == nil {
		return errdefs.AlreadyExists(fmt.Errorf("Unit %s was already loaded or has a fragment file.", name))
	}
	hasFile := u.Frag != nil && u.Frag.FragmentPath != ""
	if u.LoadState != unit.NotFound || hasFile || u.Active != unit.Inactive || m.engine.Get(u.ID) != nil {
		return errdefs.AlreadyExists(fmt.Errorf("Unit %s was already loaded or has a fragment file.", name))
	}
	return nil
}

// writeTransient writes the file of a transient unit. The loader searches the transient directory only if it
// existed when it was made: one made now comes with a new loader.
func (m *Manager) writeTransient(name, text string) error {
	dir := m.transientDir()
	_, err := os.Stat(dir)
	fresh := errors.Is(err, os.ErrNotExist)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return errdefs.Unavailable(fmt.Errorf("cannot create %s: %w", dir, err))
	}
	if fresh {
		m.loader = m.newLoader()
	}
	p := filepath.Join(dir, name)
	tmp := p + ".tmp"
	if err := os.WriteFile(tmp, []byte(text), 0o644); err != nil {
		return errdefs.Unavailable(err)
	}
	if err := os.Rename(tmp, p); err != nil {
		os.Remove(tmp)
		return errdefs.Unavailable(err)
	}
	return nil
}

// loadTransient reads the unit name from its new file: a unit in memory as not found is read again in place
// (the units that named it keep their links), any other is loaded.
func (m *Manager) loadTransient(name string) *Unit {
	u := m.units[name]
	if u == nil {
		return m.load(name)
	}
	defer m.loader.Batch()()
	m.setFragment(u, m.loader.Load(u.ID))
	for _, n := range u.Names {
		m.units[n] = u
	}
	m.parse([]*Unit{u})
	var more []string
	for _, d := range u.fwd {
		more = append(more, d.units...)
	}
	m.load(more...)
	m.link(u)
	return u
}

// refuseScopeFile makes a scope read from any file but a transient one not found, as systemd's scope_load: a
// scope's processes come with StartTransientUnit, which a file cannot give.
func (m *Manager) refuseScopeFile(u *Unit) {
	if u.Type == "scope" && u.LoadState == unit.Loaded && !m.isTransient(u) {
		u.LoadState = unit.NotFound
		u.LoadError = fmt.Errorf("Unit %s is a scope: scopes are made only at run time, through StartTransientUnit.", u.ID)
	}
}

// removeTransient deletes the file of a transient unit that is being collected, as systemd does.
func (m *Manager) removeTransient(u *Unit) {
	if !m.isTransient(u) {
		return
	}
	if err := os.Remove(u.Frag.FragmentPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		m.log.Warn("cannot remove transient unit file", "unit", u.ID, "error", err)
	}
}

// attachStartProcesses carries out a scope's AttachProcesses: the processes it was started with go into its
// cgroup, realized with s, and the plugin hears which did.
func (m *Manager) attachStartProcesses(u *Unit, s *pb.CgroupSettings) {
	pids := u.rareOf().startPids
	u.setRare(func(r *unitRare) { r.startPids = nil })
	moved, errs := m.moveProcesses(u, "", pids, s)
	ev := &pb.ProcessesAttached{Errors: errs}
	for _, pid := range moved {
		ev.Pids = append(ev.Pids, int64(pid))
	}
	m.send(u, &pb.Event{Kind: &pb.Event_ProcessesAttached{ProcessesAttached: ev}})
}

// moveProcesses moves pids into u's cgroup (or its sub-cgroup sub), which it creates with s when it does not
// exist. It returns the pids moved and why each other one was not.
func (m *Manager) moveProcesses(u *Unit, sub string, pids []int, s *pb.CgroupSettings) (moved []int, errs []string) {
	var files []string
	if m.cg != nil {
		if u.cgroupMade && s == nil {
			files = m.cg.ProcsFiles(cgroupName(u))
		} else {
			files = m.cgroupFor(u, s)
		}
	}
	if len(files) == 0 {
		for _, pid := range pids {
			errs = append(errs, fmt.Sprintf("process %d: the unit has no cgroup", pid))
		}
		return nil, errs
	}
	if sub != "" {
		for i, f := range files {
			dir := filepath.Join(filepath.Dir(f), sub)
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return nil, []string{fmt.Sprintf("cannot create %s: %v", dir, err)}
			}
			files[i] = filepath.Join(dir, "cgroup.procs")
		}
	}
	for _, pid := range pids {
		if err := movePid(files, pid); err != nil {
			errs = append(errs, fmt.Sprintf("process %d: %v", pid, err))
			continue
		}
		moved = append(moved, pid)
	}
	if len(moved) > 0 {
		u.populated = true
		m.markDirty(u)
	}
	return moved, errs
}

// movePid writes pid to each cgroup.procs file (one per hierarchy); a kernel thread, or a pid that is gone, fails.
func movePid(files []string, pid int) error {
	if pid <= 1 {
		return errors.New("not a process that can be moved")
	}
	if err := unix.Kill(pid, 0); errors.Is(err, unix.ESRCH) {
		return errors.New("no such process")
	}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/cmdline"); err == nil && len(b) == 0 {
		return errors.New("a kernel thread (or a zombie) cannot be moved")
	}
	for _, f := range files {
		if err := os.WriteFile(f, []byte(strconv.Itoa(pid)), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (l local) AttachProcesses(ctx context.Context, name, sub string, pids []uint32) error {
	return l.m.doErr(ctx, func() error {
		u := l.m.units[name]
		if u == nil || u.LoadState != unit.Loaded {
			return errdefs.NotFound(fmt.Errorf("Unit %s not loaded.", name))
		}
		if u.Type == "slice" || !isUp(u.Active) {
			return errdefs.FailedPrecondition(fmt.Errorf("Unit %s is not active, refusing.", name))
		}
		if sub != "" && (filepath.IsAbs(sub) || slices.Contains(strings.Split(sub, "/"), "..") || filepath.Clean(sub) != sub) {
			return errdefs.InvalidArgument(fmt.Errorf("Control group path is not valid: %s", sub))
		}
		list := make([]int, len(pids))
		for i, p := range pids {
			list[i] = int(p)
		}
		_, errs := l.m.moveProcesses(u, sub, list, nil)
		if len(errs) > 0 {
			return errdefs.FailedPrecondition(fmt.Errorf("Failed to attach processes to %s: %s", name, strings.Join(errs, "; ")))
		}
		return nil
	})
}

func (l local) AbandonScope(ctx context.Context, name string) error {
	return l.m.doErr(ctx, func() error {
		u := l.m.units[name]
		if u == nil {
			return errdefs.NotFound(fmt.Errorf("Unit %s not loaded.", name))
		}
		if u.Type != "scope" {
			return errdefs.InvalidArgument(fmt.Errorf("Unit %s is not a scope unit, refusing.", name))
		}
		if u.Sub != "running" && u.Sub != "abandoned" {
			return errdefs.FailedPrecondition(fmt.Errorf("Scope %s is not running, cannot abandon.", name))
		}
		l.m.send(u, &pb.Event{Kind: &pb.Event_Abandon{Abandon: &pb.Abandon{}}})
		return nil
	})
}
