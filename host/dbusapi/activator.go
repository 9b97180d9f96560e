package dbusapi

import (
	"fmt"

	"github.com/godbus/dbus/v5"

	"github.com/sysmaster/sysmaster/host/job"
)

// D-Bus activation through units (man systemd.service, BusName=; dbus-daemon's SystemdService=): when a client
// calls a name nobody owns and whose activation file names a unit, dbus-daemon sends the owner of
// org.freedesktop.systemd1 the signal org.freedesktop.systemd1.Activator.ActivationRequest(s unit). The core starts
// the unit (mode replace, as a manual start: RefuseManualStart= refuses it); when that cannot be done it answers
// with the signal ActivationFailure(s unit, s error_name, s message) to org.freedesktop.DBus, and dbus-daemon fails
// the waiting calls with that error at once instead of at its activation timeout.
//
// systemd sends ActivationFailure only when the job cannot be enqueued; here a start job that ends other than
// done (the service failed, its dependency did) is reported too, for the same reason.

const activatorIface = "org.freedesktop.systemd1.Activator"

func init() {
	handleBusSignal(activatorIface, "ActivationRequest", func(s *Server, m *dbus.Message) {
		if c := s.bus.conn(); c != nil && isActivationRequest(m) {
			s.activationRequest(c, m)
		}
	})
}

// isActivationRequest reports whether m is dbus-daemon's ActivationRequest.
func isActivationRequest(m *dbus.Message) bool {
	h := func(f dbus.HeaderField) any {
		v, ok := m.Headers[f]
		if !ok {
			return nil
		}
		return v.Value()
	}
	return h(dbus.FieldInterface) == activatorIface && h(dbus.FieldMember) == "ActivationRequest" &&
		h(dbus.FieldSender) == "org.freedesktop.DBus"
}

// activationRequest starts the unit of an ActivationRequest that came on the bus connection c.
func (s *Server) activationRequest(c *conn, m *dbus.Message) {
	if len(m.Body) != 1 {
		return
	}
	name, ok := m.Body[0].(string)
	if !ok {
		return
	}
	r := &request{ctx: s.ctx, c: c, msg: m}
	jobs, err := s.enqueueJobs(r, name, "start", "replace")
	if err == nil {
		err = s.waitStarted(r, name, jobs[0].ID)
	}
	if err != nil {
		s.log.Info("D-Bus activation failed", "unit", name, "error", err)
		s.activationFailure(c, name, err)
	}
}

// waitStarted waits for the start job id of name and returns an error unless it is done.
func (s *Server) waitStarted(r *request, name string, id uint64) error {
	waits, err := s.core.WaitJobs(r.ctx, []uint64{id})
	if err != nil || len(waits) != 1 {
		return err
	}
	res := job.Result(waits[0].Result)
	if waits[0].Done != nil {
		select {
		case res = <-waits[0].Done:
		case <-r.ctx.Done():
			return nil
		}
	}
	if res == job.Done {
		return nil
	}
	return newError(errFailed, fmt.Sprintf("Unit %s failed to start: job %s.", name, res))
}

// activationFailure tells dbus-daemon that the activation of name failed with err.
func (s *Server) activationFailure(c *conn, name string, err error) {
	errName, text := errorName(err)
	msg := &dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:        dbus.MakeVariant(dbus.ObjectPath("/org/freedesktop/DBus")),
		dbus.FieldInterface:   dbus.MakeVariant(activatorIface),
		dbus.FieldMember:      dbus.MakeVariant("ActivationFailure"),
		dbus.FieldDestination: dbus.MakeVariant("org.freedesktop.DBus"),
	}, Body: []any{name, errName, text}}
	msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(msg.Body...))
	if _, err := c.send(msg); err != nil {
		s.log.Warn("cannot report a failed D-Bus activation", "unit", name, "error", err)
	}
}

// conn is the bus connection, nil while there is none.
func (b *busLink) conn() *conn {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.c
}
