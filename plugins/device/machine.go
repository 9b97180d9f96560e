package device

import (
	"fmt"
	"slices"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk"
)

// State is what the host keeps for one device unit between events. The zero value is a device never seen.
type State struct {
	// Sub is systemd's device state: "dead" (or "" before any event), "tentative" or "plugged". Plugged means
	// udev reported the device (systemd's DEVICE_FOUND_UDEV).
	Sub string `json:",omitempty"`
	// Syspath is the sysfs path of the device the unit last stood for.
	Syspath string `json:",omitempty"`
	// Found lists where else the device is named now: "mount" (the mount table), "swap" (/proc/swaps).
	Found []string `json:",omitempty"`
}

// Sub-states, systemd's device states (device_state_table): plugged once udev reported the device, tentative
// while only the mount table or /proc/swaps names it, dead otherwise.
const (
	subDead      = "dead"
	subTentative = "tentative"
	subPlugged   = "plugged"
)

// tag is the udev tag that makes a device a unit.
const tag = "systemd"

func (st *State) handle(u *sdk.Unit, ev *sdk.Event) error {
	switch e := ev.Kind.(type) {
	case *sdk.EventDeviceChanged:
		if e.Syspath != "" {
			st.Syspath = e.Syspath
		}
		if e.Action == "remove" {
			// Gone for good: the mount table's and the swaps' findings end with it (systemd's device_dispatch_io
			// clears every found bit on "remove").
			st.Found = nil
		}
		st.enter(u, st.sub(plugged(e)))
	case *sdk.EventDeviceFound:
		st.Found = slices.DeleteFunc(st.Found, func(s string) bool { return s == e.Source })
		if e.Found {
			st.Found = append(st.Found, e.Source)
			slices.Sort(st.Found)
		}
		st.enter(u, st.sub(st.Sub == subPlugged))
	case *sdk.EventStart:
		// Nothing to do: the job waits until the device is plugged (systemd's job_run: a unit that cannot be
		// started is waited for), bounded by JobRunningTimeoutSec= (90 s for a device unit). A tentative device
		// is waited for too: it is activating.
		if st.Sub == subPlugged {
			st.enter(u, subPlugged)
		}
	case *sdk.EventStop:
		// Likewise a stop waits for the device to go; a dead device is stopped at once.
		if st.Sub != subPlugged && st.Sub != subTentative {
			st.enter(u, subDead)
		}
	case *sdk.EventRecover, *sdk.EventResetFailed, *sdk.EventUnitChanged, *sdk.EventConfigChanged:
		// Nothing to reconcile: the core reads udev's database and the mount table again after a restart and
		// reports each device.
	default:
		return fmt.Errorf("device: unexpected event %T", ev.Kind)
	}
	return nil
}

// sub is the state of a device udev reports (or not) and the mount table or the swaps name (or not): systemd's
// device_update_found_one.
func (st *State) sub(udev bool) string {
	switch {
	case udev:
		return subPlugged
	case len(st.Found) > 0:
		return subTentative
	}
	return subDead
}

// enter sets the sub-state and reports it with the unit's properties.
func (st *State) enter(u *sdk.Unit, sub string) {
	st.Sub = sub
	active := sdk.Inactive
	switch sub {
	case subPlugged:
		active = sdk.Active
	case subTentative:
		active = sdk.Activating
	}
	u.Report(&sdk.StateReport{Active: active, Sub: sub, Result: "success", Properties: st.properties(u.Name)})
}

// plugged says whether an event leaves the device there and ready for its units (systemd's device_is_ready):
// not removed, tagged "systemd" now (a current tag), and SYSTEMD_READY= not false. An invalid SYSTEMD_READY= counts as ready,
// as in systemd.
func plugged(e *sdk.EventDeviceChanged) bool {
	if e.Action == "remove" {
		return false
	}
	// CURRENT_TAGS only: TAGS also lists the tags of earlier events, and udevd (systemd-udevd since 247) sends
	// CURRENT_TAGS whenever the device has a current tag.
	if !strings.Contains(e.Properties["CURRENT_TAGS"], ":"+tag+":") {
		return false
	}
	switch strings.ToLower(e.Properties["SYSTEMD_READY"]) {
	case "0", "no", "n", "false", "f", "off":
		return false
	}
	return true
}

// properties are what `sctl show` lists of a device unit: SysFSPath=, and Following= for a unit that follows the
// one of its sysfs path (a node's or a symlink's), as systemd's device_following.
func (st *State) properties(name string) map[string]string {
	p := map[string]string{"SysFSPath": st.Syspath}
	p["Following"] = ""
	if main, err := unitname.FromPath(st.Syspath, ".device"); err == nil && st.Syspath != "" && main != name {
		p["Following"] = main
	}
	return p
}
