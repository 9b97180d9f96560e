package main

import (
	"os"

	"github.com/sysmaster/sysmaster/cmd/fstab-generator"
	"github.com/sysmaster/sysmaster/cmd/initctl"
	"github.com/sysmaster/sysmaster/cmd/sctl/cli"
	"github.com/sysmaster/sysmaster/cmd/sysmaster-migrate"
	"github.com/sysmaster/sysmaster/cmd/udevd"
	"github.com/sysmaster/sysmaster/cmd/update-utmp"
	"github.com/sysmaster/sysmaster/plugins/automount"
	"github.com/sysmaster/sysmaster/plugins/device"
	"github.com/sysmaster/sysmaster/plugins/mount"
	"github.com/sysmaster/sysmaster/plugins/path"
	"github.com/sysmaster/sysmaster/plugins/scope"
	"github.com/sysmaster/sysmaster/plugins/service"
	"github.com/sysmaster/sysmaster/plugins/slice"
	"github.com/sysmaster/sysmaster/plugins/socket"
	"github.com/sysmaster/sysmaster/plugins/swap"
	"github.com/sysmaster/sysmaster/plugins/target"
	"github.com/sysmaster/sysmaster/plugins/timer"
	"github.com/sysmaster/sysmaster/random-seed"
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/udevd/adm"
)

// plugins are the built-in unit types, each served by a process of its own run from
// /usr/lib/sysmaster/plugins/<type>. A third-party type is a binary of its own, built on the SDK alone.
var plugins = map[string]sdk.UnitType{
	"automount": automount.Type,
	"device":    device.Type,
	"mount":     mount.Type,
	"path":      path.Type,
	"scope":     scope.Type,
	"service":   service.Type,
	"slice":     slice.Type,
	"socket":    socket.Type,
	"swap":      swap.Type,
	"target":    target.Type,
	"timer":     timer.Type,
}

// commands are the other programs of the image, by the names make install gives them.
var commands = map[string]func(){
	"sctl":                      sctl,
	"poweroff":                  sctl,
	"reboot":                    sctl,
	"halt":                      sctl,
	"devctl":                    func() { os.Exit(adm.Main(os.Args[1:])) },
	"udevd":                     udevd.Main,
	"initctl":                   initctl.Main,
	"update-utmp":               updateutmp.Main,
	"sysmaster-migrate":         sysmastermigrate.Main,
	"sysmaster-fstab-generator": fstabgenerator.Main,
	"random-seed":               randomseed.Main,
}

// sctl is sysmaster's systemctl; as poweroff, reboot or halt it does that.
func sctl() { os.Exit(cli.Main(os.Args, os.Stdout, os.Stderr)) }
