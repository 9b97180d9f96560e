// Package service is the service unit type (man systemd.service), built on the public SDK only. It is a state
// machine: the host spawns, signals, reaps and times; this plugin decides what comes next (machine.go and the
// files named for its parts: start, stop, exit, notify, timeout, restart).
package service

import "github.com/sysmaster/sysmaster/sdk"

// Type is the unit type this package implements: the image (cmd/sysmaster) serves it as the plugin of its name.
var Type sdk.UnitType = serviceType{}
