package dbusapi

import (
	"reflect"
	"testing"

	"github.com/godbus/dbus/v5"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/pkg/execprop"
)

// Every default is a property of systemd's schema and converts to its declared type (godbus then sends it in
// that signature); every property of a unit's interfaces has one.
func TestDefaultsMatchTheSchema(t *testing.T) {
	n := 0
	for iface, props := range systemdDefaults() {
		is := systemdSchema()[iface]
		if is == nil {
			t.Errorf("defaults.txt: unknown interface %s", iface)
			continue
		}
		for name := range props {
			ps, ok := is.prop(name)
			if !ok {
				t.Errorf("defaults.txt: %s has no property %s", iface, name)
				continue
			}
			v, ok := defaultValue(iface, ps)
			if !ok {
				t.Errorf("defaults.txt: %s.%s does not read as %s", iface, name, ps.Type)
				continue
			}
			if got := dbus.SignatureOf(v).String(); got != ps.Type {
				t.Errorf("%s.%s: default of type %s, declared %s", iface, name, got, ps.Type)
			}
			n++
		}
	}
	for _, iface := range append([]string{unitIface}, sortedValues(typeIfaces)...) {
		for _, ps := range systemdSchema()[iface].Props {
			if _, ok := systemdDefaults()[iface][ps.Name]; !ok {
				t.Errorf("no default for %s.%s", iface, ps.Name)
			}
		}
	}
	if n < 1000 {
		t.Errorf("only %d defaults", n)
	}
}

func sortedValues(m map[string]string) []string {
	var out []string
	for _, k := range sortedKeys(m) {
		out = append(out, m[k])
	}
	return out
}

// The structures host/api computes go out in the declared types, field for field.
func TestStructured(t *testing.T) {
	cmds := api.ExecCommands{{Command: execprop.Command{Path: "/bin/true", Argv: []string{"/bin/true"}, Flags: []string{"ignore-failure"}},
		Status: execprop.Status{StartRealtime: 5, Pid: 7, Code: 1, Status: 3}}}
	for sig, want := range map[string]any{
		"a(sasbttttuii)":  []execCommand{{"/bin/true", []string{"/bin/true"}, true, 5, 0, 0, 0, 7, 1, 3}},
		"a(sasasttttuii)": []execCommandEx{{"/bin/true", []string{"/bin/true"}, []string{"ignore-failure"}, 5, 0, 0, 0, 7, 1, 3}},
	} {
		got, ok := structured(sig, cmds)
		if !ok || !reflect.DeepEqual(got, want) || dbus.SignatureOf(got).String() != sig {
			t.Errorf("structured(%s) = %#v %v", sig, got, ok)
		}
	}
	for sig, raw := range map[string]any{
		"a(sbbsi)": api.Conditions{{Type: "ConditionPathExists", Negate: true, Param: "/x", State: -1}},
		"a(ss)":    api.Addresses{{"Stream", "/run/a"}},
		"a(stt)":   api.MonotonicTimers{{Base: "OnActiveUSec", USec: 1, NextUSec: 2}},
		"a(sst)":   api.CalendarTimers{{Base: "OnCalendar", Spec: "daily", NextUSec: 3}},
	} {
		got, ok := structured(sig, raw)
		if !ok || dbus.SignatureOf(got).String() != sig || reflect.ValueOf(got).Len() != 1 {
			t.Errorf("structured(%s, %#v) = %#v %v", sig, raw, got, ok)
		}
	}
	if _, ok := structured("a(ss)", cmds); ok {
		t.Errorf("commands sent as a(ss)")
	}
}

// The EmitsChangedSignal annotations are read from interfaces.xml; a property without one emits its value.
func TestSchemaEmits(t *testing.T) {
	for _, c := range []struct{ iface, prop, want string }{
		{unitIface, "ActiveState", "true"}, {unitIface, "Id", "const"}, {unitIface, "Following", "false"},
		{unitIface, "Conditions", "invalidates"}, {typeIfaces["service"], "ExecStart", "invalidates"},
		{typeIfaces["service"], "MainPID", "true"}, {typeIfaces["service"], "Type", "const"},
	} {
		ps, ok := systemdSchema()[c.iface].prop(c.prop)
		if !ok || ps.Emits != c.want {
			t.Errorf("%s.%s emits %q, want %q", c.iface, c.prop, ps.Emits, c.want)
		}
	}
}
