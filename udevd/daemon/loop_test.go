package daemon

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/udevd/uevent"
)

// TestLoopDevice: a loop device attached to an ext4 image: Debian 12's 32 rules files run on the kernel's change
// event (60-block.rules asks for the watch, 60-persistent-storage.rules for blkid and the links), the blkid builtin finds the filesystem, /run/udev/data/b7:N holds it and
// /dev/disk/by-uuid/<uuid> points at the node; the node (watched) closed after writing brings a synthesised
// change; detaching removes the link.
func TestLoopDevice(t *testing.T) {
	if _, err := exec.LookPath("mkfs.ext4"); err != nil {
		t.Fatal("mkfs.ext4 (e2fsprogs) is needed")
	}
	debian, err := filepath.Glob("../rules/testdata/debian-bookworm-udev/*.rules")
	if err != nil || len(debian) != 32 {
		t.Fatalf("Debian's rules: %v (%d files)", err, len(debian))
	}
	rulesFiles := map[string]string{}
	for _, f := range debian {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		rulesFiles[filepath.Base(f)] = string(b)
	}
	img := filepath.Join(t.TempDir(), "img")
	if err := os.WriteFile(img, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Truncate(img, 16<<20); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("mkfs.ext4", "-q", img).CombinedOutput(); err != nil {
		t.Fatalf("mkfs.ext4: %v\n%s", err, out)
	}
	out, err := exec.Command("blkid", "-p", "-s", "UUID", "-o", "value", img).Output()
	if err != nil {
		t.Fatal(err)
	}
	uuid := strings.TrimSpace(string(out))
	td := startDaemon(t, rulesFiles, 0)

	n, detach := attachLoop(t, img)
	data := filepath.Join(td.cfg.RunDir, "data", fmt.Sprintf("b7:%d", n))
	link := "/dev/disk/by-uuid/" + uuid
	waitFor(t, fmt.Sprintf("%s with ID_FS_UUID=%s and %s", data, uuid, link), func() bool {
		b, err := os.ReadFile(data)
		if err != nil || !strings.Contains(string(b), "E:ID_FS_UUID="+uuid+"\n") {
			return false
		}
		target, err := os.Readlink(link)
		return err == nil && target == fmt.Sprintf("../../loop%d", n)
	})
	b, _ := os.ReadFile(data)
	t.Logf("%s:\n%s", data, b)
	// Debian's udevadm (libudev's reader) sees the same device: the link, the properties, the initialization.
	info, err := exec.Command(filepath.Join(needDebian(t), "bin/udevadm"), "info", fmt.Sprintf("/dev/loop%d", n)).CombinedOutput()
	if err != nil {
		t.Fatalf("udevadm info: %v\n%s", err, info)
	}
	for _, want := range []string{"S: disk/by-uuid/" + uuid + "\n", "E: ID_FS_UUID=" + uuid + "\n",
		"E: ID_FS_TYPE=ext4\n", "E: DEVLINKS=", "E: USEC_INITIALIZED="} {
		if !strings.Contains(string(info), want) {
			t.Errorf("udevadm info lacks %q:\n%s", want, info)
		}
	}
	// And systemd's own blkid builtin finds what ours found.
	probe, err := exec.Command(filepath.Join(needDebian(t), "bin/udevadm"), "test-builtin", "blkid",
		fmt.Sprintf("/sys/class/block/loop%d", n)).Output()
	if err != nil {
		t.Fatalf("udevadm test-builtin blkid: %v", err)
	}
	ours := map[string]string{}
	for _, l := range strings.Split(string(b), "\n") {
		if k, v, ok := strings.Cut(strings.TrimPrefix(l, "E:"), "="); ok && strings.HasPrefix(l, "E:") {
			ours[k] = v
		}
	}
	for _, k := range []string{"ID_FS_UUID", "ID_FS_UUID_ENC", "ID_FS_TYPE", "ID_FS_USAGE", "ID_FS_VERSION"} {
		if v := ours[k]; v == "" || !strings.Contains(string(probe), k+"="+v+"\n") {
			t.Errorf("udevadm test-builtin blkid does not give %s=%s:\n%s", k, v, probe)
		}
	}
	for _, want := range []string{"S:disk/by-uuid/" + uuid + "\n", "E:ID_FS_TYPE=ext4\n"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("%s lacks %q:\n%s", data, want, b)
		}
	}

	// The node closed after writing: udevd synthesises a change (the kernel marks it SYNTH_UUID).
	mon := monitor(t)
	node := fmt.Sprintf("/dev/loop%d", n)
	w, err := os.OpenFile(node, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	w.Close()
	devpath := fmt.Sprintf("/devices/virtual/block/loop%d", n)
	m := receiveUntil(t, mon, 30*time.Second, func(m *uevent.Message) bool {
		return m.Devpath() == devpath && m.Get("SYNTH_UUID") != ""
	})
	if m.Action() != "change" {
		t.Errorf("synthesised %q, want change", m.Action())
	}

	detach()
	waitFor(t, link+" removed", func() bool {
		_, err := os.Lstat(link)
		return errors.Is(err, os.ErrNotExist)
	})
}

// attachLoop attaches img to a free loop device (through the host's /dev, bound at /run/hostdev), with its node
// made in this namespace's /dev as devtmpfs would, and returns its number and a detach function.
func attachLoop(t *testing.T, img string) (int, func()) {
	t.Helper()
	ctl, err := os.OpenFile("/run/hostdev/loop-control", os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer ctl.Close()
	backing, err := os.OpenFile(img, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer backing.Close()
	for try := 0; try < 10; try++ {
		n, err := unix.IoctlRetInt(int(ctl.Fd()), unix.LOOP_CTL_GET_FREE)
		if err != nil {
			t.Fatal(err)
		}
		node := fmt.Sprintf("/dev/loop%d", n)
		if _, err := os.Stat(node); err != nil {
			if err := unix.Mknod(node, unix.S_IFBLK|0o660, int(unix.Mkdev(7, uint32(n)))); err != nil {
				t.Fatal(err)
			}
		}
		dev, err := os.OpenFile(node, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		if err := unix.IoctlSetInt(int(dev.Fd()), unix.LOOP_SET_FD, int(backing.Fd())); err != nil {
			dev.Close()
			if errors.Is(err, unix.EBUSY) {
				continue // taken by someone else meanwhile
			}
			t.Fatal(err)
		}
		detached := false
		detach := func() {
			if !detached {
				detached = true
				_ = unix.IoctlSetInt(int(dev.Fd()), unix.LOOP_CLR_FD, 0)
				dev.Close()
			}
		}
		t.Cleanup(detach)
		return n, detach
	}
	t.Fatal("no free loop device")
	return 0, nil
}

// waitFor polls cond (the effect of an event udevd processes asynchronously) for up to 30 seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
