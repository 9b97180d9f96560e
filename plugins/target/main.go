// Package target is the unit-type plugin for target units (man systemd.target): units that group others and
// synchronise on them. A target has no processes and no section of its own; it is active from the moment it is
// started until it is stopped.
package target

import "github.com/sysmaster/sysmaster/sdk"

// Type is the unit type this package implements: the image (cmd/sysmaster) serves it as the plugin of its name.
var Type sdk.UnitType = targetType{}
