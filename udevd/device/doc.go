// Package device is udevd's model of a kernel device as sysfs shows it: the properties of its uevent file, its
// subsystem, driver, device number and node, its attributes and its parents, read from a sysfs root that may be a
// fake tree (tests bind one over /sys, or pass its path).
//
// A Device also carries what the rules add while an event is processed: properties, tags, /dev symlinks and their
// priority. It is not safe for concurrent use; a worker owns the Device of the event it processes.
//
//	s := device.Sysfs{Root: "/sys"}
//	d, err := s.New("/devices/virtual/net/lo")
//	v, _ := d.Attr("address")
package device
