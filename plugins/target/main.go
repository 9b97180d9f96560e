// Command target is the unit-type plugin for target units (man systemd.target): units that group others and
// synchronise on them. A target has no processes and no section of its own; it is active from the moment it is
// started until it is stopped.
package main

import "github.com/sysmaster/sysmaster/sdk"

func main() { sdk.Serve(targetType{}) }
