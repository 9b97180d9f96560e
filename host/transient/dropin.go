package transient

import (
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// DropIn is a property of SetUnitProperties (systemctl set-property) as the drop-in systemd writes for it into the
// unit's .d directory: Name is 50-<directive>.conf, Text its content.
type DropIn struct {
	Name, Text string
}

// DropInHeader opens every drop-in of SetUnitProperties, as systemd's.
const DropInHeader = "# This is a drop-in unit file extension, created via \"systemctl set-property\"\n# or an equivalent operation. Do not edit.\n"

// resourceSections are the sections of the unit types that have resource control.
var resourceSections = map[string]string{"service": "Service", "scope": "Scope", "slice": "Slice", "socket": "Socket",
	"mount": "Mount", "swap": "Swap"}

// Settable reports whether SetUnitProperties changes prop on a unit that exists: its Description and its
// resource control, as systemd's bus_unit_set_live_property and bus_cgroup_set_property; every other property
// systemd sets only on a transient unit being made.
func Settable(prop string) bool {
	d, ok := directives[prop]
	return ok && (prop == "Description" || d.group == cgroupGroup)
}

// DropIns writes the drop-ins that set props on the unit name, one per property in their order (a later one of the
// same name replaces an earlier one, as systemd's). A property that is not Settable, or not one of name's type, or
// a bad value, is an InvalidArgument error naming it.
func DropIns(name string, props []Property) ([]DropIn, error) {
	typ := unitname.Type(name)
	var out []DropIn
	for _, p := range props {
		d, ok := directives[p.Name]
		if !ok || !Settable(p.Name) {
			return nil, unknown(p.Name)
		}
		sec := "Unit"
		if d.group != unitGroup {
			if sec, ok = resourceSections[typ]; !ok {
				return nil, notFor(p.Name, typ)
			}
		}
		lines, err := d.lines(p)
		if err != nil {
			return nil, err
		}
		out = append(out, DropIn{
			Name: "50-" + d.keyOf(p.Name) + ".conf",
			Text: DropInHeader + "[" + sec + "]\n" + strings.Join(lines, "\n") + "\n",
		})
	}
	return out, nil
}
