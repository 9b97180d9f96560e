// Package device is the device unit type (man systemd.device), built on the public SDK only. The core makes a
// .device unit of every device udev tagged "systemd" (one for its sysfs path, its node and each of its
// symlinks) and hands this plugin each of the device's events; the plugin follows systemd's device states:
// plugged while udev says the device is there and ready (SYSTEMD_READY= not 0), tentative while only the mount
// table or /proc/swaps names it (DeviceFound), dead otherwise. A device unit has no
// process and no section of its own; a start job waits for the device to be plugged, a stop job for it to go.
// The parts are in files named for them: machine (the states), properties (what `sctl show` lists).
package device

import "github.com/sysmaster/sysmaster/sdk"

// stateVersion is the schema of State; bump it when a field changes meaning.
const stateVersion = 1

type deviceType struct{ sdk.Defaults }

// Describe: a device unit is passive (no process); users may start and stop it, and the job waits, as systemd's.
func (deviceType) Describe() sdk.Description {
	return sdk.Description{Type: "device", Version: "1.0.0", StateVersion: stateVersion, Passive: true}
}

// Parse: a device unit has no section of its own and no default dependencies (systemd adds none).
func (deviceType) Parse(*sdk.ParseRequest) *sdk.ParseResult {
	return &sdk.ParseResult{Properties: map[string]string{"SysFSPath": ""}}
}

func (deviceType) Handle(u *sdk.Unit, ev *sdk.Event) error {
	return sdk.HandleJSON(u, func(_ *struct{}, st *State) error {
		return st.handle(u, ev)
	})
}

// Type is the unit type this package implements: the image (cmd/sysmaster) serves it as the plugin of its name.
var Type sdk.UnitType = deviceType{}
