package fstab

import (
	"fmt"
	"strings"
)

// tags are the fs_spec forms that name a device by a property, and the /dev/disk directory udev links it in.
var tags = []struct{ prefix, dir string }{
	{"LABEL=", "by-label"}, {"UUID=", "by-uuid"}, {"PARTUUID=", "by-partuuid"}, {"PARTLABEL=", "by-partlabel"}, {"ID=", "by-id"},
}

// Node returns the device node a fs_spec names: "LABEL=root" is "/dev/disk/by-label/root" (with '/', blanks and
// control bytes escaped as udev names the link); anything else is returned unchanged.
func Node(what string) string {
	for _, t := range tags {
		if v, ok := strings.CutPrefix(what, t.prefix); ok {
			v = strings.Trim(v, `"`)
			return "/dev/disk/" + t.dir + "/" + udevEscape(v)
		}
	}
	return what
}

func udevEscape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < ' ' || c >= 127 || c == '\\' || c == '/' || c == ' ' {
			fmt.Fprintf(&b, `\x%02x`, c)
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// IsDevicePath reports a path under /dev/ or /sys/ (with something after the prefix).
func IsDevicePath(p string) bool {
	return strings.HasPrefix(p, "/dev/") && len(p) > 5 || strings.HasPrefix(p, "/sys/") && len(p) > 5
}

// networkTypes are the file systems that need the network (systemd's fstype_is_network).
var networkTypes = map[string]bool{"afs": true, "ceph": true, "cifs": true, "smb3": true, "smbfs": true, "sshfs": true,
	"ncpfs": true, "ncp": true, "nfs": true, "nfs4": true, "gfs": true, "gfs2": true, "glusterfs": true, "pvfs2": true,
	"ocfs2": true, "lustre": true, "davfs": true}

// IsNetwork reports a mount that needs the network: a network file system type ("fuse." and "fuseblk." ones
// by their subtype) or the _netdev option.
func IsNetwork(fstype, opts string) bool {
	if Has(opts, "_netdev") {
		return true
	}
	for _, p := range []string{"fuse.", "fuseblk."} {
		fstype = strings.TrimPrefix(fstype, p)
	}
	return networkTypes[fstype]
}

// apiMounts are the API file systems the core or init mounts itself: fstab lines for them are not units.
var apiMounts = map[string]bool{"/proc": true, "/sys": true, "/dev": true, "/run": true, "/dev/shm": true, "/dev/pts": true,
	"/dev/mqueue": true, "/dev/hugepages": true, "/sys/kernel/security": true, "/sys/fs/cgroup": true, "/sys/fs/pstore": true,
	"/sys/firmware/efi/efivars": true, "/sys/fs/bpf": true, "/sys/kernel/debug": true, "/sys/kernel/tracing": true,
	"/sys/kernel/config": true, "/sys/fs/fuse/connections": true, "/sys/fs/selinux": true, "/dev/console": true,
	"/proc/kmsg": true}

// IsAPI reports a mount point of an API file system (systemd's mount_point_is_api and mount_point_ignore).
func IsAPI(where string) bool {
	return apiMounts[where] || strings.HasPrefix(where, "/sys/fs/cgroup/")
}

// IsExtrinsic reports a mount that lives as long as the system (systemd's fstab_is_extrinsic): the root, /usr,
// /etc, the initrd's /run/initramfs, everything under /proc, /sys and /dev, an x-initrd.mount, and, here, /run
// itself, the tmpfs init mounts, where the core keeps its sockets and state. Such a mount gets no default
// dependencies: it is not stopped at shutdown, where init's final stage makes it read-only if it can.
func IsExtrinsic(where, opts string) bool {
	switch where {
	case "/", "/usr", "/etc", "/run":
		return true
	}
	for _, p := range []string{"/run/initramfs", "/proc", "/sys", "/dev"} {
		if where == p || strings.HasPrefix(where, p+"/") {
			return true
		}
	}
	return Has(opts, "x-initrd.mount")
}
