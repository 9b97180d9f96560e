package node

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/udevd/device"
)

// fakeDisk makes a block device sdX (8:minor) in a private sysfs tree with its node in dev.
func fakeDisk(t *testing.T, sysRoot, dev, name string, minor int) *device.Device {
	t.Helper()
	dir := filepath.Join(sysRoot, "devices/virtual/block", name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	ue := "MAJOR=8\nMINOR=" + string(rune('0'+minor)) + "\nDEVNAME=" + name + "\n"
	if err := os.WriteFile(filepath.Join(dir, "uevent"), []byte(ue), 0o644); err != nil {
		t.Fatal(err)
	}
	_ = os.MkdirAll(filepath.Join(sysRoot, "class/block"), 0o755)
	_ = os.Symlink("../../../../class/block", filepath.Join(dir, "subsystem"))
	d, err := device.Sysfs{Root: sysRoot}.New("/devices/virtual/block/" + name)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.Mknod(filepath.Join(dev, name), unix.S_IFBLK|0o600, int(unix.Mkdev(8, uint32(minor)))); err != nil {
		t.Fatal(err)
	}
	return d
}

// TestLinkPriority: two devices claim one link; it follows the higher priority, then falls back, then goes.
func TestLinkPriority(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Fatal("needs root (mknod)")
	}
	sysRoot, dev, run := t.TempDir(), t.TempDir(), t.TempDir()
	n := Node{DevDir: dev, RunDir: run}
	a := fakeDisk(t, sysRoot, dev, "sda", 0)
	b := fakeDisk(t, sysRoot, dev, "sdb", 1)
	_ = a.AddDevlink("disk/shared")
	_ = b.AddDevlink("disk/shared")
	b.LinkPriority = 10
	target := func() string {
		s, _ := os.Readlink(filepath.Join(dev, "disk/shared"))
		return s
	}
	if err := n.UpdateLinks(b, nil); err != nil {
		t.Fatal(err)
	}
	if err := n.UpdateLinks(a, nil); err != nil {
		t.Fatal(err)
	}
	if got := target(); got != "../sdb" {
		t.Errorf("link -> %q, want ../sdb (priority 10)", got)
	}
	if err := n.RemoveLinks(b); err != nil {
		t.Fatal(err)
	}
	if got := target(); got != "../sda" {
		t.Errorf("after sdb left: link -> %q, want ../sda", got)
	}
	if err := n.RemoveLinks(a); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(filepath.Join(dev, "disk")); !os.IsNotExist(err) {
		t.Errorf("empty link directory left: %v", err)
	}
	if err := n.ApplyPermissions(a, 1, 6, -1); err != nil {
		t.Fatal(err)
	}
	var st unix.Stat_t
	if err := unix.Stat(filepath.Join(dev, "sda"), &st); err != nil {
		t.Fatal(err)
	}
	if st.Uid != 1 || st.Gid != 6 || st.Mode&0o7777 != 0o660 {
		t.Errorf("node %d:%d %o, want 1:6 0660", st.Uid, st.Gid, st.Mode&0o7777)
	}
}
