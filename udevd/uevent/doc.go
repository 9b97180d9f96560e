// Package uevent holds the two wire formats device events travel in over NETLINK_KOBJECT_UEVENT: the kernel's
// ("action@devpath\0KEY=value\0…", multicast group 1) and libudev's (a "libudev" header, then "KEY=value\0…",
// group 2), which udevd broadcasts once it has processed an event and every libudev client (udevadm monitor,
// pyudev, the device plugin) receives. It also opens, receives on and sends to those sockets, checking that a
// message comes from the kernel or from root.
package uevent
