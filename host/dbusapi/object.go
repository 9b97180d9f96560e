package dbusapi

import (
	"fmt"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/godbus/dbus/v5"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// The interface names.
const (
	managerIface    = "org.freedesktop.systemd1.Manager"
	unitIface       = "org.freedesktop.systemd1.Unit"
	jobIface        = "org.freedesktop.systemd1.Job"
	propertiesIface = "org.freedesktop.DBus.Properties"
	introspectIface = "org.freedesktop.DBus.Introspectable"
	peerIface       = "org.freedesktop.DBus.Peer"
	logControlIface = "org.freedesktop.LogControl1"
)

// typeIfaces is the interface of each unit type's own properties.
var typeIfaces = map[string]string{
	"service": "org.freedesktop.systemd1.Service", "socket": "org.freedesktop.systemd1.Socket",
	"target": "org.freedesktop.systemd1.Target", "mount": "org.freedesktop.systemd1.Mount",
	"timer": "org.freedesktop.systemd1.Timer", "path": "org.freedesktop.systemd1.Path",
	"slice": "org.freedesktop.systemd1.Slice", "scope": "org.freedesktop.systemd1.Scope",
	"device": "org.freedesktop.systemd1.Device", "swap": "org.freedesktop.systemd1.Swap",
	"automount": "org.freedesktop.systemd1.Automount",
}

var standardIfaces = []string{propertiesIface, introspectIface, peerIface}

// object is what a path names: the manager, a unit, a job, or a node on the way to them.
type object struct {
	ifaces   []string
	children func() []string // the child nodes Introspect lists
}

func (o object) has(iface string) bool {
	for _, i := range o.ifaces {
		if i == iface {
			return true
		}
	}
	return false
}

// ifaceOf is the interface of the object that has member, for a call that names none.
func (o object) ifaceOf(member string) string {
	for _, i := range o.ifaces {
		if hasMethod(systemdSchema()[i], member) {
			return i
		}
	}
	return ""
}

// object resolves r's path, setting r.unit or r.job.
func (s *Server) object(r *request) (object, error) {
	p := r.path
	switch p {
	case managerPath:
		return object{ifaces: append([]string{managerIface}, standardIfaces...),
			children: func() []string { return []string{"unit", "job"} }}, nil
	case "/":
		return node("org"), nil
	case "/org":
		return node("freedesktop"), nil
	case "/org/freedesktop":
		return object{ifaces: []string{introspectIface, peerIface}, children: func() []string { return []string{"LogControl1", "systemd1"} }}, nil
	case logControlPath:
		return object{ifaces: append([]string{logControlIface}, standardIfaces...)}, nil
	case dbus.ObjectPath(unitPrefix[:len(unitPrefix)-1]):
		return object{ifaces: []string{introspectIface, peerIface}, children: func() []string {
			units, _ := s.core.ListUnits(r.ctx, api.UnitFilter{All: true})
			out := make([]string, len(units))
			for i, u := range units {
				out[i] = escapeLabel(u.Name)
			}
			return out
		}}, nil
	case dbus.ObjectPath(jobPrefix[:len(jobPrefix)-1]):
		return object{ifaces: []string{introspectIface, peerIface}, children: func() []string {
			jobs, _ := s.core.ListJobs(r.ctx)
			out := make([]string, len(jobs))
			for i, j := range jobs {
				out[i] = strconv.FormatUint(j.ID, 10)
			}
			return out
		}}, nil
	}
	if name, ok := unitOfPath(p); ok {
		if name == "self" { // the caller's own unit, as systemd resolves unit/self (systemd-run --scope asks it)
			self, err := s.core.UnitByPID(r.ctx, r.c.peerPid(r))
			if err != nil {
				return object{}, newError(errUnknownObject, fmt.Sprintf("The caller is in no unit: %v", err))
			}
			name = self
		}
		if !unitname.Valid(name) {
			return object{}, newError(errUnknownObject, fmt.Sprintf("Unit name %s is not valid.", name))
		}
		r.unit = name
		ifaces := []string{unitIface}
		if ti, ok := typeIfaces[unitname.Type(name)]; ok {
			ifaces = append(ifaces, ti)
		}
		return object{ifaces: append(ifaces, standardIfaces...)}, nil
	}
	if id, ok := jobOfPath(p); ok {
		if _, err := s.jobInfo(r, id); err != nil {
			return object{}, err
		}
		r.job = id
		return object{ifaces: append([]string{jobIface}, standardIfaces...)}, nil
	}
	return object{}, newError(errUnknownObject, fmt.Sprintf("Unknown object '%s'.", p))
}

func node(child string) object {
	return object{ifaces: []string{introspectIface, peerIface}, children: func() []string { return []string{child} }}
}

// jobInfo finds job id; NoSuchJob when it is not installed.
func (s *Server) jobInfo(r *request, id uint64) (api.JobInfo, error) {
	jobs, err := s.core.ListJobs(r.ctx)
	if err != nil {
		return api.JobInfo{}, err
	}
	for _, j := range jobs {
		if j.ID == id {
			return j, nil
		}
	}
	return api.JobInfo{}, newError(errNoSuchJob, fmt.Sprintf("Job %d does not exist.", id))
}

func init() {
	handle(introspectIface, "Introspect", false, (*Server).introspect)
	handle(peerIface, "Ping", false, func(*Server, *request) ([]any, error) { return nil, nil })
	handle(peerIface, "GetMachineId", false, func(*Server, *request) ([]any, error) {
		b, err := os.ReadFile("/etc/machine-id")
		if err != nil {
			return nil, newError(errFailed, "Cannot read the machine ID: "+err.Error())
		}
		return []any{strings.TrimSpace(string(b))}, nil
	})
	handle(propertiesIface, "Get", false, (*Server).getProperty)
	handle(propertiesIface, "GetAll", false, (*Server).getAllProperties)
	handle(propertiesIface, "Set", true, (*Server).setProperty)
}

const introspectHeader = `<!DOCTYPE node PUBLIC "-//freedesktop//DTD D-BUS Object Introspection 1.0//EN"
"http://www.freedesktop.org/standards/dbus/1.0/introspect.dtd">
<node>
`

func (s *Server) introspect(r *request) ([]any, error) {
	obj, err := s.object(r)
	if err != nil {
		return nil, err
	}
	var b strings.Builder
	b.WriteString(introspectHeader)
	for _, i := range obj.ifaces {
		b.WriteString(systemdSchema()[i].xml)
	}
	if obj.children != nil {
		for _, c := range obj.children() {
			fmt.Fprintf(&b, " <node name=\"%s\"/>\n", c)
		}
	}
	b.WriteString("</node>\n")
	return []any{b.String()}, nil
}

func (s *Server) getProperty(r *request) ([]any, error) {
	iface, name := r.args[0].(string), r.args[1].(string)
	if v, ok, err := s.statusProperty(r, iface, name); ok || err != nil {
		return []any{v}, err
	}
	all, err := s.properties(r, iface, name)
	if err != nil {
		return nil, err
	}
	v, ok := all[name]
	if !ok {
		return nil, newError(errUnknownProp, fmt.Sprintf("Unknown property %s.%s, or one sysmaster does not have.", iface, name))
	}
	return []any{v}, nil
}

func (s *Server) getAllProperties(r *request) ([]any, error) {
	all, err := s.properties(r, r.args[0].(string), "")
	if err != nil {
		return nil, err
	}
	return []any{all}, nil
}

func (s *Server) setProperty(r *request) ([]any, error) {
	iface, name := r.args[0].(string), r.args[1].(string)
	obj, err := s.object(r)
	if err != nil {
		return nil, err
	}
	if !obj.has(iface) {
		return nil, newError(errUnknownIface, fmt.Sprintf("Unknown interface %s.", iface))
	}
	if p, ok := systemdSchema()[iface].prop(name); !ok {
		return nil, newError(errUnknownProp, fmt.Sprintf("Unknown property %s.%s.", iface, name))
	} else if !p.Write {
		return nil, newError(errPropReadOnly, fmt.Sprintf("Property %s.%s is read-only.", iface, name))
	}
	if iface == managerIface && r.path == managerPath || iface == logControlIface {
		return nil, s.setManagerOption(r, name, r.args[2].(dbus.Variant))
	}
	return nil, newError(errNotSupported, fmt.Sprintf("Setting %s.%s is not supported by sysmaster.", iface, name))
}

// properties are the properties of r's object in iface (every interface for ""), by name; only the one named
// only when it is not "".
func (s *Server) properties(r *request, iface, only string) (map[string]dbus.Variant, error) {
	obj, err := s.object(r)
	if err != nil {
		return nil, err
	}
	ifaces := []string{iface}
	if iface == "" {
		ifaces = obj.ifaces
	} else if !obj.has(iface) {
		return nil, newError(errUnknownIface, fmt.Sprintf("Unknown interface %s.", iface))
	}
	var computed map[string]api.Property
	switch {
	case r.job != 0:
		computed, err = s.jobProperties(r)
	case r.unit != "":
		computed, err = s.unitProperties(r, r.unit)
	case r.path == managerPath || r.path == logControlPath:
		computed, err = s.managerProperties(r)
	}
	if err != nil {
		return nil, err
	}
	out := map[string]dbus.Variant{}
	for _, i := range ifaces {
		is := systemdSchema()[i]
		for _, ps := range is.Props {
			if only != "" && ps.Name != only {
				continue
			}
			if v, ok := propValue(i, ps, computed, r.unit != ""); ok {
				out[ps.Name] = v
			}
		}
	}
	return out, nil
}

// propValue is the property ps of interface iface: its value in computed, typed as systemd declares it, or, for
// a unit, systemd's value of an unset property (defaults.go).
func propValue(iface string, ps propSchema, computed map[string]api.Property, isUnit bool) (dbus.Variant, bool) {
	if p, ok := computed[ps.Name]; ok {
		if v, ok := typed(ps, p); ok {
			return dbus.MakeVariantWithSignature(v, dbus.ParseSignatureMust(ps.Type)), true
		}
	}
	if !isUnit {
		return dbus.Variant{}, false
	}
	if v, ok := defaultValue(iface, ps); ok {
		return dbus.MakeVariantWithSignature(v, dbus.ParseSignatureMust(ps.Type)), true
	}
	return dbus.Variant{}, false
}

// statusProperty answers Get of a state a loaded unit's list-units line holds (what clients poll most: a Get of
// ActiveState), from the same fields as `sctl show` but without computing the unit's every property. ok is
// false for another property, or a unit not loaded.
func (s *Server) statusProperty(r *request, iface, name string) (dbus.Variant, bool, error) {
	if iface != unitIface || r.unit == "" {
		return dbus.Variant{}, false, nil
	}
	var pick func(*api.UnitStatus) string
	switch name {
	case "Id":
		pick = func(st *api.UnitStatus) string { return st.Name }
	case "Description":
		pick = func(st *api.UnitStatus) string { return st.Description }
	case "LoadState":
		pick = func(st *api.UnitStatus) string { return st.LoadState }
	case "ActiveState":
		pick = func(st *api.UnitStatus) string { return st.ActiveState }
	case "SubState":
		pick = func(st *api.UnitStatus) string { return st.SubState }
	default:
		return dbus.Variant{}, false, nil
	}
	st, err := s.core.LoadedUnit(r.ctx, r.unit)
	if err != nil || st == nil {
		return dbus.Variant{}, false, err
	}
	return dbus.MakeVariant(pick(st)), true, nil
}

// typed is p in its schema's type: the structures systemctl reads are built here, the rest by busValue.
func typed(ps propSchema, p api.Property) (any, bool) {
	if v, ok := p.Raw.(structValue); ok {
		return v.v, true
	}
	if v, ok := structured(ps.Type, p.Raw); ok { // structs.go
		return v, true
	}
	switch ps.Type {
	case "(ss)": // LoadError: the error's name and text, or two empty strings
		if p.Value == "" {
			return struct{ A, B string }{}, true
		}
		return struct{ A, B string }{errLoadFailed, p.Value}, true
	case "(uo)": // Job: its id and path, or 0 and "/"
		id, _, _ := strings.Cut(p.Value, " ")
		n, err := strconv.ParseUint(id, 10, 32)
		if err != nil || n == 0 {
			return struct {
				ID   uint32
				Path dbus.ObjectPath
			}{0, "/"}, true
		}
		return struct {
			ID   uint32
			Path dbus.ObjectPath
		}{uint32(n), jobPath(n)}, true
	}
	return busValue(ps.Type, p)
}

// structValue is a Raw value already in its D-Bus form.
type structValue struct{ v any }

// unitProperties are the unit's properties as `sctl show` computes them.
func (s *Server) unitProperties(r *request, name string) (map[string]api.Property, error) {
	units, _, err := s.core.Show(r.ctx, []string{name})
	if err != nil {
		return nil, err
	}
	out := map[string]api.Property{}
	if len(units) == 0 {
		return out, nil
	}
	for _, p := range units[0].Properties {
		out[p.Name] = p
	}
	if lp, ok := out["LoadError"]; ok && lp.Value != "" {
		lp.Raw = structValue{struct{ A, B string }{loadErrorName(out["LoadState"].Value), lp.Value}}
		out["LoadError"] = lp
	}
	out["Following"] = api.Property{Name: "Following"}
	return out, nil
}

// loadErrorName is the D-Bus error a unit's LoadError carries, by its load state.
func loadErrorName(state string) string {
	switch state {
	case "not-found":
		return errNoSuchUnit
	case "masked":
		return errUnitMasked
	}
	return errLoadFailed
}

func (s *Server) jobProperties(r *request) (map[string]api.Property, error) {
	j, err := s.jobInfo(r, r.job)
	if err != nil {
		return nil, err
	}
	return map[string]api.Property{
		"Id": {Name: "Id", Raw: int64(j.ID)},
		"Unit": {Name: "Unit", Raw: structValue{struct {
			Name string
			Path dbus.ObjectPath
		}{j.Unit, unitPath(j.Unit)}}},
		"JobType":           {Name: "JobType", Value: j.Type},
		"State":             {Name: "State", Value: j.State},
		"ActivationDetails": {Name: "ActivationDetails", Raw: structValue{[]struct{ A, B string }{}}},
	}, nil
}

// sortedKeys returns m's keys in order (for stable output in tests and logs).
func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
