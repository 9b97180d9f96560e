package builtin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/sysmaster/sysmaster/udevd/device"
)

func init() {
	register(&Builtin{Name: "path_id", Help: "Compose persistent device path", Run: pathID})
}

// pathID sets ID_PATH and ID_PATH_TAG from the chain of parents, as systemd's path_id does for the buses
// handled below (pci, usb, scsi incl. ata, platform, acpi, xen, serio, virtio, nvme).
func pathID(_ context.Context, dev *device.Device, _ []string, _ bool) error {
	var path []string
	prepend := func(format string, a ...any) { path = append([]string{fmt.Sprintf(format, a...)}, path...) }
	supportedTransport, supportedParent := false, false
	for p := dev; p != nil; p = p.Parent() {
		switch p.Subsystem {
		case "scsi":
			p = handleSCSI(p, prepend)
			supportedParent = true
			supportedTransport = true
		case "usb":
			p = handleUSB(p, prepend)
			supportedParent = true
			supportedTransport = true
		case "serio":
			if p.Sysnum != "" {
				prepend("serio-%s", p.Sysnum)
				p = skipSubsystem(p, "serio")
			}
		case "pci":
			prepend("pci-%s", p.Sysname)
			p = skipSubsystem(p, "pci")
			supportedParent = true
		case "platform":
			prepend("platform-%s", p.Sysname)
			p = skipSubsystem(p, "platform")
			supportedTransport = true
			supportedParent = true
		case "acpi":
			prepend("acpi-%s", p.Sysname)
			p = skipSubsystem(p, "acpi")
			supportedParent = true
		case "xen":
			prepend("xen-%s", p.Sysname)
			p = skipSubsystem(p, "xen")
			supportedParent = true
		case "virtio":
			p = skipSubsystem(p, "virtio")
			supportedTransport = true
		case "nvme":
			if nsid, err := dev.Attr("nsid"); err == nil {
				prepend("nvme-%s", nsid)
				p = skipSubsystem(p, "nvme")
				supportedParent = true
				supportedTransport = true
			}
		}
		if p == nil {
			break
		}
	}
	if len(path) == 0 || !supportedParent || (dev.Subsystem == "block" && !supportedTransport) {
		return errors.New("path_id: no persistent path for this device")
	}
	id := strings.Join(path, "-")
	dev.SetProperty("ID_PATH", id)
	dev.SetProperty("ID_PATH_TAG", pathTag(id))
	return nil
}

// pathTag makes a tag name of a path: letters, digits and '-' kept, runs of anything else one '_', none leading
// or trailing.
func pathTag(p string) string {
	var b []byte
	for i := 0; i < len(p); i++ {
		c := p[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '-' {
			b = append(b, c)
			continue
		}
		if len(b) == 0 || b[len(b)-1] == '_' {
			continue
		}
		b = append(b, '_')
	}
	return strings.TrimRight(string(b), "_")
}

// skipSubsystem returns the topmost ancestor of a run of devices of one subsystem.
func skipSubsystem(d *device.Device, subsystem string) *device.Device {
	last := d
	for p := d; p != nil && p.Subsystem == subsystem; p = p.Parent() {
		last = p
	}
	return last
}

func handleUSB(d *device.Device, prepend func(string, ...any)) *device.Device {
	if d.Devtype != "usb_interface" && d.Devtype != "usb_device" {
		return d
	}
	_, port, ok := strings.Cut(d.Sysname, "-")
	if !ok {
		return d
	}
	d = skipSubsystem(d, "usb")
	prepend("usb-0:%s", port)
	return d
}

func handleSCSI(d *device.Device, prepend func(string, ...any)) *device.Device {
	if d.Devtype != "scsi_device" {
		return d
	}
	var host, bus, target, lun int
	if n, _ := fmt.Sscanf(d.Sysname, "%d:%d:%d:%d", &host, &bus, &target, &lun); n != 4 {
		return d
	}
	hostdev := d
	for hostdev != nil && !(hostdev.Subsystem == "scsi" && hostdev.Devtype == "scsi_host") {
		hostdev = hostdev.Parent()
	}
	if hostdev == nil {
		return d
	}
	if strings.Contains(d.Devpath, "/ata") {
		// The ata port is the host's parent: "ata-PORT.LUN", or "ata-PORT.BUS.0" behind a port multiplier.
		if port := hostdev.Parent(); port != nil {
			if pd, err := d.Sysfs().NewFromSubsystemSysname("ata_port", port.Sysname); err == nil {
				if no, err := pd.Attr("port_no"); err == nil {
					if bus != 0 {
						prepend("ata-%s.%d.0", no, bus)
					} else {
						prepend("ata-%s.%d", no, lun)
					}
					return hostdev
				}
			}
		}
	}
	// Rebase the host number on the lowest host of the same parent, so the path does not depend on probe order.
	base := filepath.Dir(hostdev.Syspath())
	lowest := -1
	if ents, err := os.ReadDir(base); err == nil {
		for _, e := range ents {
			var n int
			if c, _ := fmt.Sscanf(e.Name(), "host%d", &n); c == 1 && (lowest < 0 || n < lowest) {
				lowest = n
			}
		}
	}
	if lowest >= 0 {
		host -= lowest
	}
	prepend("scsi-%d:%d:%d:%d", host, bus, target, lun)
	return hostdev
}
