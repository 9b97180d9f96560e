package system

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/test/harness"
)

// deviceRules are the lines of systemd's 99-systemd.rules that make block devices units and keep a loop device
// without a backing file dead, and one that gives the test's loop device (marked by its image's name) a wanted
// unit and an alias.
const deviceRules = `SUBSYSTEM=="block", TAG+="systemd"
SUBSYSTEM=="block", KERNEL=="loop[0-9]*", ENV{DEVTYPE}=="disk", TEST!="loop/backing_file", ENV{SYSTEMD_READY}="0"
SUBSYSTEM=="block", KERNEL=="loop[0-9]*", ATTR{loop/backing_file}=="*/%[1]s.img", ENV{SYSTEMD_WANTS}+="devwant.service", ENV{SYSTEMD_ALIAS}+="/dev/%[1]s"
`

// TestDeviceUnitsFollowALoopDevice: our udevd runs as a unit; attaching a loop device (a real kernel uevent,
// processed by udevd and broadcast in libudev's format) plugs dev-loopN.device, its sysfs unit and its alias,
// starts what SYSTEMD_WANTS= names and what waited for the device (Requires=, After=); detaching it (udev sets
// SYSTEMD_READY=0 for a loop device without a file, as 99-systemd.rules does) makes them dead and stops the unit
// bound to it. A core that comes back in between finds the device plugged still.
//
// Not parallel: every udevd of the package's other tests gets this loop device's uevents too, and under the
// whole suite's load the device missed its 30 s once in three fresh-clone CI runs; alone it takes seconds.
func TestDeviceUnitsFollowALoopDevice(t *testing.T) {
	marker := fmt.Sprintf("smdevtest%d", os.Getpid())
	img := filepath.Join(t.TempDir(), marker+".img")
	if out, err := exec.Command("truncate", "-s", "8M", img).CombinedOutput(); err != nil {
		t.Fatalf("truncate: %v: %s", err, out)
	}
	alias := "dev-" + marker + ".device"
	s := harness.Start(t, harness.Options{Units: withUdevd(map[string]string{
		"devwant.service": "[Service]\nExecStart=/bin/sleep infinity\n",
		"waiter.service":  fmt.Sprintf("[Unit]\nRequires=%[1]s\nAfter=%[1]s\n[Service]\nExecStart=/bin/sleep infinity\n", alias),
	}, fmt.Sprintf(deviceRules, marker))})
	startUdevd(t, s)

	// A unit that needs a device not there yet waits for it; the device's job runs with systemd's 90 s.
	sctlOK(t, s, "start", "--no-block", "waiter.service")
	if got := s.Show(alias, "JobRunningTimeoutUSec"); got != "1min 30s" {
		t.Errorf("%s: JobRunningTimeoutUSec=%s, want 1min 30s", alias, got)
	}
	if out, _, _ := s.Sctl("list-jobs"); !strings.Contains(out, alias) {
		t.Errorf("no job waits for %s:\n%s", alias, out)
	}
	if st := s.Show("waiter.service", "ActiveState"); st != "inactive" {
		t.Errorf("waiter.service is %s before its device came", st)
	}

	node, detach := attachLoop(t, img)
	dev := "dev-" + strings.TrimPrefix(node, "/dev/") + ".device"
	sysUnit := "sys-devices-virtual-block-" + strings.TrimPrefix(node, "/dev/") + ".device"

	for _, u := range []string{dev, sysUnit, alias, "devwant.service", "waiter.service"} {
		s.WaitActive(u, "active", 30*time.Second)
	}
	if sub := s.Show(dev, "SubState"); sub != "plugged" {
		t.Errorf("%s: SubState=%s", dev, sub)
	}
	status, _, _ := s.Sctl("status", dev)
	for _, want := range []string{"active (plugged)", "Follows: unit currently follows state of " + sysUnit,
		"Device: /sys/devices/virtual/block/" + strings.TrimPrefix(node, "/dev/")} {
		if !strings.Contains(status, want) {
			t.Errorf("sctl status %s lacks %q:\n%s", dev, want, status)
		}
	}
	if out := sctlOK(t, s, "list-units", "-t", "device", "--no-legend"); !regexp.MustCompile(
		`(?m)^\S*\s*` + regexp.QuoteMeta(dev) + `\s+loaded\s+active\s+plugged\s+/sys/devices/virtual/block/`).MatchString(out) {
		t.Errorf("list-units -t device does not show %s loaded active plugged:\n%s", dev, out)
	}
	if w := s.Show(sysUnit, "Wants"); w != "devwant.service" {
		t.Errorf("%s: Wants=%q, want devwant.service", sysUnit, w)
	}

	s.WriteFile("system/bound.service", fmt.Sprintf("[Unit]\nBindsTo=%[1]s\nAfter=%[1]s\n[Service]\nExecStart=/bin/sleep infinity\n", dev))
	sctlOK(t, s, "start", "bound.service")
	pid := s.Show("bound.service", "MainPID")

	// A core that comes back reads udev's database again: the device is still plugged and nothing bound to it
	// stops.
	killCore(t, s)
	for _, u := range []string{dev, sysUnit, alias, "bound.service"} {
		if st := s.Show(u, "ActiveState"); st != "active" {
			t.Errorf("%s is %s after the core came back", u, st)
		}
	}
	if got := s.Show("bound.service", "MainPID"); got != pid {
		t.Errorf("bound.service's main pid %s became %s", pid, got)
	}

	detach()
	for _, u := range []string{dev, sysUnit, alias} {
		s.WaitActive(u, "inactive", 30*time.Second)
	}
	s.WaitActive("bound.service", "inactive", 30*time.Second)
	if sub := s.Show(dev, "SubState"); sub != "dead" {
		t.Errorf("%s: SubState=%s after detaching", dev, sub)
	}
	// Wants= does not stop with the device.
	if st := s.Show("devwant.service", "ActiveState"); st != "active" {
		t.Errorf("devwant.service is %s after the device went", st)
	}
}

// TestUdevdKernelSocketKeepsUevents: udevd gets the kernel's uevent socket and its control socket from the core
// (ListenNetlink=, ListenSequentialPacket= in its socket units), in every run; a uevent that comes while udevd
// is stopped waits in the socket the core holds, starts udevd through its socket unit, and is processed.
func TestUdevdKernelSocketKeepsUevents(t *testing.T) {
	t.Parallel()
	marker := fmt.Sprintf("smsocktest%d", os.Getpid())
	img := filepath.Join(t.TempDir(), marker+".img")
	if out, err := exec.Command("truncate", "-s", "8M", img).CombinedOutput(); err != nil {
		t.Fatalf("truncate: %v: %s", err, out)
	}
	s := harness.Start(t, harness.Options{Units: withUdevd(map[string]string{
		"devwant.service": "[Service]\nExecStart=/bin/sleep infinity\n",
	}, fmt.Sprintf(deviceRules, marker))})
	startUdevd(t, s)
	for _, u := range []string{"sysmaster-udevd-kernel.socket", "sysmaster-udevd-control.socket"} {
		if st := s.Show(u, "ActiveState"); st != "active" {
			t.Errorf("%s is %s", u, st)
		}
	}
	if l := s.Show("sysmaster-udevd-kernel.socket", "Listen"); l != "kobject-uevent 1 (Netlink)" {
		t.Errorf("Listen=%q", l)
	}
	if _, errs, code := s.Run(0, "devctl", "control", "--ping"); code != 0 {
		t.Fatalf("devctl control --ping: exit %d: %s", code, errs)
	}

	sctlOK(t, s, "stop", "sysmaster-udevd.service")
	// Any uevent of the machine's (another test's loop device) starts it again at once, through the same socket.
	t.Logf("udevd is %s after its stop", s.Show("sysmaster-udevd.service", "ActiveState"))
	node, _ := attachLoop(t, img)
	dev := "dev-" + strings.TrimPrefix(node, "/dev/") + ".device"
	// The attach's uevent waits in the held socket, whose readiness starts udevd again.
	s.WaitActive("sysmaster-udevd.service", "active", 30*time.Second)
	s.WaitActive(dev, "active", 30*time.Second)
	s.WaitActive("devwant.service", "active", 30*time.Second)
	logs, _, _ := s.Sctl("logs", "sysmaster-udevd.service")
	for _, want := range []string{"using the uevent socket passed by the host", "using the control socket passed by the host"} {
		if n := strings.Count(logs, want); n < 2 || n != strings.Count(logs, "udevd ready") {
			t.Errorf("udevd said %q %d times in %d runs (at least 2), want once a run:\n%s", want, n,
				strings.Count(logs, "udevd ready"), logs)
		}
	}
}

// withUdevd adds to units drop-ins that let the factory udevd units run in a test system, which is a container
// to their conditions, with rules as its only rules file besides the host's (copied to /run/udev/rules.d), and
// the OOM score left alone (the test machine may not lower it). sysinit.target starts them at boot.
func withUdevd(units map[string]string, rules string) map[string]string {
	// An empty Condition…= drops the unit's conditions, !container among them.
	const run = "[Unit]\nConditionVirtualization=\n"
	units["sysmaster-udevd.service.d/test.conf"] = run + "[Service]\nOOMScoreAdjust=0\n" +
		"ExecStartPre=/bin/mkdir -p /run/udev/rules.d\n" +
		"ExecStartPre=/bin/cp /etc/sysmaster/system/sysmaster-udevd.service.d/99-devtest.rules /run/udev/rules.d/\n"
	units["sysmaster-udevd.service.d/99-devtest.rules"] = rules
	units["sysmaster-udevd-kernel.socket.d/test.conf"] = run
	units["sysmaster-udevd-control.socket.d/test.conf"] = run
	return units
}

// startUdevd waits for the factory udevd unit (started at boot, with its sockets) to be up.
func startUdevd(t *testing.T, s *harness.System) {
	t.Helper()
	if _, _, code := s.Sctl("start", "sysmaster-udevd.service"); code != 0 {
		logs, _, _ := s.Sctl("logs", "sysmaster-udevd.service")
		t.Fatalf("udevd did not start:\n%s", logs)
	}
}

// attachLoop attaches img to a free loop device and returns the node and a detach that runs once (at the end of
// the test at the latest).
func attachLoop(t *testing.T, img string) (string, func()) {
	t.Helper()
	out, err := exec.Command("losetup", "--find", "--show", img).CombinedOutput()
	if err != nil {
		t.Fatalf("losetup: %v: %s", err, out)
	}
	node := strings.TrimSpace(string(out))
	attached := true
	detach := func() {
		if attached {
			attached = false
			if out, err := exec.Command("losetup", "-d", node).CombinedOutput(); err != nil {
				t.Errorf("losetup -d %s: %v: %s", node, err, out)
			}
		}
	}
	t.Cleanup(detach)
	return node, detach
}

// TestFstabUUIDAfterUdevd: udevd runs at boot (sysinit.target), its coldplug finds an ext4 image on a loop device
// attached before the boot, blkid gives /dev/disk/by-uuid/UUID, and the fstab line UUID=… is mounted once that
// device unit is plugged.
func TestFstabUUIDAfterUdevd(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("mkfs.ext4"); err != nil {
		t.Fatal("mkfs.ext4 (e2fsprogs) is needed")
	}
	dir := t.TempDir()
	marker := fmt.Sprintf("smuuidtest%d", os.Getpid())
	img, where := filepath.Join(dir, marker+".img"), filepath.Join(dir, "data")
	for _, c := range [][]string{{"truncate", "-s", "16M", img}, {"mkfs.ext4", "-q", "-F", img}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	out, err := exec.Command("blkid", "-p", "-s", "UUID", "-o", "value", img).Output()
	if err != nil {
		t.Fatal(err)
	}
	uuid := strings.TrimSpace(string(out))
	link := "/dev/disk/by-uuid/" + uuid
	// The link is made in the host's /dev; the test system's udevd is gone before it could remove it.
	t.Cleanup(func() { os.Remove(link) })
	node, _ := attachLoop(t, img)
	fstab := filepath.Join(dir, "fstab")
	if err := os.WriteFile(fstab, []byte(fmt.Sprintf("UUID=%s %s ext4 noatime 0 0\n", uuid, where)), 0o644); err != nil {
		t.Fatal(err)
	}
	// 60-persistent-storage.rules' blkid and by-uuid lines, for this test's image only.
	rules := fmt.Sprintf(`SUBSYSTEM=="block", TAG+="systemd"
SUBSYSTEM=="block", KERNEL=="loop[0-9]*", ACTION!="remove", ATTR{loop/backing_file}=="*/%s.img", IMPORT{builtin}="blkid"
SUBSYSTEM=="block", ENV{ID_FS_USAGE}=="filesystem", ENV{ID_FS_UUID_ENC}=="?*", SYMLINK+="disk/by-uuid/$env{ID_FS_UUID_ENC}"
`, marker)
	// The coldplug of this loop device alone: the host's other devices are not the test's. (A test system has the
	// host's /usr/bin: devctl is the installed tree's.)
	trigger := fmt.Sprintf("[Unit]\nConditionVirtualization=\n[Service]\nExecStart=\n"+
		"ExecStart=%s trigger --action=add --wait-daemon /sys/block/%s\n",
		filepath.Join(harness.Install(t), "usr/bin/devctl"), strings.TrimPrefix(node, "/dev/"))
	s := harness.Start(t, harness.Options{
		Units: withUdevd(map[string]string{"sysmaster-udev-trigger.service.d/test.conf": trigger}, rules),
		Env:   []string{"SYSMASTER_FSTAB=" + fstab},
	})
	mnt := mountUnit(t, where)
	dev, _ := unitname.FromPath(link, ".device")
	if !s.WaitFor(60*time.Second, func() bool { return s.Show(mnt, "ActiveState") == "active" }) {
		var b strings.Builder
		for _, u := range []string{"sysmaster-udevd.service", "sysmaster-udev-trigger.service", mnt} {
			out, _, _ := s.Sctl("status", u)
			logs, _, _ := s.Sctl("logs", u)
			fmt.Fprintf(&b, "%s\n%s\n", out, logs)
		}
		jobs, _, _ := s.Sctl("list-jobs")
		t.Fatalf("%s is not mounted; jobs:\n%s\n%s", mnt, jobs, b.String())
	}
	if !mountedIn(s, where) {
		t.Fatalf("%s is not mounted", where)
	}
	if got := s.Show(mnt, "BindsTo"); got != dev {
		t.Errorf("%s: BindsTo=%q, want %q", mnt, got, dev)
	}
	if st := s.Show(dev, "SubState"); st != "plugged" {
		t.Errorf("%s: %s", dev, st)
	}
	if st := s.Show("sysmaster-udev-trigger.service", "ActiveState"); st != "active" {
		t.Errorf("the coldplug is %s", st)
	}
	if target, err := os.Readlink(link); err != nil || target != "../../"+strings.TrimPrefix(node, "/dev/") {
		t.Errorf("%s → %q, %v", link, target, err)
	}
}

// TestTentativeDevice: on a system udevd serves, a device the mount table names before udev reported it (here a
// loop device udev's rules do not tag "systemd") is tentative: activating, with no job started for it by the mount
// that needs it. udev's report plugs it; udev dropping its tag leaves it tentative while it is mounted; the
// unmount makes it dead (systemd.device's three states).
func TestTentativeDevice(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("mkfs.ext4"); err != nil {
		t.Fatal("mkfs.ext4 (e2fsprogs) is needed")
	}
	dir := t.TempDir()
	marker := fmt.Sprintf("smtentative%d", os.Getpid())
	img, where, tagme := filepath.Join(dir, marker+".img"), filepath.Join(dir, "mnt"), filepath.Join(dir, "tagme")
	if err := os.Mkdir(where, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, c := range [][]string{{"truncate", "-s", "16M", img}, {"mkfs.ext4", "-q", "-F", img}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	// The test's loop device is a unit only while the file tagme exists.
	rules := fmt.Sprintf("SUBSYSTEM==\"block\", KERNEL==\"loop[0-9]*\", ATTR{loop/backing_file}==\"*/%s.img\", TEST==\"%s\", TAG+=\"systemd\"\n",
		marker, tagme)
	// The host's systemd rules (99-systemd.rules tags every block device) are masked for this udevd.
	mask := "[Service]\nExecStartPre=/bin/ln -sf /dev/null /run/udev/rules.d/99-systemd.rules\n"
	// A network of its own: other tests' udevds, whose rules tag every block device, broadcast this loop device
	// too, and their broadcasts would reach this system's core.
	s := harness.Start(t, harness.Options{PrivateNetwork: true,
		Units: withUdevd(map[string]string{"sysmaster-udevd.service.d/test2.conf": mask}, rules)})
	startUdevd(t, s)
	node, _ := attachLoop(t, img)
	name := strings.TrimPrefix(node, "/dev/")
	dev := "dev-" + name + ".device"
	change := func() {
		t.Helper()
		if err := os.WriteFile("/sys/block/"+name+"/uevent", []byte("change"), 0); err != nil {
			t.Fatal(err)
		}
	}
	state := func(active, sub string) {
		t.Helper()
		if !s.WaitFor(30*time.Second, func() bool {
			return s.Show(dev, "ActiveState") == active && s.Show(dev, "SubState") == sub
		}) {
			st, _, _ := s.Sctl("status", dev)
			info, _, _ := s.Run(0, "devctl", "info", "-q", "all", "/sys/block/"+name)
			t.Fatalf("%s is %s (%s), want %s (%s)\n%s\n%s", dev, s.Show(dev, "ActiveState"), s.Show(dev, "SubState"),
				active, sub, st, info)
		}
	}

	s.WriteFile("system/mounter.service", fmt.Sprintf("[Service]\nType=oneshot\nRemainAfterExit=yes\n"+
		"ExecStart=/bin/mount %[1]s %[2]s\nExecStop=/bin/umount %[2]s\n", node, where))
	sctlOK(t, s, "start", "mounter.service")
	state("activating", "tentative")
	if out := sctlOK(t, s, "list-jobs"); strings.Contains(out, dev) {
		t.Errorf("a job was started for the tentative %s:\n%s", dev, out)
	}

	if err := os.WriteFile(tagme, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	change()
	state("active", "plugged")

	if err := os.Remove(tagme); err != nil {
		t.Fatal(err)
	}
	change()
	state("activating", "tentative")

	sctlOK(t, s, "stop", "mounter.service")
	state("inactive", "dead")
}
