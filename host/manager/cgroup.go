package manager

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/cgroup"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// openCgroups finds the cgroup hierarchy and the core's place in it. Without one the manager still runs; it then
// knows a unit's processes only as the children it spawned or adopted.
func (m *Manager) openCgroups() {
	h, err := cgroup.Detect()
	if err != nil {
		m.log.Warn("no usable cgroup hierarchy; units get no cgroups, limits are not applied", "error", err)
		return
	}
	if err := h.EnterInitScope(); err != nil {
		m.log.Warn("cannot move the core into init.scope", "error", err)
	}
	m.log.Info("cgroups", "mode", h.Mode().String(), "root", h.Root())
	m.cg = h
}

// cgroupFor creates (or updates) u's cgroup with the settings of a spawn and returns the cgroup.procs files the
// new process joins before it execs. Nil without cgroups, or when the cgroup cannot be made (logged).
func (m *Manager) cgroupFor(u *Unit, s *pb.CgroupSettings) []string {
	if m.cg == nil {
		return nil
	}
	name, settings := cgroupName(u), cgroup.SettingsFromProto(s)
	switch {
	case !u.cgroupMade:
		if err := m.cg.Create(name, settings); err != nil {
			m.unitLogf(u, 3, "%s: Failed to create cgroup %s: %v", u.ID, m.cg.Path(name), err)
			return nil
		}
		u.cgroupMade, u.cgroupSettings, u.oomKills = true, settings, 0
		m.watchCgroup(u)
	case settings != u.cgroupSettings:
		if err := m.cg.Update(name, settings); err != nil {
			m.unitLogf(u, 3, "%s: Failed to update cgroup %s: %v", u.ID, m.cg.Path(name), err)
		}
		u.cgroupSettings = settings
	}
	return m.cg.ProcsFiles(name)
}

// watchCgroup watches u's cgroup for emptiness and OOM kills.
func (m *Manager) watchCgroup(u *Unit) {
	name := cgroupName(u)
	if stop, err := m.cg.Watch(name, func() { m.post(func() { m.checkEmpty(u, false) }) }); err == nil {
		u.unwatch = stop
	}
	if stop, err := m.cg.WatchOOM(name, func() { m.post(func() { m.checkOOM(u, 0) }) }); err == nil {
		u.unwatchOOM = stop
	}
}

// unwatchCgroup stops the watches of u's cgroup.
func (m *Manager) unwatchCgroup(u *Unit) {
	if u.unwatch != nil {
		u.unwatch()
		u.unwatch = nil
	}
	if u.unwatchOOM != nil {
		u.unwatchOOM()
		u.unwatchOOM = nil
	}
}

// removeCgroup removes the cgroup of a unit that is down and empty.
func (m *Manager) removeCgroup(u *Unit) {
	if m.cg == nil || !u.cgroupMade || isUp(u.Active) {
		return
	}
	m.unwatchCgroup(u)
	if err := m.cg.Remove(cgroupName(u)); err != nil {
		m.log.Debug("cannot remove cgroup", "unit", u.ID, "error", err)
		return
	}
	u.cgroupMade = false
}

// controlGroup is the ControlGroup property: the cgroup's path as users see it, empty without one.
func (m *Manager) controlGroup(u *Unit) string {
	if m.cg == nil || !u.cgroupMade {
		return ""
	}
	return m.cg.Path(cgroupName(u))
}

// newOOMKill reports whether u's cgroup counted an OOM kill since the last time it was asked.
func (m *Manager) newOOMKill(u *Unit) bool {
	if m.cg == nil || !u.cgroupMade {
		return false
	}
	n, err := m.cg.OOMKills(cgroupName(u))
	if err != nil || n <= u.oomKills {
		return false
	}
	u.oomKills = n
	return true
}

// usage is MemoryCurrent and TasksCurrent: cgroup.Infinity (systemd's "[not set]") when unknown.
func (m *Manager) usage(u *Unit) (memory, tasks uint64) {
	if m.cg == nil || !u.cgroupMade {
		return cgroup.Infinity, cgroup.Infinity
	}
	st, err := m.cg.Stats(cgroupName(u))
	if err != nil {
		return cgroup.Infinity, cgroup.Infinity
	}
	return st.MemoryCurrent, st.TasksCurrent
}

// checkOOM tells u's plugin of an OOM kill its cgroup counted that no exit the core reaped has carried (a process
// its parent reaps, for OOMPolicy=): a ChildExited of a helper process with oom_killed and no pid. v1 signals
// the OOM condition before the kill is counted, so a notice without a new count is looked at again a little
// later, a few times.
func (m *Manager) checkOOM(u *Unit, attempt int) {
	if !u.cgroupMade {
		return
	}
	if !m.newOOMKill(u) {
		if attempt < 4 {
			time.AfterFunc(time.Duration(50<<(2*attempt))*time.Millisecond, func() { m.post(func() { m.checkOOM(u, attempt+1) }) })
		}
		return
	}
	m.send(u, &pb.Event{Kind: &pb.Event_ChildExited{ChildExited: &pb.ChildExited{
		Role: pb.Role_ROLE_HELPER, Code: pb.ExitCode_EXIT_CODE_KILLED, Status: int32(unix.SIGKILL),
		TimeUsec: time.Now().UnixMicro(), OomKilled: true,
	}}})
}
