package cgroup

import (
	"bufio"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// maxKillPasses bounds Kill's loop over cgroup.procs: a unit that forks faster than it can be signalled ends it
// with an error rather than holding the core.
const maxKillPasses = 64

// Pids returns every process in the unit's cgroup and the cgroups below it, sorted, from the tracking
// hierarchy (the cgroup2 one in Unified mode, name=systemd or else pids in Hybrid and Legacy modes). An error
// wraps fs.ErrNotExist when the unit has no cgroup.
func (h *Hierarchy) Pids(unit string) ([]int, error) {
	if err := checkUnit(unit); err != nil {
		return nil, err
	}
	var out []int
	err := filepath.WalkDir(filepath.Join(h.track.path, unit), func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			if p != filepath.Join(h.track.path, unit) && errors.Is(err, fs.ErrNotExist) {
				return nil // a child cgroup removed under us
			}
			return err
		}
		if !d.IsDir() {
			return nil
		}
		pids, err := readProcs(filepath.Join(p, "cgroup.procs"))
		if errors.Is(err, fs.ErrNotExist) || errors.Is(err, unix.ENODEV) {
			return nil
		}
		out = append(out, pids...)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("cgroup: %s: %w", h.Path(unit), err)
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}

// readProcs reads a cgroup.procs file.
func readProcs(p string) ([]int, error) {
	f, err := os.Open(p)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []int
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if pid, err := strconv.Atoi(strings.TrimSpace(sc.Text())); err == nil && pid > 0 {
			out = append(out, pid)
		}
	}
	return out, sc.Err()
}

// Populated reports whether a process is left in the unit's cgroup or below it. It reads cgroup.events where
// there is a cgroup2 hierarchy (Unified and Hybrid modes) and lists the tracking hierarchy otherwise. A unit
// without a cgroup is not populated.
func (h *Hierarchy) Populated(unit string) (bool, error) {
	if err := checkUnit(unit); err != nil {
		return false, err
	}
	if h.unified != nil {
		pop, err := readPopulated(filepath.Join(h.unified.path, unit))
		if err == nil || !errors.Is(err, fs.ErrNotExist) {
			return pop, err
		}
		// A Hybrid unit created before the core knew of the cgroup2 hierarchy: ask the tracking one.
	}
	pids, err := h.Pids(unit)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	return len(pids) > 0, err
}

// readPopulated reads the "populated" key of a v2 cgroup's cgroup.events.
func readPopulated(p string) (bool, error) {
	b, err := os.ReadFile(filepath.Join(p, "cgroup.events"))
	if err != nil {
		return false, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "populated "); ok {
			return strings.TrimSpace(v) == "1", nil
		}
	}
	return false, fmt.Errorf("cgroup: no populated key in %s/cgroup.events", p)
}

// Kill sends sig to every process in the unit's cgroup and below it, and returns how many it signalled. With
// SIGKILL and a cgroup2 hierarchy that has cgroup.kill (Linux 5.14), the kernel kills the whole subtree at once,
// forks in flight included. Otherwise Kill loops: it lists the cgroup, signals each process it has not signalled
// yet, and stops after a pass that finds none new, so children forked while it ran are signalled too. Kill does
// not wait for the processes to exit: the host's reaper learns of each exit, and Populated (or Watch) says when the
// cgroup is empty. A unit without a cgroup has nothing to kill.
func (h *Hierarchy) Kill(unit string, sig unix.Signal) (int, error) {
	if err := checkUnit(unit); err != nil {
		return 0, err
	}
	pids, err := h.Pids(unit)
	if errors.Is(err, fs.ErrNotExist) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	if sig == unix.SIGKILL && h.unified != nil {
		f := filepath.Join(h.unified.path, unit, "cgroup.kill")
		if exists(f) && exists(filepath.Join(h.unified.path, unit, "cgroup.procs")) {
			// In Hybrid mode a process that joined only the v1 hierarchies (started before the unit had a
			// cgroup2 directory) would escape cgroup.kill; the loop below catches it.
			if err := writeFile(f, "1"); err != nil {
				return 0, err
			}
			if h.mode == Unified {
				return len(pids), nil
			}
		}
	}
	self := os.Getpid()
	signalled := map[int]bool{}
	for range maxKillPasses {
		fresh := 0
		for _, pid := range pids {
			if signalled[pid] || pid == self {
				continue
			}
			signalled[pid] = true
			fresh++
			if err := unix.Kill(pid, sig); err != nil && !errors.Is(err, unix.ESRCH) {
				return len(signalled), fmt.Errorf("cgroup: signalling %d in %s: %w", pid, h.Path(unit), err)
			}
		}
		if fresh == 0 {
			return len(signalled), nil
		}
		if pids, err = h.Pids(unit); errors.Is(err, fs.ErrNotExist) {
			return len(signalled), nil
		} else if err != nil {
			return len(signalled), err
		}
	}
	return len(signalled), fmt.Errorf("cgroup: %s: new processes still appear after %d passes of %v",
		h.Path(unit), maxKillPasses, sig)
}

// UnitOf returns the cgroup, relative to the root, that process pid belongs to ("system.slice/foo.service", or a
// cgroup below it), read from /proc/<pid>/cgroup; false when pid is gone or outside the manager's root.
func (h *Hierarchy) UnitOf(pid int) (string, bool) {
	f, err := os.Open("/proc/" + strconv.Itoa(pid) + "/cgroup")
	if err != nil {
		return "", false
	}
	defer f.Close()
	pc, err := parseProcCgroup(f)
	if err != nil {
		return "", false
	}
	p, ok := pc[h.trackKey]
	if !ok {
		return "", false
	}
	rel, err := filepath.Rel(h.track.shown, filepath.Clean("/"+p))
	if err != nil || rel == "." || strings.HasPrefix(rel, "..") {
		return "", false
	}
	return rel, true
}
