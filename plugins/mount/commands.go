package mount

import (
	"fmt"

	"github.com/sysmaster/sysmaster/pkg/fstab"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// The control commands, util-linux's, as systemd runs them.
const (
	mountPath  = "/bin/mount"
	umountPath = "/bin/umount"
)

// Phases of a mount's control commands; each has one command (spawn id "PHASE/0").
const (
	phaseMount   = "mount"
	phaseRemount = "remount"
	phaseUnmount = "unmount"
)

// commands returns the command line of a phase, as systemd's mount_enter_mounting, mount_enter_remounting and
// mount_enter_unmounting build them. The fstab options that only say how a unit is wired (nofail, noauto, auto)
// are not handed to mount. mount creates Where= (and its missing parents) with DirectoryMode= through
// X-mount.mkdir, where systemd creates it itself.
func (c *Config) commands(phase string) []exec.Command {
	var argv []string
	path := mountPath
	opts := fstab.Filter(c.Options, "nofail", "noauto", "auto")
	switch phase {
	case phaseMount:
		argv = []string{"mount", c.What, c.Where, fmt.Sprintf("--mkdir=%04o", c.DirectoryMode)}
	case phaseRemount:
		o := "remount"
		if opts != "" {
			o += "," + opts
		}
		argv, opts = []string{"mount", c.What, c.Where, "-o", o}, ""
	case phaseUnmount:
		path, argv = umountPath, []string{"umount", c.Where, "-c"}
		if c.LazyUnmount {
			argv = append(argv, "-l")
		}
		if c.ForceUnmount {
			argv = append(argv, "-f")
		}
		return []exec.Command{{Path: path, Argv: argv, NoExpand: true}}
	default:
		return nil
	}
	if c.SloppyOptions {
		argv = append(argv, "-s")
	}
	if c.ReadWriteOnly {
		argv = append(argv, "-w")
	}
	if c.Type != "" {
		argv = append(argv, "-t", c.Type)
	}
	if opts != "" {
		argv = append(argv, "-o", opts)
	}
	return []exec.Command{{Path: path, Argv: argv, NoExpand: true}}
}
