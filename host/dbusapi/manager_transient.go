package dbusapi

import (
	"fmt"

	"github.com/godbus/dbus/v5"

	"github.com/sysmaster/sysmaster/host/transient"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// The Manager's methods that make units at run time and hand processes to them (docs/transient.md), and the
// Scope object's Abandon.

const (
	scopeIface         = "org.freedesktop.systemd1.Scope"
	errUnitExists      = "org.freedesktop.systemd1.UnitExists"
	errScopeNotRunning = "org.freedesktop.systemd1.ScopeNotRunning"
)

func init() {
	handle(managerIface, "StartTransientUnit", true, (*Server).startTransientUnit)
	handle(managerIface, "AttachProcessesToUnit", true, func(s *Server, r *request) ([]any, error) {
		name, err := checkName(r.args[0].(string))
		if err != nil {
			return nil, err
		}
		return nil, s.core.AttachProcesses(r.ctx, name, r.args[1].(string), s.resolvePids(r, r.args[2].([]uint32)))
	})
	handle(managerIface, "AbandonScope", true, func(s *Server, r *request) ([]any, error) {
		name, err := checkName(r.args[0].(string))
		if err != nil {
			return nil, err
		}
		return nil, abandonError(s.core.AbandonScope(r.ctx, name))
	})
	handle(managerIface, "SetUnitProperties", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.setUnitProperties(r, r.args[0].(string), r.args[1].(bool), r.args[2])
	})
	handle(unitIface, "SetProperties", true, func(s *Server, r *request) ([]any, error) {
		return nil, s.setUnitProperties(r, r.unit, r.args[0].(bool), r.args[1])
	})
	handle(scopeIface, "Abandon", true, func(s *Server, r *request) ([]any, error) {
		return nil, abandonError(s.core.AbandonScope(r.ctx, r.unit))
	})
}

// wireProperty is one (sv) of StartTransientUnit's a(sv).
type wireProperty struct {
	Name  string
	Value dbus.Variant
}

// wireAux is one (sa(sv)) of its auxiliary units.
type wireAux struct {
	Name       string
	Properties []wireProperty
}

// startTransientUnit is StartTransientUnit(s name, s mode, a(sv) properties, a(sa(sv)) aux) → o job.
func (s *Server) startTransientUnit(r *request) ([]any, error) {
	name, err := checkName(r.args[0].(string))
	if err != nil {
		return nil, err
	}
	mode, err := jobMode(r.args[1].(string))
	if err != nil {
		return nil, err
	}
	var props []wireProperty
	var aux []wireAux
	if err := dbus.Store(r.args[2:4], &props, &aux); err != nil {
		return nil, newError(errInvalidArgs, "Invalid properties: "+err.Error())
	}
	main, err := s.transientProperties(r, props)
	if err != nil {
		return nil, err
	}
	var auxUnits []transient.Aux
	for _, a := range aux {
		if _, err := checkName(a.Name); err != nil {
			return nil, err
		}
		p, err := s.transientProperties(r, a.Properties)
		if err != nil {
			return nil, err
		}
		auxUnits = append(auxUnits, transient.Aux{Name: a.Name, Properties: p})
	}
	j, err := s.core.StartTransient(r.ctx, name, mode, main, auxUnits)
	if errdefs.IsAlreadyExists(err) {
		return nil, newError(errUnitExists, err.Error())
	}
	if err != nil {
		return nil, err
	}
	return []any{jobPath(j.ID)}, nil
}

// transientProperties converts the properties to the Go types of their D-Bus signatures (package transient);
// a signature no property has is an InvalidArgs error naming the property. PID 0 in PIDs is the caller.
func (s *Server) transientProperties(r *request, props []wireProperty) ([]transient.Property, error) {
	out := make([]transient.Property, 0, len(props))
	for _, p := range props {
		v, err := propertyValue(p.Value)
		if err != nil {
			return nil, newError(errInvalidArgs, fmt.Sprintf("Cannot set property %s: %v", p.Name, err))
		}
		if pids, ok := v.([]uint32); ok && p.Name == "PIDs" {
			v = s.resolvePids(r, pids)
		}
		out = append(out, transient.Property{Name: p.Name, Value: v})
	}
	return out, nil
}

// setUnitProperties is SetUnitProperties(s name, b runtime, a(sv) properties): systemctl set-property. A property
// that cannot be set on a unit that exists, or is unknown, is refused as systemd refuses it (PropertyReadOnly,
// naming it); a value of the wrong type is InvalidArgs.
func (s *Server) setUnitProperties(r *request, name string, runtime bool, arg any) error {
	if _, err := checkName(name); err != nil {
		return err
	}
	var props []wireProperty
	if err := dbus.Store([]any{arg}, &props); err != nil {
		return newError(errInvalidArgs, "Invalid properties: "+err.Error())
	}
	for _, p := range props {
		if !transient.Settable(p.Name) {
			return newError(errPropReadOnly, fmt.Sprintf("Cannot set property %s, or unknown property.", p.Name))
		}
	}
	tp, err := s.transientProperties(r, props)
	if err != nil {
		return err
	}
	return s.core.SetUnitProperties(r.ctx, name, runtime, tp)
}

// resolvePids replaces PID 0 by the caller's pid, as systemd does.
func (s *Server) resolvePids(r *request, pids []uint32) []uint32 {
	out := make([]uint32, len(pids))
	for i, pid := range pids {
		if pid == 0 {
			pid = uint32(r.c.peerPid(r))
		}
		out[i] = pid
	}
	return out
}

// propertyValue is v's value as package transient takes it.
func propertyValue(v dbus.Variant) (any, error) {
	x := []any{v.Value()}
	switch sig := v.Signature().String(); sig {
	case "s", "b", "i", "u", "x", "t", "as", "au":
		return v.Value(), nil
	case "a(sasb)":
		var l []struct {
			Path   string
			Argv   []string
			Ignore bool
		}
		if err := dbus.Store(x, &l); err != nil {
			return nil, err
		}
		out := make([]transient.ExecCommand, len(l))
		for i, c := range l {
			out[i] = transient.ExecCommand{Path: c.Path, Argv: c.Argv, IgnoreFailure: c.Ignore}
		}
		return out, nil
	case "a(st)":
		var l []transient.TimerSpan
		err := dbus.Store(x, &l)
		return l, err
	case "a(ss)":
		var l []transient.CalendarSpec
		err := dbus.Store(x, &l)
		return l, err
	case "a(sb)":
		var l []transient.EnvironmentFile
		err := dbus.Store(x, &l)
		return l, err
	default:
		return nil, fmt.Errorf("values of type %q are not supported", sig)
	}
}

// abandonError names AbandonScope's refusals as systemd does.
func abandonError(err error) error {
	if err != nil && errdefs.IsFailedPrecondition(err) {
		return newError(errScopeNotRunning, err.Error())
	}
	return err
}
