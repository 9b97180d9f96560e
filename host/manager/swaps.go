package manager

import (
	"strconv"

	"github.com/sysmaster/sysmaster/host/swaps"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// swapTracking is the core's view of /proc/swaps, as mountTracking is of the mount table: every swap in use is
// a loaded .swap unit (declared from its entry when no file names it), and each change reaches the swap plugin
// as a SwapChanged event.
type swapTracking struct {
	watcher *swaps.Watcher
	// declared holds the sections of each swap unit /proc/swaps declares, by unit name.
	declared map[string][]*unitfile.Section
}

// trackSwaps reads /proc/swaps, makes its units and starts watching it, beside trackMounts. Without a swap
// plugin nothing is tracked.
func (m *Manager) trackSwaps() {
	if !m.typeServed("swap") {
		return
	}
	w, table, err := swaps.Watch(func(ch []swaps.Change) { m.post(func() { m.swapsChanged(ch) }) })
	if err != nil {
		m.log.Warn("the swaps are not tracked", "error", err)
		return
	}
	m.swaps.watcher = w
	m.swapsChanged(swaps.Diff(nil, table))
}

// declaredUnit is the loader's question for a unit without a file: is it a mount of the mount table or a swap
// of /proc/swaps?
func (m *Manager) declaredUnit(name string) []*unitfile.Section {
	if s := m.swaps.declared[name]; s != nil {
		return s
	}
	return m.declaredMount(name)
}

// swapsChanged brings the swap units in line with /proc/swaps: a swap without a unit gets one, every change
// goes to the swap's unit.
func (m *Manager) swapsChanged(changes []swaps.Change) {
	if m.swaps.declared == nil {
		m.swaps.declared = map[string][]*unitfile.Section{}
	}
	names := make([]string, len(changes))
	var fresh []string
	for i, c := range changes {
		name, err := unitname.FromPath(c.What, ".swap")
		if err != nil {
			continue // a path no unit can name
		}
		names[i] = name
		if !c.Active {
			delete(m.swaps.declared, name)
			continue
		}
		m.swaps.declared[name] = swapSections(c.Entry)
		switch u := m.units[name]; {
		case u == nil:
			fresh = append(fresh, name)
		case u.LoadState == unit.NotFound && u.Frag.FragmentPath == "":
			m.reread(u)
		}
	}
	m.load(fresh...)
	// The device first, as systemd's device_found_node before the unit's state: the unit acting on its
	// dependencies finds the device tentative.
	for _, c := range changes {
		m.deviceInTable("swap", c.What, c.What, c.Active)
	}
	for i, c := range changes {
		u := m.units[names[i]]
		if names[i] == "" || u == nil || u.LoadState != unit.Loaded {
			continue
		}
		m.send(u, &pb.Event{Kind: &pb.Event_SwapChanged{SwapChanged: &pb.SwapChanged{
			What: c.What, Type: c.Type, Priority: int32(c.Priority), Active: c.Active}}})
	}
}

// swapSections are a swap unit's sections as systemd makes them of a /proc/swaps line.
func swapSections(e swaps.Entry) []*unitfile.Section {
	src := swaps.Path
	return []*unitfile.Section{
		{Name: "Unit", File: src, Entries: []unitfile.Entry{{Key: "SourcePath", Value: src, File: src}}},
		{Name: "Swap", File: src, Entries: []unitfile.Entry{
			{Key: "What", Value: e.What, File: src}, {Key: "Priority", Value: strconv.Itoa(e.Priority), File: src}}},
	}
}

// stopTrackingSwaps ends the watch of /proc/swaps.
func (m *Manager) stopTrackingSwaps() {
	if m.swaps.watcher != nil {
		m.swaps.watcher.Close()
	}
}
