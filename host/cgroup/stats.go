package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// Stats is what the kernel accounts for a unit's cgroup. A field the system cannot tell (its controller is not
// mounted, or the unit has no cgroup in it) is Infinity, which systemctl shows as "[not set]".
type Stats struct {
	MemoryCurrent uint64 // bytes: memory.current (v2), memory.usage_in_bytes (v1)
	TasksCurrent  uint64 // tasks (threads): pids.current, else the tasks listed below the unit
	CPUUsageNSec  uint64 // nanoseconds: cpu.stat usage_usec (v2 and Hybrid), cpuacct.usage (Legacy)
}

// Stats reads the unit's accounting. An error wraps fs.ErrNotExist when the unit has no cgroup.
func (h *Hierarchy) Stats(unit string) (Stats, error) {
	st := Stats{Infinity, Infinity, Infinity}
	if err := checkUnit(unit); err != nil {
		return st, err
	}
	if _, err := os.Stat(filepath.Join(h.track.path, unit)); err != nil {
		return st, fmt.Errorf("cgroup: %s: %w", h.Path(unit), err)
	}
	if h.mode == Unified {
		p := filepath.Join(h.unified.path, unit)
		if v, err := readUint(filepath.Join(p, "memory.current")); err == nil {
			st.MemoryCurrent = v
		}
		if v, err := readUint(filepath.Join(p, "pids.current")); err == nil {
			st.TasksCurrent = v
		} else if n, err := countTasks(p, "cgroup.threads"); err == nil {
			st.TasksCurrent = n
		}
		if v, err := readKey(filepath.Join(p, "cpu.stat"), "usage_usec"); err == nil {
			st.CPUUsageNSec = v * 1000
		}
		return st, nil
	}
	if d := h.v1["memory"]; d != nil {
		if v, err := readUint(filepath.Join(d.path, unit, "memory.usage_in_bytes")); err == nil {
			st.MemoryCurrent = v
		}
	}
	if d := h.v1["pids"]; d != nil {
		if v, err := readUint(filepath.Join(d.path, unit, "pids.current")); err == nil {
			st.TasksCurrent = v
		}
	}
	if st.TasksCurrent == Infinity {
		if n, err := countTasks(filepath.Join(h.track.path, unit), "tasks"); err == nil {
			st.TasksCurrent = n
		}
	}
	// Hybrid mode's cgroup2 hierarchy accounts CPU time without any controller.
	if v, err := readKey(filepath.Join(h.unifiedPath(unit), "cpu.stat"), "usage_usec"); h.unified != nil && err == nil {
		st.CPUUsageNSec = v * 1000
	} else if d := h.v1["cpuacct"]; d != nil {
		if v, err := readUint(filepath.Join(d.path, unit, "cpuacct.usage")); err == nil {
			st.CPUUsageNSec = v
		}
	}
	return st, nil
}

// OOMKills returns how many processes the kernel's OOM killer killed in the unit's cgroup because of its
// memory limit: "oom_kill" of memory.events on v2 (counted over the subtree), of memory.oom_control on v1
// (Linux 4.13). An error wraps errors.ErrUnsupported when the unit has no memory cgroup (no MemoryMax= or
// MemoryHigh= on v1, no memory controller on v2) or the kernel keeps no such count.
func (h *Hierarchy) OOMKills(unit string) (uint64, error) {
	if err := checkUnit(unit); err != nil {
		return 0, err
	}
	var f string
	if h.mode == Unified {
		f = filepath.Join(h.unified.path, unit, "memory.events")
	} else if d := h.v1["memory"]; d != nil {
		f = filepath.Join(d.path, unit, "memory.oom_control")
	} else {
		return 0, fmt.Errorf("cgroup: %s: no memory hierarchy: %w", h.Path(unit), errors.ErrUnsupported)
	}
	v, err := readKey(f, "oom_kill")
	if errors.Is(err, fs.ErrNotExist) {
		return 0, fmt.Errorf("cgroup: %s: %w (%w)", h.Path(unit), errors.ErrUnsupported, err)
	}
	return v, err
}

func readUint(p string) (uint64, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0, err
	}
	return strconv.ParseUint(strings.TrimSpace(string(b)), 10, 64)
}

// readKey reads the value of key in a flat-keyed file ("key value" lines).
func readKey(p, key string) (uint64, error) {
	b, err := os.ReadFile(p)
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, key+" "); ok {
			return strconv.ParseUint(strings.TrimSpace(v), 10, 64)
		}
	}
	return 0, fmt.Errorf("cgroup: no %s in %s: %w", key, p, fs.ErrNotExist)
}

// countTasks counts the lines of file in the cgroup p and below it.
func countTasks(p, file string) (uint64, error) {
	var n uint64
	err := filepath.WalkDir(p, func(q string, d fs.DirEntry, err error) error {
		if err != nil || !d.IsDir() {
			return err
		}
		ids, err := readProcs(filepath.Join(q, file))
		n += uint64(len(ids))
		return err
	})
	return n, err
}
