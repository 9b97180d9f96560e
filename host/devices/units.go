package devices

import (
	"slices"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// Tag is the tag that makes a device a unit (udev's 99-systemd.rules sets it).
const Tag = "systemd"

// Ready reports whether the device makes its units plugged (systemd's device_is_ready): it is tagged "systemd"
// and SYSTEMD_READY= is not false.
func (d *Device) Ready() bool {
	if d.Action == "remove" || !d.HasTag(Tag) {
		return false
	}
	v, ok := d.Properties["SYSTEMD_READY"]
	if !ok {
		return true
	}
	b, err := parseBool(v)
	return err != nil || b // an invalid value counts as ready, as in systemd
}

// UnitNames are the device units the device stands behind (systemd's device_setup_units): the unit of its sysfs
// path first (the one the others follow), then those of its node, of each symlink and of each SYSTEMD_ALIAS=
// path, each once. A path no unit name can hold is left out.
func (d *Device) UnitNames() []string {
	paths := append([]string{d.Syspath, d.Devnode}, d.Links...)
	paths = append(paths, strings.Fields(d.Properties["SYSTEMD_ALIAS"])...)
	var names []string
	for _, p := range paths {
		if !strings.HasPrefix(p, "/") {
			continue // SYSTEMD_ALIAS= takes absolute paths only
		}
		n, err := unitname.FromPath(p, ".device")
		if err != nil || slices.Contains(names, n) {
			continue
		}
		names = append(names, n)
	}
	return names
}

// Wants are the units SYSTEMD_WANTS= names (systemd's device_add_udev_wants): each word mangled to a unit name
// (".service" added when it has no type), a template instantiated with the escaped sysfs path. Words that make
// no unit name are returned in bad.
func (d *Device) Wants() (wants, bad []string) {
	inst, _ := unitname.EscapePath(d.Syspath)
	for _, w := range strings.Fields(d.Properties["SYSTEMD_WANTS"]) {
		n, _, err := unitname.Mangle(w, ".service", false)
		if err == nil && unitname.IsTemplate(n) {
			n, err = unitname.Instantiate(n, inst)
		}
		if err != nil {
			bad = append(bad, w)
			continue
		}
		if !slices.Contains(wants, n) {
			wants = append(wants, n)
		}
	}
	return wants, bad
}

// Description is what systemd calls the device's units (device_update_description): its model and, for a
// block device, its label or partition name or number; else its sysfs path.
func (d *Device) Description() string {
	model := d.Properties["ID_MODEL_FROM_DATABASE"]
	if model == "" {
		model = d.Properties["ID_MODEL"]
	}
	if model == "" {
		return d.Syspath
	}
	if d.Properties["SUBSYSTEM"] == "block" {
		for _, k := range []string{"ID_FS_LABEL", "ID_PART_ENTRY_NAME", "ID_PART_ENTRY_NUMBER"} {
			if l := d.Properties[k]; l != "" {
				return model + " " + l
			}
		}
	}
	return model
}

// parseBool reads systemd's booleans.
func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "yes", "y", "true", "t", "on":
		return true, nil
	case "0", "no", "n", "false", "f", "off":
		return false, nil
	}
	return false, errInvalidBool
}
