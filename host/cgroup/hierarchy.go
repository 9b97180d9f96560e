package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
)

const initScope = "init.scope"

// dir is the manager's root cgroup in one mounted hierarchy.
type dir struct {
	mount string // where the hierarchy is mounted
	path  string // the root cgroup's directory
	shown string // the root cgroup as /proc/<pid>/cgroup shows it ("/" on a real boot)
}

// Hierarchy is the manager's root cgroup in every hierarchy the system mounts, and the unit cgroups below it.
// Its methods may be called from several goroutines.
type Hierarchy struct {
	mode     Mode
	unified  *dir            // the cgroup2 hierarchy: all of Unified, the controller-less one of Hybrid; nil in Legacy
	v1       map[string]*dir // a v1 controller ("memory", "name=systemd", …) → its hierarchy; co-mounted ones share
	track    *dir            // where a unit's processes are listed and killed: unified, name=systemd or pids
	trackKey string          // track's key in /proc/<pid>/cgroup: "", "name=systemd" or "pids"

	mu  sync.Mutex
	w   *watcher   // emptiness watches (Watch)
	oom *oomPoller // OOM watches (WatchOOM)
}

// Mode returns the layout the hierarchy was found in.
func (h *Hierarchy) Mode() Mode { return h.mode }

// Root returns the manager's root cgroup as users see it ("/" on a real boot).
func (h *Hierarchy) Root() string { return h.track.shown }

// Path returns the unit's cgroup as users see it and /proc/<pid>/cgroup shows it: "/system.slice/foo.service"
// for unit "system.slice/foo.service" on a real boot.
func (h *Hierarchy) Path(unit string) string {
	return filepath.Join(h.track.shown, unit)
}

// checkUnit refuses unit paths that would leave the root or name it.
func checkUnit(unit string) error {
	if unit == "" || strings.HasPrefix(unit, "/") || filepath.Clean(unit) != unit || unit == "." ||
		unit == ".." || strings.HasPrefix(unit, "../") {
		return fmt.Errorf("cgroup: invalid unit cgroup path %q", unit)
	}
	if unit == initScope || strings.HasPrefix(unit, initScope+"/") {
		return fmt.Errorf("cgroup: %q is the core's own cgroup", unit)
	}
	for _, c := range strings.Split(unit, "/") {
		if strings.HasPrefix(c, "cgroup.") {
			return fmt.Errorf("cgroup: invalid unit cgroup path %q", unit)
		}
	}
	return nil
}

// dirs returns each mounted hierarchy once: the tracking one first, then the unified one, then the rest by mount
// point.
func (h *Hierarchy) dirs() []*dir {
	out := []*dir{h.track}
	if h.unified != nil && h.unified != h.track {
		out = append(out, h.unified)
	}
	var rest []*dir
	seen := map[*dir]bool{h.track: true, h.unified: true}
	for _, d := range h.v1 {
		if !seen[d] {
			seen[d] = true
			rest = append(rest, d)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].mount < rest[j].mount })
	return append(out, rest...)
}

// Sub makes the cgroup name below the root, in every mounted hierarchy, and returns the hierarchy rooted there:
// a manager of its own, as each test uses. In Unified mode it first tries to enable every controller the root
// has in the root's cgroup.subtree_control, so that the sub-root can hand them on; while the root holds
// processes that fails, and the sub-root gets only the controllers the root already hands on.
// The caller removes it with Remove(name) once its units are gone.
func (h *Hierarchy) Sub(name string) (*Hierarchy, error) {
	if err := checkUnit(name); err != nil {
		return nil, err
	}
	if h.mode == Unified {
		avail, err := readControllers(h.unified.path)
		if err != nil {
			return nil, err
		}
		if err := enableControllers(h.unified.path, "", avail); err != nil {
			// The root holds processes (the caller's own cgroup, in a test): the sub-root gets what the
			// root already hands on.
			debugf("cgroup: sub-root %s: %v", name, err)
		}
	}
	sub := &Hierarchy{mode: h.mode, v1: map[string]*dir{}}
	m := map[*dir]*dir{}
	for _, d := range h.dirs() {
		nd := &dir{mount: d.mount, path: filepath.Join(d.path, name), shown: filepath.Join(d.shown, name)}
		if err := os.MkdirAll(nd.path, 0o755); err != nil {
			return nil, fmt.Errorf("cgroup: %w", err)
		}
		if err := inheritCpuset(d.path, nd.path); err != nil {
			return nil, err
		}
		m[d] = nd
	}
	sub.track, sub.unified = m[h.track], m[h.unified]
	for c, d := range h.v1 {
		sub.v1[c] = m[d]
	}
	return sub, nil
}

// EnterInitScope moves the calling process into <root>/init.scope, in Unified mode only. cgroup v2 lets a cgroup
// that holds processes enable no controller for its children (the no-internal-process rule; the system's root
// cgroup is exempt, a container's or a test's root is not), so the core leaves its root before it creates units.
// In Hybrid and Legacy modes v1 controllers have no such rule and the core stays where it was started: moving
// it would only change what users see in /proc/1/cgroup.
func (h *Hierarchy) EnterInitScope() error {
	return h.moveToInitScope(os.Getpid())
}

func (h *Hierarchy) moveToInitScope(pid int) error {
	if h.mode != Unified {
		return nil
	}
	d := filepath.Join(h.unified.path, initScope)
	if err := os.Mkdir(d, 0o755); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("cgroup: %w", err)
	}
	return writeFile(filepath.Join(d, "cgroup.procs"), strconv.Itoa(pid))
}

// Create makes the unit's cgroup (and its parent slices) and applies s. On cgroup v2 that is one directory, with
// the controllers s needs enabled in the cgroup.subtree_control of every cgroup from the root down to the unit's
// parent; on v1 it is one directory in the tracking hierarchy (name=systemd, else pids), one in the cgroup2
// hierarchy of Hybrid mode, and one in each controller hierarchy a setting of s needs. Fields of s that are zero
// are left as the kernel made them. A setting whose controller the system lacks is skipped with a debug log.
// Creating a unit that exists applies s again.
func (h *Hierarchy) Create(unit string, s Settings) error {
	if err := checkUnit(unit); err != nil {
		return err
	}
	return h.apply(unit, s, false)
}

// Update makes the unit's cgroup match s, as after a reload: a field of s that is zero is reset to the kernel's
// default (no limit, the default weight) where the unit has a cgroup in that controller. On v1, a setting that
// needs a controller hierarchy the unit had no directory in creates it and moves the unit's processes into it.
// Update never touches the unit's children: with Delegate=yes they belong to the service. The unit must exist.
func (h *Hierarchy) Update(unit string, s Settings) error {
	if err := checkUnit(unit); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(h.track.path, unit)); err != nil {
		return fmt.Errorf("cgroup: %s: %w", h.Path(unit), err)
	}
	return h.apply(unit, s, true)
}

func (h *Hierarchy) apply(unit string, s Settings, reset bool) error {
	if h.mode == Unified {
		return h.applyV2(unit, s, reset)
	}
	return h.applyV1(unit, s, reset)
}

// ProcsFiles returns the cgroup.procs files a process writes "0" into to join the unit: the executor does it
// between fork and exec, so that the process and all it forks are in the unit from the start. There is one
// file on cgroup v2 and one for each hierarchy the unit has a directory in on v1; the tracking hierarchy's
// comes first.
func (h *Hierarchy) ProcsFiles(unit string) []string {
	if checkUnit(unit) != nil {
		return nil
	}
	var out []string
	for _, d := range h.dirs() {
		p := filepath.Join(d.path, unit)
		if fi, err := os.Stat(p); err == nil && fi.IsDir() {
			out = append(out, filepath.Join(p, "cgroup.procs"))
		}
	}
	return out
}

// Remove removes the unit's cgroup, and any cgroup below it (a delegated service's), in every hierarchy. The
// cgroup must be empty: Remove fails (with the kernel's EBUSY) while a process is left, and can be called again.
// A unit without a cgroup is no error.
func (h *Hierarchy) Remove(unit string) error {
	if err := checkUnit(unit); err != nil {
		return err
	}
	var errs []error
	for _, d := range h.dirs() {
		if err := removeTree(filepath.Join(d.path, unit)); err != nil {
			errs = append(errs, err)
		}
	}
	h.mu.Lock()
	w := h.w
	h.mu.Unlock()
	if w != nil && h.unified != nil {
		w.forget(h.unifiedPath(unit))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cgroup: removing %s: %w", h.Path(unit), err)
	}
	return nil
}

// removeTree removes the cgroup directory p and the cgroups below it, deepest first.
func removeTree(p string) error {
	ents, err := os.ReadDir(p)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	for _, e := range ents {
		if e.IsDir() {
			if err := removeTree(filepath.Join(p, e.Name())); err != nil {
				return err
			}
		}
	}
	if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// unifiedPath is the unit's directory in the cgroup2 hierarchy, "" when there is none.
func (h *Hierarchy) unifiedPath(unit string) string {
	if h.unified == nil {
		return ""
	}
	return filepath.Join(h.unified.path, unit)
}

// writeFile writes a cgroup control file, which must exist.
func writeFile(p, v string) error {
	f, err := os.OpenFile(p, os.O_WRONLY, 0)
	if err != nil {
		return fmt.Errorf("cgroup: %w", err)
	}
	_, err = f.WriteString(v)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("cgroup: writing %q to %s: %w", v, p, err)
	}
	return nil
}

// exists reports whether the control file p exists.
func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func debugf(format string, args ...any) {
	slog.Debug(fmt.Sprintf(format, args...))
}

// inheritCpuset fills a new v1 cpuset cgroup's cpus and mems from its parent's: the kernel leaves them empty, and
// no process can join a cpuset cgroup without both.
func inheritCpuset(parent, child string) error {
	for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
		cur, err := os.ReadFile(filepath.Join(child, f))
		if err != nil || strings.TrimSpace(string(cur)) != "" {
			continue // not a v1 cpuset hierarchy, or already set
		}
		v, err := os.ReadFile(filepath.Join(parent, f))
		if err != nil {
			return fmt.Errorf("cgroup: %w", err)
		}
		if err := writeFile(filepath.Join(child, f), strings.TrimSpace(string(v))); err != nil {
			return err
		}
	}
	return nil
}

// Children lists the cgroups right below unit ("" for the root) in the tracking hierarchy, by name, without
// init.scope: the units and slices a slice holds. A unit without a cgroup has none.
func (h *Hierarchy) Children(unit string) ([]string, error) {
	if unit != "" {
		if err := checkUnit(unit); err != nil {
			return nil, err
		}
	}
	ents, err := os.ReadDir(filepath.Join(h.track.path, unit))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("cgroup: %w", err)
	}
	var out []string
	for _, e := range ents {
		if e.IsDir() && !(unit == "" && e.Name() == initScope) {
			out = append(out, e.Name())
		}
	}
	return out, nil
}
