package builtin

import (
	"context"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/sysmaster/sysmaster/udevd/device"
)

// fixture unpacks systemd's fake sysfs tree (see ../testdata/udev-test) once for the package's tests.
func fixture(t *testing.T) device.Sysfs {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("tar", "-xJf", "../testdata/udev-test/sysfs-fixture.tar.xz", "-C", dir).CombinedOutput()
	if err != nil {
		t.Fatalf("unpacking the sysfs fixture: %v: %s", err, out)
	}
	return device.Sysfs{Root: filepath.Join(dir, "sys")}
}

func TestBuiltins(t *testing.T) {
	sys := fixture(t)
	cases := []struct {
		builtin, devpath string
		want             map[string]string
	}{
		{"path_id", "/devices/pci0000:00/0000:00:1f.2/host0/target0:0:0/0:0:0:0/block/sda/sda1",
			map[string]string{"ID_PATH": "pci-0000:00:1f.2-scsi-0:0:0:0", "ID_PATH_TAG": "pci-0000_00_1f_2-scsi-0_0_0_0"}},
		{"path_id", "/devices/pci0000:00/0000:00:1d.7/usb5/5-2/5-2:1.0/tty/ttyACM0",
			map[string]string{"ID_PATH": "pci-0000:00:1d.7-usb-0:2:1.0"}},
		{"usb_id", "/devices/pci0000:00/0000:00:1d.7/usb5/5-2/5-2:1.0/tty/ttyACM0", map[string]string{
			"ID_VENDOR": "Nokia", "ID_VENDOR_ID": "0421", "ID_MODEL": "N78", "ID_MODEL_ID": "007b",
			"ID_REVISION": "0100", "ID_SERIAL": "Nokia_N78_354172020305000", "ID_SERIAL_SHORT": "354172020305000",
			"ID_TYPE": "generic", "ID_USB_INTERFACE_NUM": "00", "ID_USB_DRIVER": "cdc_acm", "ID_BUS": "usb"}},
		{"input_id", "/class/input/input0", map[string]string{"ID_INPUT": "1", "ID_INPUT_KEY": "1", "ID_INPUT_KEYBOARD": "1"}},
		{"input_id", "/class/input/input8", map[string]string{"ID_INPUT": "1", "ID_INPUT_MOUSE": "1"}},
		{"input_id", "/class/input/input4", map[string]string{"ID_INPUT": "1", "ID_INPUT_SWITCH": "1"}},
	}
	for _, c := range cases {
		d, err := sys.New(c.devpath)
		if err != nil {
			t.Fatal(err)
		}
		b, ok := Lookup(c.builtin)
		if !ok {
			t.Fatalf("no builtin %s", c.builtin)
		}
		if err := b.Run(context.Background(), d, []string{c.builtin}, true); err != nil {
			t.Errorf("%s %s: %v", c.builtin, c.devpath, err)
			continue
		}
		for k, want := range c.want {
			if got, _ := d.Property(k); got != want {
				t.Errorf("%s %s: %s=%q, want %q", c.builtin, c.devpath, k, got, want)
			}
		}
	}
	// The keyboard is no mouse, the mouse no keyboard.
	for _, c := range []struct{ dev, prop string }{{"/class/input/input0", "ID_INPUT_MOUSE"}, {"/class/input/input8", "ID_INPUT_KEYBOARD"}} {
		d, _ := sys.New(c.dev)
		b, _ := Lookup("input_id")
		_ = b.Run(context.Background(), d, nil, true)
		if v, ok := d.Property(c.prop); ok {
			t.Errorf("%s: %s=%s", c.dev, c.prop, v)
		}
	}
}

func TestUnimplemented(t *testing.T) {
	b, ok := Lookup("btrfs")
	if !ok {
		t.Fatal("btrfs is a builtin of udevd 252")
	}
	if err := b.Run(context.Background(), &device.Device{}, []string{"btrfs", "ready", "/dev/x"}, true); err == nil {
		t.Fatal("btrfs ran")
	}
	if _, ok := Lookup("nonsense"); ok {
		t.Fatal("unknown builtin found")
	}
}

// TestHwdb: the hwdb builtin on the small database of ../hwdb/testdata (whose answers are systemd-hwdb's): a
// modalias given, with a key filter, and the device's own walk up to the USB interface of systemd's fake Nokia
// N78; no entry fails the builtin.
func TestHwdb(t *testing.T) {
	HwdbPaths = []string{"../hwdb/testdata/hwdb.bin"}
	sys := fixture(t)
	run := func(devpath string, args ...string) (*device.Device, error) {
		d, err := sys.New(devpath)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := Lookup("hwdb")
		return d, b.Run(context.Background(), d, append([]string{"hwdb"}, args...), true)
	}
	tty := "/devices/pci0000:00/0000:00:1d.7/usb5/5-2/5-2:1.0/tty/ttyACM0"
	d, err := run(tty, "usb:v1234p5678")
	if v, _ := d.Property("ID_MODEL_FROM_DATABASE"); err != nil || v != "Local Name" {
		t.Errorf("modalias given: %v, ID_MODEL_FROM_DATABASE=%q", err, v)
	}
	d, err = run(tty, "--filter=ID_VENDOR*", "usb:v1234p5678")
	if _, model := d.Property("ID_MODEL_FROM_DATABASE"); err != nil || model {
		t.Errorf("filtered: %v, the model was set", err)
	}
	d, err = run(tty, "--lookup-prefix=usb:", "v1234p0001")
	if v, _ := d.Property("ID_VENDOR_FROM_DATABASE"); err != nil || v != "Test Vendor" {
		t.Errorf("prefix: %v, ID_VENDOR_FROM_DATABASE=%q", err, v)
	}
	d, err = run(tty, "--subsystem=usb")
	if v, _ := d.Property("ID_MODEL_FROM_DATABASE"); err != nil || v != "N78 (test entry)" {
		t.Errorf("the device's walk: %v, ID_MODEL_FROM_DATABASE=%q", err, v)
	}
	if _, err := run(tty, "usb:v9999"); err == nil {
		t.Error("no entry did not fail")
	}
	// --device=: another device's walk, its answer set on the event's device (here a disk).
	sda := "/devices/pci0000:00/0000:00:1f.2/host0/target0:0:0/0:0:0:0/block/sda"
	d, err = run(sda, "--device=+usb:5-2:1.0")
	if v, _ := d.Property("ID_MODEL_FROM_DATABASE"); err != nil || v != "N78 (test entry)" {
		t.Errorf("--device=+usb:5-2:1.0: %v, ID_MODEL_FROM_DATABASE=%q", err, v)
	}
	d, err = run(sda, "-d", "c166:0") // ttyACM0's device number
	if v, _ := d.Property("ID_MODEL_FROM_DATABASE"); err != nil || v != "N78 (test entry)" {
		t.Errorf("-d c166:0: %v, ID_MODEL_FROM_DATABASE=%q", err, v)
	}
	for _, bad := range []string{"--device=/sys/x", "--device=c999:999", "--device=+usb", "--device=n0"} {
		if _, err := run(tty, bad); err == nil {
			t.Errorf("%s did not fail", bad)
		}
	}
}
