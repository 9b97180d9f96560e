package device

import (
	"fmt"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk"
)

// State is what the host keeps for one device unit between events. The zero value is a device never seen.
type State struct {
	// Sub is systemd's device state: "dead" (or "" before any event) or "plugged".
	Sub string `json:",omitempty"`
	// Syspath is the sysfs path of the device the unit last stood for.
	Syspath string `json:",omitempty"`
}

// Sub-states, systemd's device states (device_state_table). "tentative" (a device the mount table names before
// udev reported it) is not reached: the core feeds device units from udev only (docs/device.md).
const (
	subDead    = "dead"
	subPlugged = "plugged"
)

// tag is the udev tag that makes a device a unit.
const tag = "systemd"

func (st *State) handle(u *sdk.Unit, ev *sdk.Event) error {
	switch e := ev.Kind.(type) {
	case *sdk.EventDeviceChanged:
		if e.Syspath != "" {
			st.Syspath = e.Syspath
		}
		if plugged(e) {
			st.enter(u, subPlugged)
		} else {
			st.enter(u, subDead)
		}
	case *sdk.EventStart:
		// Nothing to do: the job waits until the device is plugged (systemd's job_run: a unit that cannot be
		// started is waited for), bounded by JobRunningTimeoutSec= (90 s for a device unit).
		if st.Sub == subPlugged {
			st.enter(u, subPlugged)
		}
	case *sdk.EventStop:
		// Likewise a stop waits for the device to go; a dead device is stopped at once.
		if st.Sub != subPlugged {
			st.enter(u, subDead)
		}
	case *sdk.EventRecover, *sdk.EventResetFailed, *sdk.EventUnitChanged, *sdk.EventConfigChanged:
		// Nothing to reconcile: the core reads udev's database again after a restart and reports each device.
	default:
		return fmt.Errorf("device: unexpected event %T", ev.Kind)
	}
	return nil
}

// enter sets the sub-state and reports it with the unit's properties.
func (st *State) enter(u *sdk.Unit, sub string) {
	st.Sub = sub
	active := sdk.Inactive
	if sub == subPlugged {
		active = sdk.Active
	}
	u.Report(&sdk.StateReport{Active: active, Sub: sub, Result: "success", Properties: st.properties(u.Name)})
}

// plugged says whether an event leaves the device there and ready for its units (systemd's device_is_ready):
// not removed, tagged "systemd" now, and SYSTEMD_READY= not false. An invalid SYSTEMD_READY= counts as ready,
// as in systemd.
func plugged(e *sdk.EventDeviceChanged) bool {
	if e.Action == "remove" {
		return false
	}
	tags, ok := e.Properties["CURRENT_TAGS"]
	if !ok {
		tags = e.Properties["TAGS"]
	}
	if !strings.Contains(tags, ":"+tag+":") {
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
