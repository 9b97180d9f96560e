package manager

import (
	"slices"
	"sort"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/condition"
	"github.com/sysmaster/sysmaster/host/devices"
	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// deviceJobTimeout is JobRunningTimeoutSec= of a device unit: systemd times out a job waiting for a device after
// DefaultTimeoutStartSec= (90 s), where jobs of other types wait forever.
const deviceJobTimeout = "90s"

// deviceTracking is the core's view of the devices udev processed: every device tagged "systemd" is a set of
// loaded .device units (its sysfs path's, its node's, each symlink's), and each of its events reaches the device
// plugin as a DeviceChanged event for each of them.
type deviceTracking struct {
	monitor *devices.Monitor
	// names holds the unit names each device stands behind now, by sysfs path; the first is its sysfs unit.
	names map[string][]string
	// declared holds the sections of each device unit a device declares, by unit name.
	declared map[string][]*unitfile.Section
	// found counts, by device unit name and source ("mount", "swap"), the mounts and swaps of the device's node
	// (DeviceFound); byTable is the device unit of each mount point ("mount:/where") or swap ("swap:/what").
	found   map[string]map[string]int
	byTable map[string]string
	// udevComing says that udevd is part of this boot although its control socket is not there yet (udevExpected).
	udevComing bool
}

// udevdUnit is the unit that runs udevd (systemd-udevd.service is an alias of it on a migrated system).
const udevdUnit = "sysmaster-udevd.service"

// trackDevices joins udevd's broadcast, reads udev's database and makes the units of the devices found. It runs
// before the boot transaction (or after a restore), like trackMounts. Without a device plugin nothing is
// tracked.
func (m *Manager) trackDevices() {
	if !m.typeServed("device") {
		return
	}
	mon, err := devices.Watch(func(d *devices.Device) { m.post(func() { m.devicesChanged([]*devices.Device{d}) }) })
	if err != nil {
		m.log.Warn("devices are not tracked", "error", err)
		return
	}
	m.devices.monitor = mon
	m.devices.udevComing = m.udevdWillRun()
	// Joined first, read second: an event between the two comes after what the database said, and is applied
	// after it too.
	found, err := devices.Enumerate(devices.Paths{}, devices.Tag)
	if err != nil {
		m.log.Warn("udev's database could not be read", "error", err)
	}
	m.devicesChanged(found)
	// The units loaded before (a mount's device, or every unit restored after a restart) that no udev device
	// stands behind: the kernel's view when no udevd serves the system, else a unit restored plugged whose
	// device went while no core ran hears that it went (one the mount table or the swaps name stays tentative).
	var rest []*Unit
	for name, u := range m.units {
		if u.ID == name && u.Type == "device" && u.LoadState == unit.Loaded && m.devices.declared[name] == nil {
			rest = append(rest, u)
		}
	}
	sort.Slice(rest, func(i, j int) bool { return rest[i].ID < rest[j].ID })
	udev := m.udevExpected()
	for _, u := range rest {
		if (udev || !m.kernelView(u)) && isUp(u.Active) && len(m.devices.found[u.ID]) == 0 {
			m.send(u, deviceEvent("", "remove", nil))
		}
	}
}

// udevExpected says whether udev serves this system: udevd's control socket is there (libudev's test), or udevd
// is part of this boot and will make it (udevdWillRun, decided when the core started tracking devices). Without
// udev the core gives device units the kernel's view (kernelView).
func (m *Manager) udevExpected() bool {
	return m.devices.udevComing || devices.Running(devices.Paths{})
}

// udevdWillRun says whether udevd's unit loads (not masked, not missing) and its conditions hold now (they do not
// in a container, and a test system is one).
func (m *Manager) udevdWillRun() bool {
	if m.loader == nil {
		return false
	}
	f := m.loader.Read(udevdUnit)
	return f.LoadState == unit.Loaded && condition.Default.Evaluate(f.Unit.Conditions).OK
}

// deviceInTable records that a mount (source "mount", key its mount point) or a swap ("swap", key its path)
// names node now (found) or no longer does, and tells the node's device unit when the first one appears or the
// last one goes (DeviceFound): a device found there before udev reported it is tentative (systemd's
// device_found_node). A node that is not a device node now is not found (systemd's validate_node).
func (m *Manager) deviceInTable(source, key, node string, found bool) {
	if m.devices.found == nil {
		m.devices.found = map[string]map[string]int{}
		m.devices.byTable = map[string]string{}
	}
	if !m.typeServed("device") {
		return
	}
	k := source + ":" + key
	name := ""
	if found && strings.HasPrefix(node, "/dev/") {
		var st unix.Stat_t
		if err := unix.Stat(node, &st); err == nil && (st.Mode&unix.S_IFMT == unix.S_IFBLK || st.Mode&unix.S_IFMT == unix.S_IFCHR) {
			name, _ = unitname.FromPath(node, ".device")
		}
	}
	old := m.devices.byTable[k]
	if old == name {
		return
	}
	if old != "" {
		delete(m.devices.byTable, k)
		if m.devices.found[old][source]--; m.devices.found[old][source] == 0 {
			delete(m.devices.found[old], source)
			if len(m.devices.found[old]) == 0 {
				delete(m.devices.found, old)
			}
			m.sendFound(old, source, false)
		}
	}
	if name == "" {
		return
	}
	m.devices.byTable[k] = name
	if m.devices.found[name] == nil {
		m.devices.found[name] = map[string]int{}
	}
	if m.devices.found[name][source]++; m.devices.found[name][source] == 1 {
		m.sendFound(name, source, true)
	}
}

// sendFound hands a DeviceFound event to the device unit name, loading it first.
func (m *Manager) sendFound(name, source string, found bool) {
	if u := m.load(name); u != nil && u.LoadState == unit.Loaded {
		m.send(u, &pb.Event{Kind: &pb.Event_DeviceFound{DeviceFound: &pb.DeviceFound{Source: source, Found: found}}})
	}
}

// declaredDevice is the loader's question for a unit without a file: a device unit is always there, as in
// systemd: the one of a device udev reported carries its description and wants, any other waits for its device
// (a start job for it runs until the device comes, or times out).
func (m *Manager) declaredDevice(name string) []*unitfile.Section {
	if unitname.Type(name) != "device" {
		return nil
	}
	if secs := m.devices.declared[name]; secs != nil {
		return secs
	}
	return deviceSections("", nil)
}

// devicesChanged brings the device units in line with what udev reported: a device's new names get units, every
// event goes to each of its units, and a name it no longer has hears "remove".
func (m *Manager) devicesChanged(devs []*devices.Device) {
	if m.devices.names == nil {
		m.devices.names = map[string][]string{}
		m.devices.declared = map[string][]*unitfile.Section{}
	}
	type delivery struct {
		name, action string
		props        map[string]string
		syspath      string
	}
	var out []delivery
	var fresh, later []string
	for _, d := range devs {
		old := m.devices.names[d.Syspath]
		var names []string
		switch {
		case d.Action == "remove" || !d.HasTag(devices.Tag):
			delete(m.devices.names, d.Syspath)
		case !d.Ready():
			names = old // nominally there, not ready (SYSTEMD_READY=0): its units go dead, and stay
		default:
			names = d.UnitNames()
			m.devices.names[d.Syspath] = names
		}
		for _, n := range old {
			if !slices.Contains(names, n) {
				// A name the device no longer has (a link dropped, its tag lost): udev no longer reports it
				// there, which a "change" without properties says; only a removal ends the mount table's and
				// the swaps' findings too (systemd's DEVICE_FOUND_UDEV mask, and all bits on "remove").
				delete(m.devices.declared, n)
				act, props := "change", map[string]string(nil)
				if d.Action == "remove" {
					act, props = "remove", d.Properties
				}
				out = append(out, delivery{n, act, props, d.Syspath})
			}
		}
		for i, n := range names {
			secs := deviceSections(d.Description(), nil)
			if i == 0 {
				wants, bad := d.Wants()
				for _, w := range bad {
					m.log.Warn("SYSTEMD_WANTS= names no unit, ignored", "device", d.Syspath, "word", w)
				}
				secs = deviceSections(d.Description(), wants)
				if u := m.units[n]; u != nil && isUp(u.Active) {
					// Plugged already: what it wants now and did not before is started now (systemd's
					// device_add_udev_wants), as its coming would have.
					for _, w := range wants {
						if !slices.Contains(wantsOf(m.devices.declared[n]), w) {
							later = append(later, w)
						}
					}
				}
			}
			changed := !sameSections(m.devices.declared[n], secs)
			m.devices.declared[n] = secs
			switch u := m.units[n]; {
			case u == nil:
				fresh = append(fresh, n)
			case changed && u.Frag != nil && u.Frag.FragmentPath == "":
				m.reread(u) // a stub named before its device came, or a device whose wants changed
			}
			out = append(out, delivery{n, d.Action, d.Properties, d.Syspath})
		}
	}
	m.load(fresh...)
	for _, o := range out {
		if u := m.units[o.name]; u != nil && u.ID == o.name && u.LoadState == unit.Loaded {
			m.send(u, deviceEvent(o.syspath, o.action, o.props))
		}
	}
	for _, w := range later {
		if _, err := m.enqueue(m.load(w), job.Start, job.Fail, false); err != nil {
			m.log.Warn("cannot start what a device wants", "unit", w, "error", err)
		}
	}
}

// wantsOf is the Wants= a device unit's declaration holds.
func wantsOf(secs []*unitfile.Section) []string {
	var w []string
	for _, s := range secs {
		for _, e := range s.Entries {
			if e.Key == "Wants" {
				w = append(w, strings.Fields(e.Value)...)
			}
		}
	}
	return w
}

// deviceEvent is a DeviceChanged event.
func deviceEvent(syspath, action string, props map[string]string) *pb.Event {
	return &pb.Event{Kind: &pb.Event_DeviceChanged{DeviceChanged: &pb.DeviceChanged{
		Syspath: syspath, Action: action, Properties: props}}}
}

// deviceSections are a device unit's [Unit] section as systemd makes it of a udev device: its description, its
// job running timeout and, for the sysfs unit, Wants= on what SYSTEMD_WANTS= names.
func deviceSections(description string, wants []string) []*unitfile.Section {
	const src = "/run/udev"
	s := &unitfile.Section{Name: "Unit", File: src, Entries: []unitfile.Entry{
		{Key: "JobRunningTimeoutSec", Value: deviceJobTimeout, File: src}}}
	if description != "" {
		s.Entries = append(s.Entries, unitfile.Entry{Key: "Description", Value: description, File: src})
	}
	if len(wants) > 0 {
		s.Entries = append(s.Entries, unitfile.Entry{Key: "Wants", Value: strings.Join(wants, " "), File: src})
	}
	return []*unitfile.Section{s}
}

// sameSections compares two declarations.
func sameSections(a, b []*unitfile.Section) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !slices.Equal(a[i].Entries, b[i].Entries) {
			return false
		}
	}
	return true
}

// stopTrackingDevices leaves udevd's broadcast.
func (m *Manager) stopTrackingDevices() {
	if m.devices.monitor != nil {
		m.devices.monitor.Close()
	}
}

// declared answers the loader for a unit without a file: a mount of the mount table, a swap of /proc/swaps, a
// slice, or a device unit.
func (m *Manager) declared(name string) []*unitfile.Section {
	if secs := m.declaredUnit(name); secs != nil {
		return secs
	}
	if secs := declaredSlice(name); secs != nil {
		return secs
	}
	return m.declaredDevice(name)
}

// devicesLoaded gives the device units just loaded that no udev device stands behind the kernel's view, when no
// udevd serves the system (kernelView).
func (m *Manager) devicesLoaded(us []*Unit) {
	if m.devices.monitor == nil || m.udevExpected() {
		return
	}
	for _, u := range us {
		if u.Type == "device" && u.LoadState == unit.Loaded && m.devices.declared[u.ID] == nil {
			m.kernelView(u)
		}
	}
}

// kernelView plugs a device unit whose node or sysfs directory exists, and says whether it did, on a system that
// udev does not serve (not during a boot that runs udevd: there the unit waits for udev's report, tentative if
// the mount table names it). systemd leaves such a unit dead (a job for it, and for a mount of its device,
// waits); here a system without udevd still mounts its disks (docs/device.md).
func (m *Manager) kernelView(u *Unit) bool {
	p, err := unitname.ToPath(u.ID)
	if err != nil {
		return false
	}
	d := devices.Kernel(devices.Paths{}, p)
	if d == nil {
		return false
	}
	m.send(u, deviceEvent(d.Syspath, d.Action, d.Properties))
	return true
}
