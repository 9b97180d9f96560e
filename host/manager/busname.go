package manager

import (
	"slices"

	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/sdk"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// The bus names units watch (BusName= of a Type=dbus service, the plugin's BusName annotation): the core's D-Bus
// server follows their owners on its system-bus connection (host/dbusapi's nameWatch) and the loop hands each
// owner to the units that watch the name as a BusNameChanged event. The plugin never talks to the bus.

// busNameWatch is which units watch which bus name, rebuilt when annotations change.
type busNameWatch struct {
	byName map[string][]string // bus name → unit ids
	dirty  bool                // annotations changed since byName was built
}

// busNamesChanged notes that some unit's annotations changed: the watch is rebuilt at the next turn.
func (m *Manager) busNamesChanged() { m.busNames.dirty = true }

// watchBusNames rebuilds the watch and hands the names to the D-Bus server, when annotations changed.
func (m *Manager) watchBusNames() {
	if !m.busNames.dirty || m.dbus == nil {
		return
	}
	m.busNames.dirty = false
	byName := map[string][]string{}
	for id, u := range m.units {
		if name, ok := u.Annotations.get(sdk.AnnotationBusName); ok && name != "" && id == u.ID {
			byName[name] = append(byName[name], u.ID)
		}
	}
	names := make([]string, 0, len(byName))
	for name, ids := range byName {
		slices.Sort(ids)
		names = append(names, name)
	}
	m.busNames.byName = byName
	m.dbus.WatchBusNames(names)
}

// busNameOwner hands the owner of a watched bus name to the units that watch it (on the loop).
func (m *Manager) busNameOwner(name, owner string) {
	for _, id := range m.busNames.byName[name] {
		if u := m.units[id]; u != nil && u.LoadState == unit.Loaded {
			if watched, _ := u.Annotations.get(sdk.AnnotationBusName); watched != name {
				continue
			}
			m.send(u, &pb.Event{Kind: &pb.Event_BusNameChanged{BusNameChanged: &pb.BusNameChanged{Name: name, Owner: owner}}})
		}
	}
}
