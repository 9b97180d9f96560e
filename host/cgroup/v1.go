package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"

	"github.com/containerd/cgroups/v3/cgroup1"
	specs "github.com/opencontainers/runtime-spec/specs-go"
)

// v1Controllers returns the cgroup v1 controllers the settings need.
func (s Settings) v1Controllers() []string {
	var out []string
	if s.CPUQuotaPerSecUSec != 0 || s.CPUWeight != 0 {
		out = append(out, "cpu")
	}
	if s.IOWeight != 0 {
		out = append(out, "blkio")
	}
	if s.MemoryMax != 0 || s.MemoryHigh != 0 {
		out = append(out, "memory")
	}
	if s.TasksMax != 0 {
		out = append(out, "pids")
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
	in := func(c string) (*dir, string, bool) {
		d := h.v1[c]
		if d == nil {
			return nil, "", false
		}
		p := filepath.Join(d.path, unit)
		return d, p, exists(p)
	}

	if d, _, ok := in("memory"); ok && (set(s.MemoryMax) || set(s.MemoryHigh)) {
		mem := &specs.LinuxMemory{}
		if set(s.MemoryMax) {
			v := limitV1(s.MemoryMax)
			mem.Limit = &v
		}
		if set(s.MemoryHigh) {
			// v1 cannot throttle at a high mark: the soft limit is what reclaim pushes the cgroup back to
			// under global memory pressure, the nearest thing.
			v := limitV1(s.MemoryHigh)
			mem.Reservation = &v
		}
		if err := cgroup1.NewMemory(d.path).Update(unit, &specs.LinuxResources{Memory: mem}); err != nil {
			return fmt.Errorf("cgroup: %s: memory: %w", h.Path(unit), err)
		}
	}
	if d, _, ok := in("cpu"); ok && (set(s.CPUWeight) || set(s.CPUQuotaPerSecUSec)) {
		cpu := &specs.LinuxCPU{}
		if set(s.CPUWeight) {
			v := uint64(defaultShares)
			if s.CPUWeight != 0 {
				v = cpuShares(s.CPUWeight)
			}
			cpu.Shares = &v
		}
		if set(s.CPUQuotaPerSecUSec) {
			period, quota := uint64(cpuPeriodUSec), int64(-1)
			if s.CPUQuotaPerSecUSec != 0 && s.CPUQuotaPerSecUSec != Infinity {
				quota = int64(quotaPerPeriod(s.CPUQuotaPerSecUSec))
			}
			cpu.Period, cpu.Quota = &period, &quota
		}
		if err := cgroup1.NewCpu(d.path).Update(unit, &specs.LinuxResources{CPU: cpu}); err != nil {
			return fmt.Errorf("cgroup: %s: cpu: %w", h.Path(unit), err)
		}
	}
	if d, p, ok := in("pids"); ok && set(s.TasksMax) {
		if s.TasksMax == 0 || s.TasksMax == Infinity || s.TasksMax > 1<<62 {
			// containerd's pids controller writes positive limits only.
			if err := writeFile(filepath.Join(p, "pids.max"), "max"); err != nil {
				return err
			}
		} else {
			n := int64(s.TasksMax)
			if err := cgroup1.NewPids(d.path).Update(unit, &specs.LinuxResources{Pids: &specs.LinuxPids{Limit: &n}}); err != nil {
				return fmt.Errorf("cgroup: %s: pids: %w", h.Path(unit), err)
			}
		}
	}
	if d, p, ok := in("blkio"); ok && set(s.IOWeight) {
		// blkio.weight is the CFQ scheduler's; kernels without CFQ have none.
		if !exists(filepath.Join(p, "blkio.weight")) {
			if s.IOWeight != 0 {
				debugf("cgroup: %s: no blkio.weight, IOWeight= is ignored", h.Path(unit))
			}
		} else {
			w := uint16(defaultBlkioWgt)
			if s.IOWeight != 0 {
				w = uint16(blkioWeight(s.IOWeight))
			}
			if err := cgroup1.NewBlkio(d.path).Update(unit, &specs.LinuxResources{BlockIO: &specs.LinuxBlockIO{Weight: &w}}); err != nil {
				return fmt.Errorf("cgroup: %s: blkio: %w", h.Path(unit), err)
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
