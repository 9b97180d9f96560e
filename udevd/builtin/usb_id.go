package builtin

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/sysmaster/sysmaster/udevd/device"
)

func init() {
	register(&Builtin{Name: "usb_id", Help: "USB device properties", Run: usbID})
}

// usbID sets the ID_VENDOR/ID_MODEL/ID_SERIAL family, ID_TYPE, ID_BUS=usb and the interface properties from the
// device's USB interface and USB device parents, as systemd's usb_id does (without its SCSI inquiry for USB mass
// storage: vendor and model come from the USB descriptors).
func usbID(_ context.Context, dev *device.Device, _ []string, _ bool) error {
	var iface, usbdev *device.Device
	for p := dev; p != nil; p = p.Parent() {
		if p.Subsystem != "usb" {
			continue
		}
		if p.Devtype == "usb_interface" && iface == nil {
			iface = p
		}
		if p.Devtype == "usb_device" {
			usbdev = p
			break
		}
	}
	if usbdev == nil {
		return errors.New("usb_id: no USB device parent")
	}
	set := dev.SetProperty
	if iface != nil {
		class, _ := iface.Attr("bInterfaceClass")
		sub, _ := iface.Attr("bInterfaceSubClass")
		if t := usbIfaceType(class, sub); t != "" {
			set("ID_TYPE", t)
		}
		if n, err := iface.Attr("bInterfaceNumber"); err == nil {
			set("ID_USB_INTERFACE_NUM", n)
		}
		if iface.Driver != "" {
			set("ID_USB_DRIVER", iface.Driver)
		}
	}
	vendorID, _ := usbdev.Attr("idVendor")
	productID, _ := usbdev.Attr("idProduct")
	vendor, err := usbdev.Attr("manufacturer")
	if err != nil {
		vendor = vendorID
	}
	model, err := usbdev.Attr("product")
	if err != nil {
		model = productID
	}
	rev, _ := usbdev.Attr("bcdDevice")
	serial, _ := usbdev.Attr("serial")
	if serial != "" && !printableSerial(serial) {
		serial = ""
	}

	set("ID_VENDOR", sanitize(vendor))
	set("ID_VENDOR_ENC", EncodeString(vendor))
	set("ID_VENDOR_ID", vendorID)
	set("ID_MODEL", sanitize(model))
	set("ID_MODEL_ENC", EncodeString(model))
	set("ID_MODEL_ID", productID)
	set("ID_REVISION", sanitize(rev))
	id := sanitize(vendor) + "_" + sanitize(model)
	if s := sanitize(serial); s != "" {
		id += "_" + s
		set("ID_SERIAL_SHORT", s)
	}
	set("ID_SERIAL", id)
	if ifs := usbInterfaces(usbdev); ifs != "" {
		set("ID_USB_INTERFACES", ifs)
	}
	set("ID_BUS", "usb")
	return nil
}

// usbIfaceType maps an interface class (and the mass-storage subclass) to udev's ID_TYPE.
func usbIfaceType(class, sub string) string {
	c, err := strconv.ParseUint(class, 16, 8)
	if err != nil {
		return ""
	}
	switch c {
	case 0x01:
		return "audio"
	case 0x02:
		return "generic" // communications
	case 0x03:
		return "hid"
	case 0x05:
		return "generic"
	case 0x06:
		return "media"
	case 0x07:
		return "printer"
	case 0x08:
		s, _ := strconv.ParseUint(sub, 16, 8)
		switch s {
		case 0x02, 0x05:
			return "cd"
		case 0x03:
			return "tape"
		case 0x04:
			return "floppy"
		case 0x01, 0x06:
			return "disk"
		}
		return "generic"
	case 0x09:
		return "hub"
	case 0x0e:
		return "video"
	}
	return "generic"
}

// usbInterfaces is ID_USB_INTERFACES: ":CCSSPP:" for each interface of the device, without repeats.
func usbInterfaces(usbdev *device.Device) string {
	ents, err := os.ReadDir(usbdev.Syspath())
	if err != nil {
		return ""
	}
	var seen []string
	for _, e := range ents {
		dir := filepath.Join(usbdev.Syspath(), e.Name())
		class, err1 := device.ReadAttr(filepath.Join(dir, "bInterfaceClass"))
		sub, err2 := device.ReadAttr(filepath.Join(dir, "bInterfaceSubClass"))
		proto, err3 := device.ReadAttr(filepath.Join(dir, "bInterfaceProtocol"))
		if err1 != nil || err2 != nil || err3 != nil {
			continue
		}
		s := class + sub + proto
		if !slices.Contains(seen, s) {
			seen = append(seen, s)
		}
	}
	if len(seen) == 0 {
		return ""
	}
	return ":" + strings.Join(seen, ":") + ":"
}

func printableSerial(s string) bool {
	for _, c := range []byte(s) {
		if c < 0x20 || c >= 0x7f || c == ',' {
			return false
		}
	}
	return true
}

// sanitize trims whitespace, turns inner runs of it into one '_' and replaces characters not allowed in a udev
// property value used for names (anything but letters, digits, "#+-.:=@_" and valid UTF-8) with '_'.
func sanitize(s string) string {
	s = strings.Join(strings.Fields(s), "_")
	b := []byte(s)
	for i, c := range b {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("#+-.:=@_", c) >= 0 || c >= 0x80) {
			b[i] = '_'
		}
	}
	return string(b)
}

// EncodeString escapes a string for the *_ENC properties: bytes other than letters, digits, "#+-.:=@_" and
// valid multibyte UTF-8 become \xNN.
func EncodeString(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || strings.IndexByte("#+-.:=@_", c) >= 0 {
			b.WriteByte(c)
			continue
		}
		if r, n := utf8.DecodeRuneInString(s[i:]); n > 1 && r != utf8.RuneError {
			b.WriteString(s[i : i+n])
			i += n - 1
			continue
		}
		fmt.Fprintf(&b, "\\x%02x", c)
	}
	return b.String()
}
