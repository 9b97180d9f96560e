package devices

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/udevd/uevent"
)

// fakeSystem writes a sysfs tree with loop5 (block 7:5) and a udev database that tags it "systemd", and returns
// the paths.
func fakeSystem(t testing.TB, data string) Paths {
	t.Helper()
	root := t.TempDir()
	p := Paths{Run: filepath.Join(root, "run/udev"), Sys: filepath.Join(root, "sys")}
	dev := filepath.Join(p.Sys, "devices/virtual/block/loop5")
	for _, d := range []string{dev, filepath.Join(p.Sys, "class/block"), filepath.Join(p.Sys, "dev/block"),
		filepath.Join(p.Run, "data"), filepath.Join(p.Run, "tags/systemd")} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(os.WriteFile(filepath.Join(dev, "uevent"), []byte("MAJOR=7\nMINOR=5\nDEVNAME=loop5\nDEVTYPE=disk\nDISKSEQ=9\n"), 0o644))
	must(os.Symlink("../../../../class/block", filepath.Join(dev, "subsystem")))
	must(os.Symlink("../../devices/virtual/block/loop5", filepath.Join(p.Sys, "dev/block/7:5")))
	must(os.WriteFile(filepath.Join(p.Run, "data/b7:5"), []byte(data), 0o644))
	must(os.WriteFile(filepath.Join(p.Run, "tags/systemd/b7:5"), nil, 0o644))
	// An entry whose device is gone, and one of a name that resolves to nothing: both left out.
	must(os.WriteFile(filepath.Join(p.Run, "tags/systemd/b7:9"), nil, 0o644))
	must(os.WriteFile(filepath.Join(p.Run, "tags/systemd/+nosuch:x"), nil, 0o644))
	return p
}

func TestEnumerate(t *testing.T) {
	p := fakeSystem(t, "S:disk/by-uuid/1234\nS:disk/by-label/data\nI:42\nE:ID_FS_UUID=1234\nE:SYSTEMD_WANTS=a b@.service\n"+
		"E:SYSTEMD_ALIAS=/dev/data\nG:systemd\nG:old\nQ:systemd\nV:1\n")
	devs, err := Enumerate(p, Tag)
	if err != nil {
		t.Fatal(err)
	}
	if len(devs) != 1 {
		t.Fatalf("found %d devices, want loop5 alone: %+v", len(devs), devs)
	}
	d := devs[0]
	syspath := filepath.Join(p.Sys, "devices/virtual/block/loop5")
	if d.Syspath != syspath || d.Devnode != "/dev/loop5" || d.Action != "add" {
		t.Errorf("device %+v", d)
	}
	if !slices.Equal(d.Links, []string{"/dev/disk/by-uuid/1234", "/dev/disk/by-label/data"}) {
		t.Errorf("links %v", d.Links)
	}
	if !slices.Equal(d.Tags, []string{"systemd"}) || d.Properties["TAGS"] != ":systemd:old:" || d.Properties["CURRENT_TAGS"] != ":systemd:" {
		t.Errorf("tags %v, properties %v", d.Tags, d.Properties)
	}
	for k, v := range map[string]string{"SUBSYSTEM": "block", "DEVTYPE": "disk", "DEVNAME": "/dev/loop5",
		"DEVPATH": "/devices/virtual/block/loop5", "ID_FS_UUID": "1234"} {
		if d.Properties[k] != v {
			t.Errorf("%s=%q, want %q", k, d.Properties[k], v)
		}
	}
	if !d.Ready() {
		t.Error("not ready")
	}
	// systemd-escape --path --suffix=device of each path.
	want := []string{"sys-devices-virtual-block-loop5.device", "dev-loop5.device", `dev-disk-by\x2duuid-1234.device`,
		`dev-disk-by\x2dlabel-data.device`, "dev-data.device"}
	d.Syspath = "/sys/devices/virtual/block/loop5"
	if got := d.UnitNames(); !slices.Equal(got, want) {
		t.Errorf("unit names %q, want %q", got, want)
	}
	wants, bad := d.Wants()
	if !slices.Equal(wants, []string{"a.service", `b@sys-devices-virtual-block-loop5.service`}) || bad != nil {
		t.Errorf("wants %q, bad %q", wants, bad)
	}
}

// TestEnumerateOldEntry: an entry of a udev older than 247 (no V: line, no current tags) counts its tags (G:) as
// current; a current entry (V:1) with tags of earlier events only (G: without Q:) has no current tag.
func TestEnumerateOldEntry(t *testing.T) {
	devs, err := Enumerate(fakeSystem(t, "G:systemd\n"), Tag)
	if err != nil || len(devs) != 1 || !devs[0].HasTag(Tag) {
		t.Fatalf("%v %+v", err, devs)
	}
	devs, err = Enumerate(fakeSystem(t, "G:systemd\nV:1\n"), Tag)
	if err != nil || len(devs) != 1 || devs[0].HasTag(Tag) || devs[0].Ready() {
		t.Fatalf("an earlier event's tag counts as current: %v %+v", err, devs)
	}
}

func TestEnumerateWithoutDatabase(t *testing.T) {
	devs, err := Enumerate(Paths{Run: t.TempDir()}, Tag)
	if err != nil || devs != nil {
		t.Fatalf("%v %v", devs, err)
	}
}

func TestReady(t *testing.T) {
	for _, c := range []struct {
		action, tags, ready string
		want                bool
	}{
		{"add", ":systemd:", "", true},
		{"change", ":systemd:", "1", true},
		{"change", ":systemd:", "0", false},
		{"change", ":systemd:", "no", false},
		{"change", ":systemd:", "bogus", true}, // invalid counts as ready, as in systemd
		{"change", ":other:", "", false},
		{"remove", ":systemd:", "", false},
	} {
		m := uevent.NewMessage()
		m.Set("ACTION", c.action)
		m.Set("DEVPATH", "/devices/virtual/block/loop5")
		m.Set("SUBSYSTEM", "block")
		m.Set("CURRENT_TAGS", c.tags)
		if c.ready != "" {
			m.Set("SYSTEMD_READY", c.ready)
		}
		if got := FromMessage(m, "/sys").Ready(); got != c.want {
			t.Errorf("%+v: ready %v", c, got)
		}
	}
}

func TestFromMessage(t *testing.T) {
	m := uevent.NewMessage()
	for _, kv := range [][2]string{{"ACTION", "add"}, {"DEVPATH", "/devices/pci0000:00/0000:00:04.0/block/vda/vda1"},
		{"SUBSYSTEM", "block"}, {"DEVNAME", "vda1"}, {"DEVLINKS", "/dev/disk/by-uuid/x /dev/disk/by-path/y"},
		{"TAGS", ":systemd:old:"}, {"CURRENT_TAGS", ":systemd:"}, {"ID_MODEL", "QEMU_DISK"}, {"ID_FS_LABEL", "root"}} {
		m.Set(kv[0], kv[1])
	}
	d := FromMessage(m, "/sys")
	if d.Syspath != "/sys/devices/pci0000:00/0000:00:04.0/block/vda/vda1" || d.Devnode != "/dev/vda1" || len(d.Links) != 2 ||
		!d.HasTag(Tag) {
		t.Errorf("%+v", d)
	}
	if got := d.Description(); got != "QEMU_DISK root" {
		t.Errorf("description %q", got)
	}
	if n := d.UnitNames(); n[0] != `sys-devices-pci0000:00-0000:00:04.0-block-vda-vda1.device` {
		t.Errorf("sysfs unit %q", n[0])
	}
}

func TestWantsBadWord(t *testing.T) {
	d := &Device{Syspath: "/sys/x", Properties: map[string]string{"SYSTEMD_WANTS": "ok.target @bad.service"}}
	wants, bad := d.Wants()
	if !slices.Equal(wants, []string{"ok.target"}) || !slices.Equal(bad, []string{"@bad.service"}) {
		t.Errorf("wants %q bad %q", wants, bad)
	}
}

// FuzzDatabaseEntry: any database entry reads without a panic, and what it says of the device is bounded by it.
func FuzzDatabaseEntry(f *testing.F) {
	f.Add("S:disk/by-uuid/1\nE:A=b\nG:systemd\nQ:systemd\nV:1\n")
	f.Add("E:=\nS:\nQ\n:\n")
	f.Add("")
	f.Fuzz(func(t *testing.T, data string) {
		d := &Device{Syspath: "/sys/devices/virtual/block/loop5", Properties: map[string]string{}}
		if err := parseData(d, strings.NewReader(data)); err != nil {
			return // a line longer than the scanner takes
		}
		if len(d.Links) > len(data) || len(d.Tags) > len(data) {
			t.Fatalf("%d links, %d tags from %d bytes", len(d.Links), len(d.Tags), len(data))
		}
		d.UnitNames()
		d.Wants()
	})
}
