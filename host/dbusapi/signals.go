package dbusapi

import (
	"fmt"
	"hash/fnv"

	"github.com/godbus/dbus/v5"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// relay turns the core's events into signals: to every private connection, as systemd sends every signal to its
// direct connections, and on the system bus while some client there has subscribed. It never waits for a client
// (conn.send drops one that does not read).
func (s *Server) relay(q *api.EventQueue) {
	last := map[string]uint64{} // the hash of the last PropertiesChanged of each unit object and interface
	for {
		select {
		case <-q.Ready():
			s.emitBatch(q.Take(), last)
		case <-s.ctx.Done():
			return
		}
	}
}

// emitBatch sends the signals of the events the core announced since the last batch, in order. A unit's
// PropertiesChanged goes out once per batch, in the place of its first change, with its properties as they are
// when the core's loop has finished the turn (the properties are read through it); one identical to the last
// sent for the object is not sent again, so that changes announced in two batches of the same turn make one.
func (s *Server) emitBatch(events []api.Event, last map[string]uint64) {
	changed := map[string]bool{}
	for _, e := range events {
		switch e.Kind {
		case api.UnitChanged:
			if changed[e.Unit] {
				continue
			}
			changed[e.Unit] = true
		case api.UnitRemoved:
			for _, i := range []string{unitIface, typeIfaces[unitname.Type(e.Unit)]} {
				delete(last, e.Unit+" "+i)
			}
		}
		s.emit(e, last)
	}
}

// emit sends the signal of e.
func (s *Server) emit(e api.Event, last map[string]uint64) {
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
	if e.Kind == api.UnitChanged {
		for _, body := range s.changeSignals(e, last) {
			s.broadcast(targets, unitPath(e.Unit), propertiesIface, "PropertiesChanged", body)
		}
		return
	}
	if path, iface, member, body := signalOf(e); member != "" {
		s.broadcast(targets, path, iface, member, body)
	}
}

// broadcast encodes a signal once and queues it to every connection of targets.
func (s *Server) broadcast(targets []*conn, path dbus.ObjectPath, iface, member string, body []any) {
	b, err := encodeSignal(path, iface, member, body...)
	if err != nil {
		s.log.Error("cannot encode a D-Bus signal", "member", member, "error", err)
		return
	}
	for _, c := range targets {
		c.sendSignal(b)
	}
}

// changeSignals are the bodies of the PropertiesChanged signals of a unit whose state changed, as systemd's
// bus_unit_send_change_signal sends them: for the type's interface, then for org.freedesktop.systemd1.Unit,
// every property whose EmitsChangedSignal is true with its value and every one that "invalidates" by name (const
// and false ones not at all). A unit no longer loaded sends its states from e.
func (s *Server) changeSignals(e api.Event, last map[string]uint64) [][]any {
	r := &request{ctx: s.ctx, path: unitPath(e.Unit), unit: e.Unit}
	var computed map[string]api.Property
	if st, err := s.core.LoadedUnit(s.ctx, e.Unit); err == nil && st != nil {
		computed, _ = s.unitProperties(r, e.Unit)
	}
	if computed == nil {
		computed = map[string]api.Property{"ActiveState": {Name: "ActiveState", Value: e.Active},
			"SubState": {Name: "SubState", Value: e.Sub}}
	}
	var ifaces []string
	if ti, ok := typeIfaces[unitname.Type(e.Unit)]; ok {
		ifaces = append(ifaces, ti)
	}
	var out [][]any
	for _, iface := range append(ifaces, unitIface) {
		changed, invalidated := map[string]dbus.Variant{}, []string{}
		h := fnv.New64a()
		for _, ps := range systemdSchema()[iface].Props {
			switch ps.Emits {
			case "true":
				if v, ok := propValue(iface, ps, computed, true); ok {
					changed[ps.Name] = v
					fmt.Fprintf(h, "%s=%s;", ps.Name, v.String())
				}
			case "invalidates":
				invalidated = append(invalidated, ps.Name)
			}
		}
		if len(changed) == 0 && len(invalidated) == 0 {
			continue
		}
		key, sum := e.Unit+" "+iface, h.Sum64()
		if prev, ok := last[key]; ok && prev == sum {
			continue
		}
		last[key] = sum
		out = append(out, []any{iface, changed, invalidated})
	}
	return out
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
	}
	return "", "", "", nil
}
