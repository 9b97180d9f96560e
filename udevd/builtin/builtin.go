// Package builtin holds udevd's built-in commands, the programs rules call with IMPORT{builtin}="name args" and
// RUN{builtin}="name args". A builtin reads its Device and adds properties to it.
//
// Names lists every builtin systemd-udevd 252 knows, so that rules naming one load without error; Lookup finds
// the ones implemented here. Running one that is known but not implemented fails with ErrNotImplemented, which
// the rule engine logs and treats as a failed import.
package builtin

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/sysmaster/sysmaster/udevd/device"
)

// ErrNotImplemented is returned for a builtin udevd 252 has and this udevd does not.
var ErrNotImplemented = errors.New("builtin: not implemented")

// Func runs a builtin on dev. argv[0] is the builtin's name. test is true in a dry run (`devctl test`): the builtin
// must not change the system (load modules, rename links).
type Func func(ctx context.Context, dev *device.Device, argv []string, test bool) error

// Builtin is one built-in command.
type Builtin struct {
	Name string
	Help string
	// RunOnce builtins run once per event; a second IMPORT returns the first result.
	RunOnce bool
	Run     Func
}

// Names are the builtins of systemd-udevd 252.
var Names = []string{"blkid", "btrfs", "hwdb", "input_id", "keyboard", "kmod", "net_id", "net_setup_link",
	"path_id", "uaccess", "usb_id"}

var runOnce = map[string]bool{"blkid": true, "input_id": true, "net_id": true, "net_setup_link": true,
	"path_id": true, "usb_id": true}

var registry = map[string]*Builtin{}

func register(b *Builtin) {
	b.RunOnce = runOnce[b.Name]
	registry[b.Name] = b
}

// Known says whether name is a builtin of udevd 252 (implemented here or not).
func Known(name string) bool { return slices.Contains(Names, name) }

// Lookup returns the builtin called name. A known but unimplemented builtin comes back with a Run that fails with
// ErrNotImplemented; an unknown name gives false.
func Lookup(name string) (*Builtin, bool) {
	if b, ok := registry[name]; ok {
		return b, true
	}
	if !Known(name) {
		return nil, false
	}
	return &Builtin{Name: name, RunOnce: runOnce[name], Run: func(context.Context, *device.Device, []string, bool) error {
		return fmt.Errorf("%s: %w", name, ErrNotImplemented)
	}}, true
}

// Implemented lists the builtins this udevd carries out, sorted.
func Implemented() []string {
	var n []string
	for k := range registry {
		n = append(n, k)
	}
	slices.Sort(n)
	return n
}
