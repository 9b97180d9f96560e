package manager

import (
	"github.com/sysmaster/sysmaster/host/mounts"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// mountTracking is the core's view of the mount table: every mount is a loaded .mount unit (declared from
// its entry when no file names it), and each change reaches the mount plugin as a MountChanged event.
type mountTracking struct {
	watcher *mounts.Watcher
	// declared holds the sections of each mount unit the table declares, by unit name.
	declared map[string][]*unitfile.Section
}

// trackMounts reads the mount table, makes its units and starts watching it. It runs before the boot
// transaction (or after a restore), so that a unit of a mount that is there already is mounted before it is
// started. Without a mount plugin nothing is tracked.
func (m *Manager) trackMounts() {
	if !m.typeServed("mount") {
		return
	}
	w, table, err := mounts.Watch(func(ch []mounts.Change) { m.post(func() { m.mountsChanged(ch) }) })
	if err != nil {
		m.log.Warn("the mount table is not tracked", "error", err)
		return
	}
	m.mounts.watcher = w
	m.mountsChanged(mounts.Diff(nil, table))
}

// declaredMount is the loader's question for a unit without a file: is it a mount of the table?
func (m *Manager) declaredMount(name string) []*unitfile.Section { return m.mounts.declared[name] }

// mountsChanged brings the mount units in line with the table: a new mount without a unit gets one, every
// change goes to the mount's unit.
func (m *Manager) mountsChanged(changes []mounts.Change) {
	if m.mounts.declared == nil {
		m.mounts.declared = map[string][]*unitfile.Section{}
	}
	names := make([]string, len(changes))
	var fresh []string
	for i, c := range changes {
		name, err := unitname.FromPath(c.Where, ".mount")
		if err != nil {
			continue // a mount point no unit can name
		}
		names[i] = name
		if !c.Mounted {
			delete(m.mounts.declared, name)
			continue
		}
		m.mounts.declared[name] = declaredSections(c.Entry)
		switch u := m.units[name]; {
		case u == nil:
			fresh = append(fresh, name)
		case u.LoadState == unit.NotFound && u.Frag.FragmentPath == "":
			m.reread(u) // named before it was mounted (After=x.mount), or restored after a crash
		}
	}
	m.load(fresh...)
	// The device first, as systemd's device_found_node before the unit's state: the unit acting on its
	// dependencies finds the device tentative.
	for _, c := range changes {
		m.deviceInTable("mount", c.Where, c.What, c.Mounted)
	}
	for i, c := range changes {
		u := m.units[names[i]]
		if names[i] == "" || u == nil || u.LoadState != unit.Loaded {
			continue
		}
		m.send(u, &pb.Event{Kind: &pb.Event_MountChanged{MountChanged: &pb.MountChanged{
			Where: c.Where, What: c.What, Fstype: c.FSType, Options: c.Options, Mounted: c.Mounted}}})
	}
}

// reread loads one unit in memory again from what the loader finds now.
func (m *Manager) reread(u *Unit) {
	m.setFragment(u, m.loader.Load(u.ID))
	m.parse([]*Unit{u})
	var more []string
	for _, d := range u.fwd {
		more = append(more, d.units...)
	}
	m.load(more...)
	m.link(u)
}

// declaredSections are a mount unit's sections as systemd makes them of a mountinfo line.
func declaredSections(e mounts.Entry) []*unitfile.Section {
	src := "/proc/self/mountinfo"
	return []*unitfile.Section{
		{Name: "Unit", File: src, Entries: []unitfile.Entry{{Key: "SourcePath", Value: src, File: src}}},
		{Name: "Mount", File: src, Entries: []unitfile.Entry{
			{Key: "What", Value: e.What, File: src}, {Key: "Where", Value: e.Where, File: src},
			{Key: "Type", Value: e.FSType, File: src}, {Key: "Options", Value: e.Options, File: src}}},
	}
}

// stopTrackingMounts ends the watch of the mount table.
func (m *Manager) stopTrackingMounts() {
	if m.mounts.watcher != nil {
		m.mounts.watcher.Close()
	}
}
