package boot

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

// ansi matches the terminal control sequences bash writes around its prompt (bracketed paste on and off).
var ansi = regexp.MustCompile("\x1b\\[[0-9;?]*[a-zA-Z]")

// debianGuest is a Debian bookworm root with sysmaster installed and migrated, as an ext4 disk image, with the
// initramfs that mounts it; key is the private half of root's ssh key.
type debianGuest struct {
	kernel, initrd, disk, key string
	migration                 string // sysmaster-migrate's output
}

// buildDebianGuest makes the guest; customize, when not nil, changes the root before it is migrated and imaged.
func buildDebianGuest(t testing.TB, customize func(root string)) *debianGuest {
	t.Helper()
	g := &debianGuest{kernel: kernel(t)}
	kdir, kver, err := kernelTree()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	root := filepath.Join(dir, "root")
	start := time.Now()
	if err := debianTree(root); err != nil {
		t.Fatal(err)
	}
	t.Logf("Debian tree ready in %.1fs", time.Since(start).Seconds())
	if err := installGuestModules(root, kdir, kver); err != nil {
		t.Fatal(err)
	}
	if err := makeInstall(root); err != nil {
		t.Fatal(err)
	}
	// What the checks need: root's ssh key, a cron job run at cron's start.
	g.key = filepath.Join(dir, "id_ed25519")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", g.key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	pub, err := os.ReadFile(g.key + ".pub")
	if err != nil {
		t.Fatal(err)
	}
	must(t, os.MkdirAll(filepath.Join(root, "root/.ssh"), 0o700))
	must(t, os.WriteFile(filepath.Join(root, "root/.ssh/authorized_keys"), pub, 0o600))
	must(t, os.WriteFile(filepath.Join(root, "etc/cron.d/boottest"), []byte("@reboot root echo cron-ran >/var/tmp/cron-ran\n"), 0o644))
	if customize != nil {
		customize(root)
	}

	migrate := exec.Command(filepath.Join(root, "usr/sbin/sysmaster-migrate"), "--root", root)
	out, err := migrate.CombinedOutput()
	if err != nil {
		t.Fatalf("sysmaster-migrate: %v\n%s", err, out)
	}
	g.migration = string(out)

	g.disk = filepath.Join(dir, "disk.img")
	if out, err := exec.Command("mkfs.ext4", "-q", "-F", "-d", root, "-L", "root", g.disk, "1536M").CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v\n%s", err, out)
	}
	os.RemoveAll(root)
	g.initrd = filepath.Join(dir, "initrd.cpio")
	if err := buildInitramfs(g.initrd, kdir, kver); err != nil {
		t.Fatal(err)
	}
	return g
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// freePort is a TCP port on the loopback interface nobody listens on now, for qemu's port forward to the
// guest's sshd.
func freePort(t testing.TB) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// shell is a root shell on the guest's serial console.
type shell struct {
	t   *testing.T
	ctx context.Context
	v   *vm
	n   int
}

// login waits for the serial getty, logs in as root (no password) and waits for the prompt.
func login(ctx context.Context, t *testing.T, v *vm) *shell {
	t.Helper()
	at, err := v.waitFor(ctx, "smguest login:")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%6.2fs  smguest login:", at.Seconds())
	from, err := v.typeLine("root")
	must(t, err)
	if _, err := v.waitAfter(ctx, from, "root@smguest:~#"); err != nil {
		t.Fatalf("no shell after the root login on ttyS0: %v", err)
	}
	return &shell{t: t, ctx: ctx, v: v}
}

// run runs cmd in the shell and returns its output. The typed line is echoed, so the markers around the output
// are computed by the shell ($((…))): the echo does not contain them, only the output does.
func (s *shell) run(cmd string) string {
	s.t.Helper()
	s.n++
	from, err := s.v.typeLine(fmt.Sprintf("echo @@B$((%d)); %s; echo @@E$((%d))", s.n, cmd, s.n))
	must(s.t, err)
	out, err := s.v.waitAfter(s.ctx, from, fmt.Sprintf("@@E%d", s.n))
	must(s.t, err)
	begin := fmt.Sprintf("@@B%d", s.n)
	out = out[strings.Index(out, begin)+len(begin) : len(out)-len(begin)]
	// The console is shared: the core's log lines, the kernel's and the status lines may land inside the output.
	var keep []string
	for _, l := range strings.Split(ansi.ReplaceAllString(strings.ReplaceAll(out, "\r", ""), ""), "\n") {
		if !consoleNoise.MatchString(l) {
			keep = append(keep, l)
		}
	}
	return strings.TrimSpace(strings.Join(keep, "\n"))
}

// consoleNoise are the console lines that are not a command's output: the core's log, init's, the kernel's, and
// the job status lines.
var consoleNoise = regexp.MustCompile(`^(level=|sysmaster-init: |\[ *[0-9]+\.[0-9]+\] |\[ *(OK|FAILED|DEPEND|TIME) *\] )`)

// powerOff types cmd (the init system's power-off), waits for qemu to end and reports whether the root file
// system is clean.
func (s *shell) powerOff(cmd, disk string) bool {
	s.t.Helper()
	from, err := s.v.typeLine(cmd)
	must(s.t, err)
	if _, err := s.v.waitAfter(s.ctx, from, "reboot: Power down"); err != nil {
		s.t.Fatal(err)
	}
	select {
	case <-s.v.done:
	case <-s.ctx.Done():
		s.t.Fatal("the guest powered off but qemu did not exit")
	}
	if out, err := exec.Command("e2fsck", "-fn", disk).CombinedOutput(); err != nil {
		s.t.Errorf("the root file system is not clean after %s: %v\n%s", cmd, err, out)
		return false
	}
	return true
}

func bootDebian(ctx context.Context, t testing.TB, g *debianGuest, init string, port int) *vm {
	t.Helper()
	return bootDisk(ctx, t, g, g.disk, init, port)
}

// bootDisk boots disk (the guest's, or a copy of it) with init.
func bootDisk(ctx context.Context, t testing.TB, g *debianGuest, disk, init string, port int) *vm {
	t.Helper()
	v, err := boot(ctx, g.kernel, g.initrd, "console=ttyS0 panic=-1 quiet net.ifnames=0 init="+init,
		"-m", "1024", "-drive", "file="+disk+",if=virtio,format=raw,cache=unsafe",
		"-netdev", fmt.Sprintf("user,id=n0,hostfwd=tcp:127.0.0.1:%d-:22", port), "-device", "virtio-net-pci,netdev=n0")
	if err != nil {
		t.Fatalf("qemu: %v", err)
	}
	t.Cleanup(func() {
		if t.Failed() {
			con := v.Console()
			if len(con) > 30000 {
				con = con[:10000] + "\n…\n" + con[len(con)-20000:]
			}
			t.Logf("console (%s):\n%s", init, con)
		}
	})
	return v
}

// failedUnits are the names in `list-units --state=failed --plain --no-legend` output.
func failedUnits(out string) []string {
	var names []string
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(l), "●")); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names
}

// TestDebianBoot boots Debian 12 with its own unit files under sysmaster (migrated by sysmaster-migrate) and
// checks the machine as an admin would: a root login on the serial console, an ssh key login over the network,
// cron, rsyslog and the journal at work, the hostname, is-system-running, and a power-off that leaves the root
// file system clean. Then it reverts the migration and boots the same disk under systemd, which must come up too
// and fail no fewer units than sysmaster did.
func TestDebianBoot(t *testing.T) {
	t.Parallel()
	g := buildDebianGuest(t, nil)
	t.Logf("migration:\n%s", g.migration)
	port := freePort(t)
	ctx, cancel := context.WithTimeout(context.Background(), 12*time.Minute)
	defer cancel()
	v := bootDebian(ctx, t, g, "/usr/lib/sysmaster/init", port)
	at, err := v.waitFor(ctx, "Reached target multi-user.target")
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%6.2fs  Reached target multi-user.target", at.Seconds())
	sh := login(ctx, t, v)
	state := sh.run("sctl is-system-running --wait")
	t.Logf("%6.2fs  is-system-running: %s", time.Since(v.started).Seconds(), state)
	smFailed := failedUnits(sh.run("sctl list-units --state=failed --plain --no-legend"))
	t.Logf("sctl analyze time:\n%s", sh.run("sctl analyze time"))
	t.Logf("sctl analyze blame (the ten slowest):\n%s", sh.run("sctl analyze blame | head -10"))
	if state != "running" {
		t.Errorf("sctl is-system-running = %q, want running (failed units: %v)", state, smFailed)
	}
	if h := sh.run("hostname"); h != "smguest" {
		t.Errorf("hostname %q, want smguest (from /etc/hostname)", h)
	}

	// ssh with root's key over qemu's user network (the guest's eth0, configured by Debian's ifupdown).
	c := exec.CommandContext(ctx, "ssh", "-i", g.key, "-p", fmt.Sprint(port), "-o", "StrictHostKeyChecking=no",
		"-o", "UserKnownHostsFile=/dev/null", "-o", "BatchMode=yes", "-o", "ConnectTimeout=30", "-o", "LogLevel=ERROR",
		"root@127.0.0.1", "echo ssh-ok; who; cat /var/tmp/cron-ran; grep -c . /var/log/syslog; journalctl -b --no-pager -n 3; "+
			"echo udev: virtio_net=$(grep -c '^virtio_net ' /proc/modules) by-uuid=$(ls /dev/disk/by-uuid | wc -l)")
	out, err := c.CombinedOutput()
	if err != nil {
		t.Errorf("ssh key login: %v\n%s", err, out)
	}
	t.Logf("over ssh:\n%s", out)
	// udev's coldplug (sysmaster's udevd, with Debian's rules) loaded the network card's module, which the
	// initramfs did not, and made the /dev/disk/by-uuid links.
	if !regexp.MustCompile(`udev: virtio_net=1 by-uuid=[1-9]`).Match(out) {
		t.Errorf("the coldplug did not load virtio_net or make /dev/disk/by-uuid links")
	}
	for _, want := range []string{"ssh-ok", "root     ttyS0", "cron-ran"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("ssh session output lacks %q", want)
		}
	}

	// Debian's own poweroff (systemd-sysv's link to systemctl) reaches sysmaster through /run/initctl.
	if !sh.powerOff("/usr/sbin/poweroff", g.disk) {
		return
	}

	// Back to systemd: the migration is reverted on the offline disk, and the same disk boots under systemd.
	mnt := t.TempDir()
	if out, err := exec.Command("mount", "-o", "loop", g.disk, mnt).CombinedOutput(); err != nil {
		t.Fatalf("mount the guest's disk: %v\n%s", err, out)
	}
	rev, err := exec.Command(filepath.Join(mnt, "usr/sbin/sysmaster-migrate"), "--root", mnt, "--revert").CombinedOutput()
	if out, uerr := exec.Command("umount", mnt).CombinedOutput(); uerr != nil {
		t.Fatalf("umount the guest's disk: %v\n%s", uerr, out)
	}
	if err != nil || !strings.Contains(string(rev), "changes reverted in") {
		t.Fatalf("sysmaster-migrate --revert: %v\n%s", err, rev)
	}
	v = bootDebian(ctx, t, g, "/lib/systemd/systemd", port)
	sh = login(ctx, t, v)
	t.Logf("%6.2fs  systemd: is-system-running: %s", time.Since(v.started).Seconds(), sh.run("systemctl is-system-running --wait"))
	sdFailed := failedUnits(sh.run("systemctl list-units --state=failed --plain --no-legend"))
	for _, u := range smFailed {
		if !slices.Contains(sdFailed, u) {
			t.Errorf("%s failed under sysmaster, not under systemd (systemd failed: %v)", u, sdFailed)
		}
	}
	sh.powerOff("systemctl poweroff", g.disk)
}
