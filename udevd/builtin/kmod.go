package builtin

import (
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"github.com/sysmaster/sysmaster/udevd/device"
)

func init() {
	register(&Builtin{Name: "kmod", Help: "Kernel module loader", Run: kmod})
}

// modprobe is the program that loads modules (kmod's modprobe, which resolves aliases and honours blacklists).
var modprobe = "modprobe"

// kmod is `kmod load [MODULE…]`: load the named modules or aliases, or without names the device's MODALIAS, as
// systemd's kmod builtin does through libkmod (blacklisted modules are skipped: modprobe -b). In a dry run
// nothing is loaded.
func kmod(ctx context.Context, dev *device.Device, argv []string, test bool) error {
	if len(argv) < 2 || argv[1] != "load" {
		return errors.New("kmod: expected: load [module…]")
	}
	names := argv[2:]
	if len(names) == 0 {
		alias, ok := dev.Property("MODALIAS")
		if !ok || alias == "" {
			return nil
		}
		names = []string{alias}
	}
	if test {
		return nil
	}
	args := append([]string{"-b", "-q", "-a", "--"}, names...)
	out, err := exec.CommandContext(ctx, modprobe, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("kmod: modprobe %s: %v %s", strings.Join(names, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}
