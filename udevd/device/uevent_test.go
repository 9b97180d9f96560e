package device

import "testing"

// TestFromUevent: a device still in sysfs is read from there and overlaid with the event; a removed one is built
// from the event alone.
func TestFromUevent(t *testing.T) {
	d, err := Sysfs{}.FromUevent(map[string]string{"ACTION": "change", "DEVPATH": "/devices/virtual/net/lo",
		"SUBSYSTEM": "net", "SEQNUM": "5", "EXTRA": "x"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Sysname != "lo" || d.Ifindex != 1 || d.Action != "change" || d.ID() != "n1" {
		t.Fatalf("lo: %+v", d)
	}
	if v, _ := d.Property("EXTRA"); v != "x" {
		t.Fatal("the event's property is missing")
	}
	gone, err := Sysfs{}.FromUevent(map[string]string{"ACTION": "remove", "DEVPATH": "/devices/virtual/block/nosuch7",
		"SUBSYSTEM": "block", "MINOR": "7", "MAJOR": "259", "DEVNAME": "nosuch7", "DEVTYPE": "disk"})
	if err != nil {
		t.Fatal(err)
	}
	if gone.Sysname != "nosuch7" || gone.Sysnum != "7" || gone.ID() != "b259:7" || gone.Devname != "/dev/nosuch7" ||
		gone.Devtype != "disk" {
		t.Fatalf("removed device: %+v", gone)
	}
	for _, bad := range []string{"", "devices/x", "/devices/../etc"} {
		if _, err := (Sysfs{}).FromUevent(map[string]string{"DEVPATH": bad}); err == nil {
			t.Errorf("DEVPATH %q accepted", bad)
		}
	}
}
