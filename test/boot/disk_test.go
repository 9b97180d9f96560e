package boot

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// diskGuest is the driver of the disk boot: the second disk is mounted from fstab by then; it writes a file there,
// lists /auto, an automount point whose first access bind-mounts a directory of the disk, waits for the idle
// mount to expire and lists it again, kills the core (init starts another, which takes the autofs over: its
// process group is the autofs's daemon now) and lists /auto once more after the expire, which must not wait out
// the mount's timeout (the new core's mount(8) would otherwise be taken for an access that waits), and attaches a loop device to a file on the disk, which keeps the disk busy
// past the ordered stop, so that init's final stage must detach the loop device before it can unmount the disk.
const diskGuest = `#!/bin/sh
i=0
until [ "$(/usr/bin/sctl is-active multi-user.target)" = active ]; do
  i=$((i+1)); [ $i -gt 300 ] && { echo "GUEST: default.target never became active" >/dev/console; exit 1; }
  sleep 0.1
done
echo "GUEST: data.mount $(/usr/bin/sctl show -p SubState --value data.mount), local-fs.target $(/usr/bin/sctl is-active local-fs.target)" >/dev/console
echo "written in the guest" > /data/hello
mkdir -p /data/shared && echo shared > /data/shared/file
echo "GUEST: auto.automount $(/usr/bin/sctl show -p SubState --value auto.automount), auto.mount $(/usr/bin/sctl is-active auto.mount)" >/dev/console
echo "GUEST: ls /auto: $(ls /auto)" >/dev/console
echo "GUEST: after ls auto.mount $(/usr/bin/sctl is-active auto.mount), auto.automount $(/usr/bin/sctl show -p SubState --value auto.automount)" >/dev/console
/usr/bin/sctl list-automounts >/dev/console 2>&1
/usr/bin/sctl list-automounts --no-legend | grep -q '^/data/shared  *[/]auto  *yes  *2s  *auto.automount' && echo "GUEST: list-automounts shows /auto mounted" >/dev/console
i=0
until [ "$(/usr/bin/sctl is-active auto.mount)" = inactive ]; do
  i=$((i+1)); [ $i -gt 200 ] && break
  sleep 0.1
done
echo "GUEST: idle auto.mount $(/usr/bin/sctl is-active auto.mount)" >/dev/console
echo "GUEST: ls /auto again: $(ls /auto)" >/dev/console
i=0
until [ "$(/usr/bin/sctl is-active auto.mount)" = inactive ]; do
  i=$((i+1)); [ $i -gt 200 ] && break
  sleep 0.1
done
old=$(pidof sysmaster)
kill -9 $old
i=0
until new=$(pidof sysmaster) && [ -n "$new" ] && [ "$new" != "$old" ] && [ "$(/usr/bin/sctl is-active auto.automount 2>/dev/null)" = active ]; do
  i=$((i+1)); [ $i -gt 600 ] && break
  sleep 0.1
done
start=$(date +%s)
out=$(ls /auto)
took=$(($(date +%s) - start))
speed=fast; [ $took -lt 20 ] || speed="slow: ${took}s"
echo "GUEST: after a core crash ls /auto: $out ($speed)" >/dev/console
dd if=/dev/zero of=/data/loopfile bs=1k count=1024 2>/dev/null
losetup /dev/loop0 /data/loopfile && echo "GUEST: loop0 on /data/loopfile" >/dev/console
/usr/bin/sctl status data.mount >/dev/console 2>&1
echo "GUEST: poweroff requested" >/dev/console
/usr/bin/sctl poweroff
`

// diskModules are loaded in this order before the disk is mounted (the initramfs has no modprobe): their paths
// under the kernel package's lib/modules/VERSION/kernel, without .ko.xz.
var diskModules = []string{"drivers/block/virtio_blk", "drivers/block/loop", "fs/mbcache", "fs/jbd2/jbd2", "lib/crc16",
	"crypto/crc32c_generic", "fs/ext4/ext4", "fs/autofs/autofs4"}

// The console lines of the disk boot, in order.
var diskMilestones = []string{
	"GUEST: data.mount mounted, local-fs.target active",
	"GUEST: auto.automount waiting, auto.mount inactive",
	"GUEST: ls /auto: file",
	"GUEST: after ls auto.mount active, auto.automount running",
	"GUEST: list-automounts shows /auto mounted",
	"GUEST: idle auto.mount inactive",
	"GUEST: ls /auto again: file",
	"GUEST: after a core crash ls /auto: file (fast)",
	"GUEST: loop0 on /data/loopfile",
	"GUEST: poweroff requested",
	"Reached target poweroff.target - System Power Off.",
	"sysmaster-init: final stage: poweroff",
	"sysmaster-init: detached /dev/loop0 (/data/loopfile)",
	"sysmaster-init: unmounted /data",
	"sysmaster-init: all file systems unmounted, swaps off, loop devices detached",
	"reboot: Power down",
}

// TestBootSecondDisk boots with a second virtio disk holding ext4, which /etc/fstab mounts at /data through the
// fstab generator's unit; the guest writes to it and powers off. The file system is clean afterwards (e2fsck -fn:
// no error, no journal to recover) and holds what was written.
func TestBootSecondDisk(t *testing.T) {
	t.Parallel()
	k := kernel(t)
	// .ci/boot-deps.sh unpacks the kernel's package beside vmlinuz.
	mods, _ := filepath.Glob(filepath.Join(filepath.Dir(k), "kernel/lib/modules/*/kernel"))
	if len(mods) != 1 {
		t.Fatalf("no modules of the kernel under %s: run .ci/boot-deps.sh", filepath.Dir(k))
	}
	dir := t.TempDir()
	disk := filepath.Join(dir, "data.img")
	for _, c := range [][]string{{"truncate", "-s", "64M", disk}, {"mkfs.ext4", "-q", "-F", "-L", "sysmaster-data", disk}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	root := filepath.Join(dir, "root")
	if err := buildRootfs(root, diskGuest); err != nil {
		t.Fatal(err)
	}
	if err := addDiskParts(root, mods[0]); err != nil {
		t.Fatal(err)
	}
	initrd := filepath.Join(dir, "initrd.cpio")
	f, err := os.Create(initrd)
	if err != nil {
		t.Fatal(err)
	}
	if err := writeCpio(f, root, []Node{{"dev/console", 0o020000 | 0o600, 5, 1}, {"dev/null", 0o020000 | 0o666, 1, 3}}); err != nil {
		t.Fatal(err)
	}
	f.Close()

	// TCG on a shared machine: the boot alone has taken from 40 to 160 s.
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Second)
	defer cancel()
	v, err := boot(ctx, k, initrd, "console=ttyS0 panic=-1 quiet rdinit=/usr/lib/sysmaster/init",
		"-drive", "file="+disk+",format=raw,if=virtio")
	if err != nil {
		t.Fatalf("qemu: %v", err)
	}
	defer v.logConsoleIfFailed(t, 8000)
	v.passMilestones(ctx, t, diskMilestones)
	select {
	case <-v.done:
	case <-ctx.Done():
		t.Fatal("the guest powered off but qemu did not exit")
	}
	if out, err := exec.Command("e2fsck", "-fn", disk).CombinedOutput(); err != nil {
		t.Errorf("e2fsck -fn: %v\n%s", err, out)
	}
	if got, err := exec.Command("debugfs", "-R", "cat /hello", disk).Output(); err != nil || string(got) != "written in the guest\n" {
		t.Errorf("/hello on the disk holds %q (%v)", got, err)
	}
}

// addDiskParts adds what the disk boot needs to the root built by buildRootfs: util-linux mount and umount with
// their libraries (the mount plugin uses their options, which busybox lacks), a few busybox applets more, the
// modules with a unit that loads them and waits for the disk, and the fstab line.
func addDiskParts(root, mods string) error {
	for _, a := range []string{"dd", "losetup", "insmod", "pidof", "kill", "date"} {
		if err := os.Symlink("busybox", filepath.Join(root, "bin", a)); err != nil {
			return err
		}
	}
	for _, bin := range []string{"/bin/mount", "/bin/umount"} {
		if err := copyDynamic(root, bin); err != nil {
			return err
		}
	}
	modDir := filepath.Join(root, "usr/lib/sysmaster-test/modules")
	if err := os.MkdirAll(modDir, 0o755); err != nil {
		return err
	}
	var names []string
	for _, m := range diskModules {
		// busybox's insmod reads no compressed module.
		b, err := exec.Command("xz", "-dc", filepath.Join(mods, m+".ko.xz")).Output()
		if err != nil {
			return fmt.Errorf("module %s: %w", m, err)
		}
		name := filepath.Base(m)
		if err := os.WriteFile(filepath.Join(modDir, name+".ko"), b, 0o644); err != nil {
			return err
		}
		names = append(names, name)
	}
	load := "[Unit]\nDescription=Load the disk test's modules\nDefaultDependencies=no\nWants=local-fs-pre.target\nBefore=local-fs-pre.target\n\n" +
		"[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c 'for m in " + strings.Join(names, " ") +
		"; do insmod /usr/lib/sysmaster-test/modules/$m.ko || exit 1; done; i=0; " +
		"until [ -b /dev/vda ]; do i=$((i+1)); [ $i -gt 100 ] && exit 1; sleep 0.1; done'\n"
	files := map[string]string{
		"etc/sysmaster/system/load-modules.service": load,
		"etc/fstab": "# the second disk, and a directory of it behind an automount\n" +
			"/dev/vda /data ext4 noatime,x-systemd.requires=load-modules.service 0 0\n" +
			"/data/shared /auto none bind,x-systemd.automount,x-systemd.idle-timeout=2s,x-systemd.requires-mounts-for=/data 0 0\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// copyDynamic copies the executable bin into root at the same path, replacing what is there, with the shared
// libraries and the dynamic loader ldd names.
func copyDynamic(root, bin string) error {
	out, err := exec.Command("ldd", bin).Output()
	if err != nil {
		return fmt.Errorf("ldd %s: %w", bin, err)
	}
	files := []string{bin}
	for _, line := range strings.Split(string(out), "\n") {
		for _, f := range strings.Fields(line) {
			if strings.HasPrefix(f, "/") {
				files = append(files, f)
			}
		}
	}
	for _, f := range files {
		dst := filepath.Join(root, f)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		os.Remove(dst) // a busybox link
		if err := copyFile(f, dst, 0o755); err != nil {
			return err
		}
	}
	return nil
}

func copyFile(src, dst string, perm os.FileMode) error {
	b, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, b, perm)
}
