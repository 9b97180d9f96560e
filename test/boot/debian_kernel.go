package boot

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// The Debian kernel has the virtio disk and ext4 as modules, so the Debian guest boots through a small
// initramfs (busybox-static and those modules) that mounts the root disk and hands it to sysmaster's init, as
// Debian's initramfs-tools would. The guest's root gets the modules its devices and units ask for, so that udev
// (ours) loads them on coldplug.

// initrdModules are loaded by the initramfs, in dependency order (modprobe --show-depends resolves the rest).
var initrdModules = []string{"virtio_blk", "crc32c_generic", "ext4"}

// guestModules are installed in the guest's /lib/modules: the network card's driver (loaded by udev's coldplug
// through its modalias) and what Debian's units load by name (modprobe@*.service, systemd-modules-load).
var guestModules = []string{"virtio_net", "virtio_blk", "ext4", "loop", "autofs4", "ip_tables", "fuse", "configfs",
	"dm_mod", "efi_pstore", "qemu_fw_cfg", "evdev", "drm"}

// initramfsInit is the initramfs's /init: load the modules, wait for the root disk, mount it, move the API file
// systems into it and switch to sysmaster's init (the kernel's init= word).
const initramfsInit = `#!/bin/busybox sh
B=/bin/busybox
$B mount -t proc proc /proc
$B mount -t sysfs sysfs /sys
$B mount -t devtmpfs devtmpfs /dev
init=/sbin/init
for a in $($B cat /proc/cmdline); do
	case "$a" in init=*) init=${a#init=} ;; esac
done
for m in $($B cat /modules.order); do
	$B insmod /lib/modules/$m 2>/dev/null # an alternative that does not fit this CPU (crc32c-intel) may fail
done
i=0
while [ ! -b /dev/vda ]; do
	i=$((i+1)); [ $i -gt 2000 ] && { echo "initramfs: no /dev/vda" >/dev/console; exec $B sh; }
	$B usleep 5000
done
$B mount -t ext4 -o rw /dev/vda /newroot || { echo "initramfs: cannot mount /dev/vda" >/dev/console; exec $B sh; }
$B mount -t tmpfs -o nodev,nosuid,size=10%,mode=0755 tmpfs /newroot/run
for d in dev proc sys; do $B mount --move /$d /newroot/$d; done
exec $B switch_root /newroot "$init" "$@"
`

// kernelTree is the unpacked Debian kernel package .ci/boot-deps.sh keeps, and its version; modules.dep is made
// the first time.
func kernelTree() (dir, version string, err error) {
	dir = filepath.Join(bootCache(), "kernel")
	vs, _ := filepath.Glob(filepath.Join(dir, "lib/modules/*"))
	if len(vs) != 1 {
		return "", "", fmt.Errorf("no unpacked kernel in %s (run .ci/boot-deps.sh)", dir)
	}
	version = filepath.Base(vs[0])
	if _, err := os.Stat(filepath.Join(vs[0], "modules.dep")); err != nil {
		if out, err := exec.Command("depmod", "-b", dir, version).CombinedOutput(); err != nil {
			return "", "", fmt.Errorf("depmod: %v\n%s", err, out)
		}
	}
	return dir, version, nil
}

// moduleFiles are the files of the modules and of what they depend on, in load order, relative to the
// kernel's module directory; built-in modules have none.
func moduleFiles(kdir, kver string, names []string) ([]string, error) {
	base := filepath.Join(kdir, "lib/modules", kver) + "/"
	var files []string
	seen := map[string]bool{}
	for _, n := range names {
		out, err := exec.Command("modprobe", "-d", kdir, "-S", kver, "--show-depends", n).CombinedOutput()
		if err != nil {
			return nil, fmt.Errorf("modprobe --show-depends %s: %v\n%s", n, err, out)
		}
		for _, l := range strings.Split(string(out), "\n") {
			f := strings.Fields(l)
			if len(f) < 2 || f[0] != "insmod" {
				continue // "builtin …"
			}
			rel := strings.TrimPrefix(f[1], base)
			if !seen[rel] {
				seen[rel] = true
				files = append(files, rel)
			}
		}
	}
	return files, nil
}

// buildInitramfs writes the initramfs to path: busybox-static, /init and the root disk's modules, decompressed
// (busybox's insmod reads plain .ko files).
func buildInitramfs(path, kdir, kver string) error {
	files, err := moduleFiles(kdir, kver, initrdModules)
	if err != nil {
		return err
	}
	root, err := os.MkdirTemp("", "initramfs-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(root)
	for _, d := range []string{"bin", "dev", "proc", "sys", "newroot", "lib/modules"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			return err
		}
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		return fmt.Errorf("busybox-static is missing (run .ci/boot-deps.sh): %w", err)
	}
	if err := os.WriteFile(filepath.Join(root, "bin/busybox"), bb, 0o755); err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(root, "init"), []byte(initramfsInit), 0o755); err != nil {
		return err
	}
	var order []string
	for _, rel := range files {
		name := strings.TrimSuffix(filepath.Base(rel), ".xz")
		src := filepath.Join(kdir, "lib/modules", kver, rel)
		var ko []byte
		if strings.HasSuffix(rel, ".xz") {
			ko, err = exec.Command("xz", "-dc", src).Output()
		} else {
			ko, err = os.ReadFile(src)
		}
		if err != nil {
			return fmt.Errorf("module %s: %v", rel, err)
		}
		if err := os.WriteFile(filepath.Join(root, "lib/modules", name), ko, 0o644); err != nil {
			return err
		}
		order = append(order, name)
	}
	if err := os.WriteFile(filepath.Join(root, "modules.order"), []byte(strings.Join(order, "\n")+"\n"), 0o644); err != nil {
		return err
	}
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return writeCpio(f, root, []Node{{"dev/console", 0o020000 | 0o600, 5, 1}})
}

// installGuestModules copies guestModules (with what they depend on) into the guest root and runs depmod there.
func installGuestModules(root, kdir, kver string) error {
	files, err := moduleFiles(kdir, kver, guestModules)
	if err != nil {
		return err
	}
	src := filepath.Join(kdir, "lib/modules", kver)
	dst := filepath.Join(root, "lib/modules", kver)
	for _, rel := range append(files, "modules.order", "modules.builtin", "modules.builtin.modinfo") {
		b, err := os.ReadFile(filepath.Join(src, rel))
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dst, rel)), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(dst, rel), b, 0o644); err != nil {
			return err
		}
	}
	if out, err := exec.Command("depmod", "-b", root, kver).CombinedOutput(); err != nil {
		return fmt.Errorf("depmod in the guest root: %v\n%s", err, out)
	}
	return nil
}
