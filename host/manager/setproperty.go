package manager

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sysmaster/sysmaster/host/cgroup"
	"github.com/sysmaster/sysmaster/host/transient"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// SetUnitProperties (systemctl set-property, systemd's SetUnitProperties): each property becomes a drop-in of the
// unit, 50-<directive>.conf in its .d directory of the configuration directory (runtime: the runtime one), as
// systemd writes them; the unit files are reloaded, and the resource-control settings are written to the running
// unit's cgroup at once, without waiting for its next start.

func (l local) SetUnitProperties(ctx context.Context, name string, runtime bool, props []transient.Property) error {
	m := l.m
	return m.doErr(ctx, func() error {
		units, err := m.resolve([]string{name})
		if err != nil {
			return err
		}
		u := units[0]
		if u.LoadState == unit.NotFound {
			return errdefs.NotFound(fmt.Errorf("Unit %s not found.", name))
		}
		dropIns, err := transient.DropIns(u.ID, props)
		if err != nil || len(dropIns) == 0 {
			return err
		}
		paths := m.cfg.UnitPaths
		dir := paths[0]
		if runtime {
			if len(paths) < 3 {
				return errdefs.FailedPrecondition(fmt.Errorf("no runtime directory in the unit search path %v", paths))
			}
			dir = paths[1]
		}
		dir = filepath.Join(dir, u.ID+".d")
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return errdefs.Unavailable(err)
		}
		for _, d := range dropIns {
			p := filepath.Join(dir, d.Name)
			if err := os.WriteFile(p+".tmp", []byte(d.Text), 0o644); err != nil {
				return errdefs.Unavailable(err)
			}
			if err := os.Rename(p+".tmp", p); err != nil {
				os.Remove(p + ".tmp")
				return errdefs.Unavailable(err)
			}
		}
		m.reload()
		m.applyResourceProperties(u, props)
		return nil
	})
}

// applyResourceProperties writes the resource-control properties among props to u's cgroup, if it has one.
func (m *Manager) applyResourceProperties(u *Unit, props []transient.Property) {
	if m.cg == nil || !u.cgroupMade {
		return
	}
	s := u.cgroupSettings
	for _, p := range props {
		v, ok := p.Value.(uint64)
		if !ok {
			continue
		}
		switch p.Name {
		case "MemoryMax":
			s.MemoryMax = v
		case "MemoryHigh":
			s.MemoryHigh = v
		case "TasksMax":
			s.TasksMax = v
		case "CPUWeight":
			s.CPUWeight = v
		case "IOWeight":
			s.IOWeight = v
		case "CPUQuotaPerSecUSec":
			if v == cgroup.Infinity {
				v = 0
			}
			s.CPUQuotaPerSecUSec = v
		}
	}
	if s == u.cgroupSettings {
		return
	}
	if err := m.cg.Update(cgroupName(u), s); err != nil {
		m.unitLogf(u, 3, "%s: Failed to update cgroup %s: %v", u.ID, m.cg.Path(cgroupName(u)), err)
		return
	}
	u.cgroupSettings = s
}
