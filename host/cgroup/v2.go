package cgroup

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// v2Controllers returns the cgroup v2 controllers the settings need.
func (s Settings) v2Controllers() []string {
	if s.Delegate {
		// The service may use every controller below its cgroup, as systemd's Delegate=yes gives.
		return []string{"cpu", "io", "memory", "pids"}
	}
	var out []string
	if s.CPUQuotaPerSecUSec != 0 || s.CPUWeight != 0 {
		out = append(out, "cpu")
	}
	if s.IOWeight != 0 {
		out = append(out, "io")
	}
	if s.MemoryMax != 0 || s.MemoryHigh != 0 {
		out = append(out, "memory")
	}
	if s.TasksMax != 0 {
		out = append(out, "pids")
	}
	return out
}

// readControllers reads a v2 cgroup's cgroup.controllers: the controllers its parent hands it.
func readControllers(p string) ([]string, error) {
	b, err := os.ReadFile(filepath.Join(p, "cgroup.controllers"))
	if err != nil {
		return nil, fmt.Errorf("cgroup: %w", err)
	}
	return strings.Fields(string(b)), nil
}

// enableControllers enables cs in the cgroup.subtree_control of root and of each cgroup along parent (a path
// relative to root, "" or "." for root alone), so that parent's children get them.
func enableControllers(root, parent string, cs []string) error {
	if len(cs) == 0 {
		return nil
	}
	p := root
	var steps []string
	if parent != "" && parent != "." {
		steps = strings.Split(parent, "/")
	}
	for i := 0; ; i++ {
		f := filepath.Join(p, "cgroup.subtree_control")
		b, err := os.ReadFile(f)
		if err != nil {
			return fmt.Errorf("cgroup: %w", err)
		}
		on := strings.Fields(string(b))
		var add []string
		for _, c := range cs {
			if !slices.Contains(on, c) {
				add = append(add, "+"+c)
			}
		}
		if len(add) > 0 {
			if err := writeFile(f, strings.Join(add, " ")); err != nil {
				return fmt.Errorf("%w (a cgroup that holds processes cannot enable controllers for its "+
					"children: has the core entered init.scope?)", err)
			}
		}
		if i == len(steps) {
			return nil
		}
		p = filepath.Join(p, steps[i])
	}
}

// applyV2 creates the unit's cgroup on a cgroup v2 hierarchy and writes s.
func (h *Hierarchy) applyV2(unit string, s Settings, reset bool) error {
	if err := s.validate(); err != nil {
		return err
	}
	p := filepath.Join(h.unified.path, unit)
	if err := os.MkdirAll(p, 0o755); err != nil {
		return fmt.Errorf("cgroup: %w", err)
	}
	avail, err := readControllers(h.unified.path)
	if err != nil {
		return err
	}
	var use []string
	for _, c := range s.v2Controllers() {
		if slices.Contains(avail, c) {
			use = append(use, c)
		} else {
			debugf("cgroup: %s: controller %s is not available, its settings are ignored", h.Path(unit), c)
		}
	}
	if err := enableControllers(h.unified.path, filepath.Dir(unit), use); err != nil {
		return err
	}

	// A value is written only where its file exists: a controller that is not enabled has none.
	has := func(name string) bool { return exists(filepath.Join(p, name)) }
	set := func(v uint64) bool { return v != 0 || reset }

	// Written directly: containerd's cgroup2 package would link D-Bus and eBPF into the core for three files.
	if set(s.CPUWeight) && has("cpu.weight") {
		w := uint64(defaultWeight)
		if s.CPUWeight != 0 {
			w = s.CPUWeight
		}
		if err := writeFile(filepath.Join(p, "cpu.weight"), strconv.FormatUint(w, 10)); err != nil {
			return err
		}
	}
	if set(s.CPUQuotaPerSecUSec) && has("cpu.max") {
		quota := "max"
		if s.CPUQuotaPerSecUSec != 0 && s.CPUQuotaPerSecUSec != Infinity {
			quota = strconv.FormatUint(quotaPerPeriod(s.CPUQuotaPerSecUSec), 10)
		}
		if err := writeFile(filepath.Join(p, "cpu.max"), fmt.Sprintf("%s %d", quota, cpuPeriodUSec)); err != nil {
			return err
		}
	}
	if set(s.TasksMax) && has("pids.max") {
		n := "max"
		if s.TasksMax != 0 && s.TasksMax != Infinity {
			n = strconv.FormatUint(s.TasksMax, 10)
		}
		if err := writeFile(filepath.Join(p, "pids.max"), n); err != nil {
			return err
		}
	}
	for _, m := range []struct {
		file string
		v    uint64
	}{{"memory.max", s.MemoryMax}, {"memory.high", s.MemoryHigh}} {
		if set(m.v) && has(m.file) {
			if err := writeFile(filepath.Join(p, m.file), limitV2(m.v)); err != nil {
				return err
			}
		}
	}
	if set(s.IOWeight) {
		w := uint64(defaultWeight)
		if s.IOWeight != 0 {
			w = s.IOWeight
		}
		if has("io.weight") {
			if err := writeFile(filepath.Join(p, "io.weight"), "default "+strconv.FormatUint(w, 10)); err != nil {
				return err
			}
		}
		if has("io.bfq.weight") {
			if err := writeFile(filepath.Join(p, "io.bfq.weight"), strconv.FormatUint(bfqWeight(w), 10)); err != nil {
				return err
			}
		}
	}
	return nil
}

// limitV2 formats a byte or count limit for cgroup v2: unset and Infinity are "max".
func limitV2(v uint64) string {
	if v == 0 || v == Infinity {
		return "max"
	}
	return strconv.FormatUint(v, 10)
}
