// Package devices is the core's view of the devices udev has processed (systemd's device enumeration and its
// udev monitor): it reads udev's database under /run/udev at start and then receives every event udevd
// broadcasts on the "udev" netlink group in libudev's format. The core makes .device units of the devices tagged
// "systemd" and hands each event to the device plugin.
//
//	devs, err := devices.Enumerate(devices.Paths{})
//	mon, err := devices.Watch(func(d *devices.Device) { post(d) })
//	…
//	mon.Close()
package devices

import (
	"errors"
	"path/filepath"
	"slices"
	"strings"

	"github.com/sysmaster/sysmaster/udevd/uevent"
)

// Device is one device as udev last reported it.
type Device struct {
	// Syspath is the device's path in sysfs ("/sys/devices/virtual/block/loop5").
	Syspath string
	// Action is the event's action (add, change, remove, move, bind, unbind); "add" for a device found in the
	// database at start.
	Action string
	// Devnode is its node under /dev ("/dev/loop5"), empty for a device without one (a network interface).
	Devnode string
	// Links are its symlinks under /dev ("/dev/disk/by-uuid/…").
	Links []string
	// Tags are its current tags (CURRENT_TAGS, or the database's Q: lines).
	Tags []string
	// Properties are every property udev gave it, DEVPATH, SUBSYSTEM and SYSTEMD_* included.
	Properties map[string]string
}

// HasTag reports whether the device currently carries tag.
func (d *Device) HasTag(tag string) bool { return slices.Contains(d.Tags, tag) }

// FromMessage is the device a libudev message describes; sysfs is the sysfs mount point ("/sys").
func FromMessage(m *uevent.Message, sysfs string) *Device {
	d := &Device{Syspath: filepath.Join(sysfs, m.Devpath()), Action: m.Action(), Properties: m.Values}
	if n := m.Get("DEVNAME"); n != "" {
		d.Devnode = absDevnode(n)
	}
	d.Links = strings.Fields(m.Get("DEVLINKS"))
	// No CURRENT_TAGS means no current tag (udevd sends it only when there is one, as systemd-udevd since 247):
	// TAGS also lists tags the device had at earlier events.
	d.Tags = splitTags(m.Get("CURRENT_TAGS"))
	return d
}

// absDevnode makes DEVNAME absolute: the kernel sends it relative to /dev, udev absolute.
func absDevnode(n string) string {
	if strings.HasPrefix(n, "/") {
		return n
	}
	return "/dev/" + n
}

// splitTags reads udev's ":a:b:" tag lists.
func splitTags(s string) []string {
	var tags []string
	for _, t := range strings.Split(s, ":") {
		if t != "" {
			tags = append(tags, t)
		}
	}
	return tags
}

var errInvalidBool = errors.New("devices: not a boolean")
