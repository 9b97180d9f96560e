package service

import "github.com/sysmaster/sysmaster/sdk"

// Type=dbus (man systemd.service): the service is started once it owns BusName= on the system bus, and, running,
// it is stopped as systemd stops it when it lets the name go.
//
// The plugin never talks to the bus: it asks the host to watch BusName= (ParseResult.WatchBusName), and the host,
// which holds the system-bus connection, sends an EventBusName with the name's owner on every NameOwnerChanged
// and each time it (re)connects to the bus. Whether the name has an owner is kept in the service's State
// (BusNameGood), so it outlives a crash or a swap of the plugin. As in systemd, a start waits for an event that
// says the name is owned (service_enter_start does not look at bus_name_good): until then it goes on until
// TimeoutStartSec=; a running service keeps running until an event says the name has no owner.

// onBusName is service_bus_name_owner_change: a starting service whose name appeared goes on to ExecStartPost=, a
// running one whose name went away is settled again by running, which stops it (service_enter_running).
func (m *machine) onBusName(e *sdk.EventBusName) {
	if m.c.Type != "dbus" || e.Name != m.c.BusName {
		return
	}
	m.s.BusNameGood = e.Owner != ""
	switch {
	case m.s.Sub == subStart && m.s.BusNameGood:
		m.startPost()
	case m.s.Sub == subRunning && !m.s.BusNameGood:
		m.u.Logf("D-Bus name %s now not owned by anyone.", m.c.BusName)
		m.running()
	}
}
