package dbusapi

import (
	"github.com/godbus/dbus/v5"

	"github.com/sysmaster/sysmaster/host/api"
)

// relay turns the core's events into signals: to every private connection, as systemd sends every signal to its
// direct connections, and on the system bus while some client there has subscribed. It never waits for a client
// (conn.send drops one that does not read).
func (s *Server) relay(q *api.EventQueue) {
	for {
		select {
		case <-q.Ready():
			for _, e := range q.Take() {
				s.emit(e)
			}
		case <-s.ctx.Done():
			return
		}
	}
}

// emit sends the signal of e.
func (s *Server) emit(e api.Event) {
	if e.Kind == api.UnitChanged && s.bus != nil && busUnits[e.Unit] {
		s.bus.busUnitChanged(e.Active)
	}
	s.mu.Lock()
	targets := make([]*conn, 0, len(s.conns)+1)
	for c := range s.conns {
		targets = append(targets, c)
	}
	s.mu.Unlock()
	if s.bus != nil {
		if c := s.bus.subscribed(); c != nil {
			targets = append(targets, c)
		}
	}
	if len(targets) == 0 { // the common case at boot: nobody listens, nothing is built
		return
	}
	path, iface, member, body := signalOf(e)
	if member == "" {
		return
	}
	b, err := encodeSignal(path, iface, member, body...)
	if err != nil {
		s.log.Error("cannot encode a D-Bus signal", "member", member, "error", err)
		return
	}
	for _, c := range targets {
		c.sendSignal(b)
	}
}

// signalOf is the signal that announces e.
func signalOf(e api.Event) (path dbus.ObjectPath, iface, member string, body []any) {
	switch e.Kind {
	case api.UnitNew:
		return managerPath, managerIface, "UnitNew", []any{e.Unit, unitPath(e.Unit)}
	case api.UnitRemoved:
		return managerPath, managerIface, "UnitRemoved", []any{e.Unit, unitPath(e.Unit)}
	case api.JobNew:
		return managerPath, managerIface, "JobNew", []any{uint32(e.JobID), jobPath(e.JobID), e.Unit}
	case api.JobRemoved:
		return managerPath, managerIface, "JobRemoved", []any{uint32(e.JobID), jobPath(e.JobID), e.Unit, e.Result}
	case api.StartupFinished:
		t := e.Startup
		return managerPath, managerIface, "StartupFinished", []any{t.Firmware, t.Loader, t.Kernel, t.Initrd, t.Userspace, t.Total}
	case api.UnitFilesChanged:
		return managerPath, managerIface, "UnitFilesChanged", nil
	case api.Reloading:
		return managerPath, managerIface, "Reloading", []any{e.Reloading}
	case api.UnitChanged:
		changed := map[string]dbus.Variant{
			"ActiveState": dbus.MakeVariant(e.Active),
			"SubState":    dbus.MakeVariant(e.Sub),
			"LoadState":   dbus.MakeVariant(e.Load),
		}
		return unitPath(e.Unit), propertiesIface, "PropertiesChanged", []any{unitIface, changed, []string{}}
	}
	return "", "", "", nil
}
