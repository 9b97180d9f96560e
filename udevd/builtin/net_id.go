package builtin

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/udevd/device"
)

func init() {
	register(&Builtin{Name: "net_id", Help: "Network device properties", Run: netID})
}

// namingScheme is the systemd.net-naming-scheme these names follow.
const namingScheme = "v252"

// netID sets the predictable interface names systemd's net_id derives, for the parts done here:
// ID_NET_NAMING_SCHEME, ID_NET_NAME_MAC (en/wl/ww + x + permanent MAC), ID_NET_NAME_PATH and ID_NET_NAME_ONBOARD
// (with ID_NET_LABEL_ONBOARD) of interfaces on PCI devices. Not done: slot names (ID_NET_NAME_SLOT), USB, BCMA,
// platform, devicetree and s390 paths, and the hwdb-based naming flags of newer schemes.
func netID(_ context.Context, dev *device.Device, _ []string, _ bool) error {
	typ, err := dev.Attr("type")
	if err != nil {
		return nil // not a network interface
	}
	prefix := ""
	switch typ {
	case "1": // ARPHRD_ETHER
		prefix = "en"
		switch dev.Devtype {
		case "wlan":
			prefix = "wl"
		case "wwan":
			prefix = "ww"
		}
	case "256": // ARPHRD_SLIP
		prefix = "sl"
	default:
		return nil
	}
	dev.SetProperty("ID_NET_NAMING_SCHEME", namingScheme)
	// Stacked devices (VLANs and the like) share their parent's hardware: no names of their own.
	if ifl, err := dev.Attr("iflink"); err == nil {
		if ifi, err := dev.Attr("ifindex"); err == nil && ifl != ifi {
			return nil
		}
	}
	if mac, ok := permanentMAC(dev); ok {
		dev.SetProperty("ID_NET_NAME_MAC", prefix+"x"+mac)
	}
	pci := dev.Parent()
	for pci != nil && pci.Subsystem != "pci" {
		pci = pci.Parent()
	}
	if pci == nil {
		return nil
	}
	var domain, bus, slot, fn uint64
	if _, err := fmt.Sscanf(pci.Sysname, "%x:%x:%x.%d", &domain, &bus, &slot, &fn); err != nil {
		return nil
	}
	suffix := ""
	if p := attrUint(dev, "dev_port"); p > 0 {
		suffix = fmt.Sprintf("d%d", p)
	}
	if name, err := dev.Attr("phys_port_name"); err == nil && name != "" {
		suffix = "n" + name
	}
	path := ""
	if domain > 0 {
		path = fmt.Sprintf("P%d", domain)
	}
	path += fmt.Sprintf("p%ds%d", bus, slot)
	if fn > 0 || multifunction(pci) {
		path += fmt.Sprintf("f%d", fn)
	}
	dev.SetProperty("ID_NET_NAME_PATH", prefix+path+suffix)
	idx := attrUint(pci, "acpi_index")
	if idx == 0 {
		idx = attrUint(pci, "index")
	}
	if idx > 0 && idx <= 16383 {
		onboard := fmt.Sprintf("o%d", idx)
		if p := attrUint(dev, "dev_port"); p > 0 {
			onboard += fmt.Sprintf("d%d", p)
		}
		dev.SetProperty("ID_NET_NAME_ONBOARD", prefix+onboard)
	}
	if label, err := pci.Attr("label"); err == nil && label != "" {
		dev.SetProperty("ID_NET_LABEL_ONBOARD", prefix+" "+label)
	}
	return nil
}

// permanentMAC is the interface's address as hex digits, when the kernel says it is the permanent one
// (addr_assign_type 0) and it is not all zeroes.
func permanentMAC(dev *device.Device) (string, bool) {
	if t, err := dev.Attr("addr_assign_type"); err != nil || t != "0" {
		return "", false
	}
	a, err := dev.Attr("address")
	if err != nil {
		return "", false
	}
	hex := strings.ReplaceAll(a, ":", "")
	if strings.Trim(hex, "0") == "" {
		return "", false
	}
	return hex, true
}

func attrUint(d *device.Device, name string) uint64 {
	v, err := d.Attr(name)
	if err != nil {
		return 0
	}
	n, _ := strconv.ParseUint(strings.TrimSpace(v), 0, 64)
	return n
}

// multifunction reads the PCI header type's multi-function bit from the device's config space.
func multifunction(pci *device.Device) bool {
	f, err := os.Open(filepath.Join(pci.Syspath(), "config"))
	if err != nil {
		return false
	}
	defer f.Close()
	b := make([]byte, 1)
	if _, err := f.ReadAt(b, 0x0e); err != nil {
		return false
	}
	return b[0]&0x80 != 0
}
