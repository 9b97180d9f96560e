package boot

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// kexecGuest is the first boot's driver: once the system is up, sctl kexec loads the boot loader entry's kernel
// (the ESP is /boot, a plain directory in the initramfs: SYSTEMD_RELAX_ESP_CHECKS) and the system goes down
// through kexec.target into it.
const kexecGuest = `#!/bin/sh
i=0
until [ "$(/usr/bin/sctl is-active multi-user.target)" = active ]; do
  i=$((i+1)); [ $i -gt 300 ] && { echo "GUEST: default.target never became active" >/dev/console; exit 1; }
  sleep 0.1
done
echo "GUEST: kexec requested" >/dev/console
SYSTEMD_ESP_PATH=/boot SYSTEMD_RELAX_ESP_CHECKS=1 /usr/bin/sctl kexec >/dev/console 2>&1 || echo "GUEST: sctl kexec failed" >/dev/console
`

// kexecInit is the kexec'd kernel's whole userspace: it says so and powers off.
const kexecInit = `#!/bin/busybox sh
/bin/busybox mount -t proc proc /proc
echo "GUEST2: kexec boot: $(/bin/busybox cat /proc/cmdline)" >/dev/console
/bin/busybox poweroff -f
`

// kexecCmdline is the boot loader entry's options, which the second kernel must show.
const kexecCmdline = "console=ttyS0 panic=-1 quiet rdinit=/init sysmaster.kexec=1"

var kexecMilestones = []string{
	"Reached target multi-user.target - Multi-User System.",
	"GUEST: kexec requested",
	`Running /sbin/kexec --load "/boot/vmlinuz" --append "` + kexecCmdline + `" --initrd "/boot/initrd2.cpio"`,
	"Reached target kexec.target - Reboot via kexec.",
	"sysmaster-init: final stage: kexec",
	"GUEST2: kexec boot: " + kexecCmdline,
}

// TestBootKexec: sctl kexec in a booted guest loads the default Boot Loader Specification entry's kernel and
// initrd (kexec_file_load through a static stand-in for kexec-tools, which the initramfs cannot run), and init
// executes it: the second kernel boots with the entry's command line.
func TestBootKexec(t *testing.T) {
	t.Parallel()
	k := kernel(t)
	dir := t.TempDir()
	// The second kernel's initramfs: busybox and an init that reports and powers off.
	second := filepath.Join(dir, "second")
	for _, d := range []string{"bin", "proc", "dev"} {
		if err := os.MkdirAll(filepath.Join(second, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	bb, err := os.ReadFile("/bin/busybox")
	if err != nil {
		t.Fatalf("busybox-static is missing (run .ci/boot-deps.sh): %v", err)
	}
	if err := os.WriteFile(filepath.Join(second, "bin/busybox"), bb, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(second, "init"), []byte(kexecInit), 0o755); err != nil {
		t.Fatal(err)
	}
	root := filepath.Join(dir, "root")
	if err := buildRootfs(root, kexecGuest); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"boot/loader/entries", "sbin"} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	cpio := func(path, tree string) {
		t.Helper()
		f, err := os.Create(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := writeCpio(f, tree, []Node{{"dev/console", 0o020000 | 0o600, 5, 1}, {"dev/null", 0o020000 | 0o666, 1, 3}}); err != nil {
			t.Fatal(err)
		}
	}
	cpio(filepath.Join(root, "boot/initrd2.cpio"), second)
	kb, err := os.ReadFile(k)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		"boot/vmlinuz":                     string(kb),
		"boot/loader/loader.conf":          "default kexec-*\n",
		"boot/loader/entries/kexec-a.conf": "title kexec test\nlinux /vmlinuz\ninitrd /initrd2.cpio\noptions " + kexecCmdline + "\n",
		"boot/loader/entries/other.conf":   "title not the default\nlinux /nonexistent\n",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(root, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	build := exec.Command("go", "build", "-o", filepath.Join(root, "sbin/kexec"), "./test/boot/testdata/kexec")
	build.Dir = repoRoot()
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the kexec stand-in: %v\n%s", err, out)
	}
	initrd := filepath.Join(dir, "initrd.cpio")
	cpio(initrd, root)

	ctx, cancel := context.WithTimeout(context.Background(), 180*time.Second)
	defer cancel()
	v, err := boot(ctx, k, initrd, "console=ttyS0 panic=-1 quiet rdinit=/usr/lib/sysmaster/init")
	if err != nil {
		t.Fatalf("qemu: %v", err)
	}
	defer v.logConsoleIfFailed(t, 6000)
	v.passMilestones(ctx, t, kexecMilestones)
	select {
	case <-v.done:
		t.Logf("%6.2fs  qemu exited", time.Since(v.started).Seconds())
	case <-ctx.Done():
		t.Fatal("the kexec'd guest powered off but qemu did not exit")
	}
	if strings.Contains(v.Console(), "GUEST: sctl kexec failed") {
		t.Error("sctl kexec failed in the guest")
	}
}
