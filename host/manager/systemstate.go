package manager

import (
	"github.com/sysmaster/sysmaster/host/api"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/host/plugin"
	"github.com/sysmaster/sysmaster/host/unit"
)

// The manager's own properties: what `sctl show` without a unit prints and `sctl is-system-running`,
// `show-environment` and `edit` read (systemd's org.freedesktop.systemd1.Manager properties).

// activeOrPending is systemd's unit_active_or_pending: the unit is up, coming up, or has a job.
func (m *Manager) activeOrPending(name string) bool {
	if m.engine.Get(name) != nil {
		return true
	}
	u := m.units[name]
	return u != nil && (u.Active == unit.Active || u.Active == unit.Activating || u.Active == unit.Reloading)
}

// systemState is systemd 252's manager_state: stopping while a shutdown is under way; before the boot has
// finished, initializing until basic.target is active and then starting; afterwards maintenance while rescue or
// emergency target is active or pending, degraded while a unit is failed, else running. systemd's boot is
// finished when its first job queue has drained; here it is when the default unit has been active once and no
// job is left, which a restored core sees the same way.
func (m *Manager) systemState() string {
	if m.life.shutdown != "" || m.activeOrPending("shutdown.target") {
		return "stopping"
	}
	if !m.bootFinished() {
		if u := m.units["basic.target"]; u == nil || u.Active != unit.Active && u.Active != unit.Reloading {
			return "initializing"
		}
		return "starting"
	}
	if m.activeOrPending("rescue.target") || m.activeOrPending("emergency.target") {
		return "maintenance"
	}
	if m.failedUnits() > 0 {
		return "degraded"
	}
	return "running"
}

// bootFinished: no job is left and some unit the boot could have gone to has been reached (the default unit,
// or the rescue and emergency targets a broken default falls back to).
func (m *Manager) bootFinished() bool {
	if len(m.engine.All()) > 0 {
		return false
	}
	def := m.opts.DefaultUnit
	if def == "" {
		def = m.cfg.DefaultUnit
	}
	for _, name := range []string{def, "rescue.target", "emergency.target"} {
		if u := m.units[name]; u != nil && u.times.activeEnter.wall != 0 {
			return true
		}
	}
	return false
}

func (m *Manager) failedUnits() int {
	n := 0
	for _, u := range m.unique() {
		if u.Active == unit.Failed {
			n++
		}
	}
	return n
}

// managerProperties are the manager's properties, in systemctl show's Key=Value form.
func (m *Manager) managerProperties() api.UnitProperties {
	var ps api.Properties
	ps.Add("Version", "sysmaster "+plugin.HostVersion)
	ps.Add("SystemState", m.systemState())
	ps.Add("NNames", strconv.Itoa(len(m.units)))
	ps.Add("NFailedUnits", strconv.Itoa(m.failedUnits()))
	ps.Add("NJobs", strconv.Itoa(len(m.engine.All())))
	ps.List("Environment", m.environ)
	ps.Add("UnitPath", strings.Join(m.cfg.UnitPaths, " "))
	m.optionProperties(ps.Add) // options.go
	if m.cg != nil {
		ps.Add("ControlGroup", m.cg.Root()) // systemd's Manager.ControlGroup: the root of the unit cgroups
	}
	m.bootProperties(&ps)
	return api.UnitProperties{Properties: ps}
}
