package db

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sysmaster/sysmaster/udevd/device"
)

func TestRoundTrip(t *testing.T) {
	sysRoot := t.TempDir()
	dir := filepath.Join(sysRoot, "devices/virtual/block/loop0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "uevent"), []byte("MAJOR=7\nMINOR=0\nDEVNAME=loop0\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(sysRoot, "class/block"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../../../../class/block", filepath.Join(dir, "subsystem")); err != nil {
		t.Fatal(err)
	}
	d, err := device.Sysfs{Root: sysRoot}.New("/devices/virtual/block/loop0")
	if err != nil {
		t.Fatal(err)
	}
	_ = d.AddDevlink("disk/by-uuid/1234")
	d.LinkPriority = -100
	d.SetProperty("ID_FS_UUID", "1234")
	d.SetProperty(".TEMP", "x")
	_ = d.AddTag("systemd")
	db := DB{Dir: t.TempDir()}
	if err := db.Write(d, 42); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(db.Dir, "data/b7:0"))
	if err != nil {
		t.Fatal(err)
	}
	want := "S:disk/by-uuid/1234\nL:-100\nI:42\nE:ID_FS_UUID=1234\nG:systemd\nQ:systemd\nV:1\n"
	if string(b) != want {
		t.Errorf("database entry:\n%s\nwant:\n%s", b, want)
	}
	if err := db.IndexTags(d, nil, true); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(db.Dir, "tags/systemd/b7:0")); err != nil {
		t.Error(err)
	}
	r := d.Identity()
	e, err := db.Read(r)
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := r.Property("ID_FS_UUID"); v != "1234" || e.UsecInitialized != 42 || r.LinkPriority != -100 ||
		!slices.Equal(r.Devlinks(), []string{"/dev/disk/by-uuid/1234"}) || !slices.Equal(r.Tags(), []string{"systemd"}) {
		t.Errorf("read back %+v", r)
	}
	if err := db.IndexTags(d, nil, false); err != nil {
		t.Fatal(err)
	}
	if err := db.Delete(d); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(db.Dir, "tags/systemd")); !os.IsNotExist(err) {
		t.Errorf("tag directory left: %v", err)
	}
}
