package mount

import (
	"github.com/sysmaster/sysmaster/pkg/fstab"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk"
)

// addDependencies adds systemd.mount's implicit and default dependencies (systemd's mount_add_extras). The
// mounts of Where='s parents are the host's to add (it knows which exist): it treats a mount unit's parent
// directory as RequiresMountsFor= does.
//
// fromFile tells a unit from a file from one the host made of the mount table.
func addDependencies(res *sdk.ParseResult, c *Config, fromFile bool) {
	if dev := c.device(); dev != "" {
		if name, err := unitname.FromPath(dev, ".device"); err == nil {
			// A mount from a unit file follows its device: when the device goes, the mount is stopped. One
			// found in the mount table only requires it (another tool may have mounted it from another device
			// of the same name), as systemd's mount_is_bound_to_device says.
			kind := "Requires"
			if fromFile || fstab.Has(c.Options, "x-systemd.device-bound") {
				kind = "BindsTo"
			}
			res.AddImplicit(kind, name)
			res.AddImplicit("After", name)
		}
	}
	if fstab.IsExtrinsic(c.Where, c.Options) {
		// Mounted for the whole life of the system (or by the initrd, or an API file system): no default
		// dependencies, so not stopped at shutdown, as in systemd.
		return
	}
	target, pre := "local-fs.target", "local-fs-pre.target"
	if fstab.IsNetwork(c.Type, c.Options) {
		res.AddDefault("After", "network.target")
		res.AddDefault("Wants", "network-online.target")
		res.AddDefault("After", "network-online.target")
		target, pre = "remote-fs.target", "remote-fs-pre.target"
	}
	if !fstab.YesNo(c.Options, "nofail", "fail") {
		res.AddDefault("Before", target)
	}
	res.AddDefault("After", pre)
	res.AddDefault("Conflicts", "umount.target")
	res.AddDefault("Before", "umount.target")
	if c.Type == "tmpfs" {
		// A tmpfs may hold swapped-out pages: it goes before the swaps do.
		res.AddDefault("After", "swap.target")
	}
}
