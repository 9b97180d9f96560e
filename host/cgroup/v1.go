package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// v1Controllers returns the cgroup v1 controllers the settings need.
func (s Settings) v1Controllers() []string {
	if s.Delegate {
		// The service may use every controller below its cgroup, as systemd's Delegate=yes gives.
		return []string{"cpu", "blkio", "memory", "pids"}
	}
	// Memory and tasks are always accounted (MemoryCurrent, TasksCurrent), as systemd's DefaultMemoryAccounting=
	// and DefaultTasksAccounting= do.
	out := []string{"memory", "pids"}
	if s.CPUQuotaPerSecUSec != 0 || s.CPUWeight != 0 {
		out = append(out, "cpu")
	}
	if s.IOWeight != 0 {
		out = append(out, "blkio")
	}
	return out
}

// applyV1 creates the unit's cgroup in the tracking hierarchy, the cgroup2 one of Hybrid mode and each controller
// hierarchy s needs, and writes s.
func (h *Hierarchy) applyV1(unit string, s Settings, reset bool) error {
	if err := s.validate(); err != nil {
		return err
	}
	dirs := []*dir{h.track}
	if h.unified != nil {
		dirs = append(dirs, h.unified)
	}
	for _, c := range s.v1Controllers() {
		d := h.v1[c]
		if d == nil {
			debugf("cgroup: %s: no %s hierarchy is mounted, its settings are ignored", h.Path(unit), c)
			continue
		}
		dirs = append(dirs, d)
	}
	var moved []int
	listed := false
	for i, d := range dirs {
		p := filepath.Join(d.path, unit)
		err := os.Mkdir(p, 0o755)
		if errors.Is(err, fs.ErrNotExist) {
			err = os.MkdirAll(p, 0o755)
		}
		switch {
		case errors.Is(err, fs.ErrExist):
			continue
		case err != nil:
			return fmt.Errorf("cgroup: %w", err)
		}
		if !reset || i == 0 {
			continue
		}
		// Update gave the unit a hierarchy it had no cgroup in: its processes join it now, as new ones
		// will through ProcsFiles.
		if !listed {
			if moved, err = h.Pids(unit); err != nil {
				return err
			}
			listed = true
		}
		for _, pid := range moved {
			err := writeFile(filepath.Join(p, "cgroup.procs"), strconv.Itoa(pid))
			if err != nil && !errors.Is(err, syscall.ESRCH) {
				return err
			}
		}
	}

	set := func(v uint64) bool { return v != 0 || reset }
	in := func(c string) (string, bool) {
		d := h.v1[c]
		if d == nil {
			return "", false
		}
		p := filepath.Join(d.path, unit)
		return p, exists(p)
	}
	// containerd's cgroup1 controllers are not used: they assume each controller mounted at
	// <root>/<controller> (not "cpu,cpuacct") and create any directory they write into.

	if p, ok := in("memory"); ok {
		if set(s.MemoryMax) {
			if err := writeFile(filepath.Join(p, "memory.limit_in_bytes"), strconv.FormatInt(limitV1(s.MemoryMax), 10)); err != nil {
				return err
			}
		}
		if set(s.MemoryHigh) {
			// v1 cannot throttle at a high mark: the soft limit is what reclaim pushes the cgroup back to
			// under global memory pressure, the nearest thing.
			if err := writeFile(filepath.Join(p, "memory.soft_limit_in_bytes"), strconv.FormatInt(limitV1(s.MemoryHigh), 10)); err != nil {
				return err
			}
		}
	}
	if p, ok := in("cpu"); ok {
		if set(s.CPUWeight) {
			v := uint64(defaultShares)
			if s.CPUWeight != 0 {
				v = cpuShares(s.CPUWeight)
			}
			if err := writeFile(filepath.Join(p, "cpu.shares"), strconv.FormatUint(v, 10)); err != nil {
				return err
			}
		}
		if set(s.CPUQuotaPerSecUSec) {
			quota := int64(-1)
			if s.CPUQuotaPerSecUSec != 0 && s.CPUQuotaPerSecUSec != Infinity {
				quota = int64(quotaPerPeriod(s.CPUQuotaPerSecUSec))
			}
			if err := writeFile(filepath.Join(p, "cpu.cfs_period_us"), strconv.Itoa(cpuPeriodUSec)); err != nil {
				return err
			}
			if err := writeFile(filepath.Join(p, "cpu.cfs_quota_us"), strconv.FormatInt(quota, 10)); err != nil {
				return err
			}
		}
	}
	if p, ok := in("pids"); ok && set(s.TasksMax) {
		if err := writeFile(filepath.Join(p, "pids.max"), limitV2(s.TasksMax)); err != nil {
			return err
		}
	}
	if p, ok := in("blkio"); ok && set(s.IOWeight) {
		// blkio.weight is the CFQ scheduler's; kernels without CFQ have none.
		if !exists(filepath.Join(p, "blkio.weight")) {
			if s.IOWeight != 0 {
				debugf("cgroup: %s: no blkio.weight, IOWeight= is ignored", h.Path(unit))
			}
		} else {
			w := uint64(defaultBlkioWgt)
			if s.IOWeight != 0 {
				w = blkioWeight(s.IOWeight)
			}
			if err := writeFile(filepath.Join(p, "blkio.weight"), strconv.FormatUint(w, 10)); err != nil {
				return err
			}
		}
	}
	return nil
}

// limitV1 formats a byte limit for cgroup v1, where -1 is no limit.
func limitV1(v uint64) int64 {
	if v == 0 || v == Infinity || v > 1<<62 {
		return -1
	}
	return int64(v)
}
