package boot

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// guest is the driver the boot-test unit runs inside the VM; its lines start with "GUEST:".
const guest = `#!/bin/sh
i=0
until [ "$(/usr/bin/sctl is-active multi-user.target)" = active ]; do
  i=$((i+1)); [ $i -gt 300 ] && { echo "GUEST: default.target never became active" >/dev/console; exit 1; }
  sleep 0.1
done
echo "GUEST: default.target active" >/dev/console
echo "GUEST: random-seed $(/usr/bin/sctl is-active sysmaster-random-seed.service) $(stat -c '%s %a' /var/lib/sysmaster/random-seed)" >/dev/console
i=0
until [ "$(/usr/bin/sctl is-active boot-svc.service)" = active ]; do
  i=$((i+1)); [ $i -gt 100 ] && break
  sleep 0.1
done
cg=$(/usr/bin/sctl show -p ControlGroup --value boot-svc.service)
echo "GUEST: service $(/usr/bin/sctl is-active boot-svc.service) in $cg pids.max=$(cat /sys/fs/cgroup$cg/pids.max) memory.max=$(cat /sys/fs/cgroup$cg/memory.max)" >/dev/console
/usr/bin/sctl status boot-svc.service >/dev/console 2>&1
/usr/bin/sctl list-units --no-legend >/dev/console 2>&1
/usr/bin/sctl list-plugins >/dev/console 2>&1
echo "GUEST: udevd $(/usr/bin/sctl is-active sysmaster-udevd.service) coldplug $(/usr/bin/sctl is-active sysmaster-udev-trigger.service) uevent socket $(/usr/bin/sctl is-active sysmaster-udevd-kernel.socket)" >/dev/console
echo "GUEST: init is pid $(cat /proc/1/comm)" >/dev/console
echo "GUEST: poweroff requested" >/dev/console
/usr/bin/sctl poweroff
`

// The console lines the boot must show, in order.
var milestones = []string{
	"Reached target multi-user.target - Multi-User System.",
	"GUEST: default.target active",
	// random-seed is a boot service, enabled by default: it loaded the seed and saved a fresh one.
	"GUEST: random-seed active 512 600",
	// On the pure cgroup v2 hierarchy of a real boot, with the limits applied.
	"GUEST: service active in /system.slice/boot-svc.service pids.max=16 memory.max=67108864",
	"sh: svc up",
	// udevd runs at boot, with the kernel's uevent socket the core holds, and the coldplug ran.
	"GUEST: udevd active coldplug active uevent socket active",
	"GUEST: poweroff requested",
	"Stopped sysmaster-random-seed.service - Load/Save Random Seed.", // its ExecStop= saved the seed
	"Reached target poweroff.target - System Power Off.",
	"sysmaster-init: final stage: poweroff",
	"reboot: Power down",
}

func kernel(t testing.TB) string {
	cache := os.Getenv("SYSMASTER_BOOT_CACHE")
	if cache == "" {
		cache = "/var/cache/sysmaster-boot"
	}
	k := filepath.Join(cache, "vmlinuz")
	if _, err := os.Stat(k); err != nil {
		t.Fatalf("no kernel at %s: run .ci/boot-deps.sh", k)
	}
	return k
}

// TestBootSysmaster boots a Debian kernel with sysmaster as PID 1, lets the guest reach default.target, and
// powers it off from inside with sctl; qemu must end by itself.
func TestBootSysmaster(t *testing.T) {
	t.Parallel()
	k := kernel(t)
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	if err := buildRootfs(root, guest); err != nil {
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

	ctx, cancel := context.WithTimeout(context.Background(), 150*time.Second)
	defer cancel()
	v, err := boot(ctx, k, initrd, "console=ttyS0 panic=-1 quiet rdinit=/usr/lib/sysmaster/init")
	if err != nil {
		t.Fatalf("qemu: %v", err)
	}
	defer v.logConsoleIfFailed(t, 6000)
	v.passMilestones(ctx, t, milestones)
	select {
	case <-v.done:
		if v.err != nil {
			t.Fatalf("qemu ended with %v", v.err)
		}
		t.Logf("%6.2fs  qemu exited", time.Since(v.started).Seconds())
	case <-ctx.Done():
		t.Fatal("the guest powered off but qemu did not exit")
	}
	con := v.Console()
	if !strings.Contains(con, "GUEST: init is pid init") {
		t.Errorf("PID 1 of the guest is not sysmaster's init")
	}
	for _, u := range []string{"multi-user.target", "basic.target", "sysinit.target", "boot-test.run"} {
		if !strings.Contains(con, u) {
			t.Errorf("sctl list-units in the guest did not show %s", u)
		}
	}
}
