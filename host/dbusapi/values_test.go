package dbusapi

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/host/api"
)

// Properties in systemd's types, from what `sctl show` computes: the raw values of timestamps, spans, numbers and
// booleans, and texts parsed back.
func TestBusValue(t *testing.T) {
	for _, c := range []struct {
		sig  string
		p    api.Property
		want any
	}{
		{"t", api.Property{Name: "ActiveEnterTimestamp", Value: "Mon 2026-12-07 18:00:00 UTC", Raw: uint64(1796752800000001)}, uint64(1796752800000001)},
		{"t", api.Property{Name: "TimeoutStartUSec", Value: "1min 30s"}, uint64(90_000_000)},
		{"t", api.Property{Name: "MemoryLimit", Value: "infinity"}, uint64(math.MaxUint64)},
		{"u", api.Property{Name: "MainPID", Value: "1234"}, uint32(1234)},
		{"u", api.Property{Name: "NRestarts", Value: "0"}, uint32(0)},
		{"i", api.Property{Name: "ExecMainStatus", Value: "-1"}, int32(-1)},
		{"b", api.Property{Name: "CanStart", Value: "yes", Raw: true}, true},
		{"b", api.Property{Name: "Transient", Value: "no"}, false},
		{"as", api.Property{Name: "Wants", Value: "a.service b.service"}, []string{"a.service", "b.service"}},
		{"as", api.Property{Name: "Wants", Value: ""}, []string{}},
		{"as", api.Property{Name: "Documentation", Value: `"man:x(1)" "https://a b"`}, []string{"man:x(1)", "https://a b"}},
		{"as", api.Property{Name: "Environment", Value: "A=1 B=x y", Raw: []string{"A=1", "B=x y"}}, []string{"A=1", "B=x y"}},
		{"s", api.Property{Name: "Id", Value: "x.service"}, "x.service"},
		{"t", api.Property{Name: "StartLimitIntervalUSec", Value: "10s", Raw: uint64(10_000_000)}, uint64(10_000_000)},
	} {
		got, ok := busValue(c.sig, c.p)
		if !ok || !reflect.DeepEqual(got, c.want) {
			t.Errorf("busValue(%s, %s=%q) = %#v %v, want %#v", c.sig, c.p.Name, c.p.Value, got, ok, c.want)
		}
	}
	for _, c := range []struct {
		sig string
		p   api.Property
	}{
		{"u", api.Property{Name: "MainPID", Value: "many"}},
		{"a(sasbttttuii)", api.Property{Name: "ExecStart", Value: "{ path=/bin/true ; argv[]=/bin/true }"}},
		{"b", api.Property{Name: "CanStart", Value: "perhaps"}},
	} {
		if got, ok := busValue(c.sig, c.p); ok {
			t.Errorf("busValue(%s, %s=%q) = %#v, want it left out", c.sig, c.p.Name, c.p.Value, got)
		}
	}
}

// Every interface the package serves is in systemd's schema, with the properties systemctl status reads.
func TestSchema(t *testing.T) {
	ifaces := []string{managerIface, unitIface, jobIface}
	for _, ti := range typeIfaces {
		ifaces = append(ifaces, ti)
	}
	for _, i := range ifaces {
		if systemdSchema()[i] == nil {
			t.Errorf("interface %s not in interfaces.xml", i)
		}
	}
	for iface, props := range map[string]map[string]string{
		unitIface:                          {"ActiveEnterTimestamp": "t", "LoadError": "(ss)", "Job": "(uo)", "Names": "as"},
		"org.freedesktop.systemd1.Service": {"ExecMainPID": "u", "NRestarts": "u", "MainPID": "u", "ExecMainStatus": "i"},
		managerIface:                       {"NNames": "u", "Environment": "as", "FinishTimestamp": "t"},
	} {
		for name, sig := range props {
			if p, ok := systemdSchema()[iface].prop(name); !ok || p.Type != sig {
				t.Errorf("%s.%s: %+v %v, want type %s", iface, name, p, ok, sig)
			}
		}
	}
}

// TestHandlersAreSystemdMethods: every method a file registers (handle) is a method of systemd's interfaces.
func TestHandlersAreSystemdMethods(t *testing.T) {
	if len(handlers) == 0 {
		t.Fatal("no handler registered")
	}
	for key := range handlers {
		i := strings.LastIndex(key, ".")
		iface, member := key[:i], key[i+1:]
		if is := systemdSchema()[iface]; is == nil || !hasMethod(is, member) {
			t.Errorf("%s is not a method of systemd's interfaces", key)
		}
	}
	for _, ti := range typeIfaces {
		if hasMethod(systemdSchema()[ti], "GetProcesses") {
			if _, ok := handlers[ti+".GetProcesses"]; !ok {
				t.Errorf("%s.GetProcesses has no handler (processTypes)", ti)
			}
		}
	}
}
