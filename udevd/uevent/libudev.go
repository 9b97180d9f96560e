package uevent

import (
	"encoding/binary"
	"fmt"
)

// The libudev netlink header (systemd's monitor_netlink_header in sd-device/device-monitor.c): the prefix
// "libudev\0", then eight 32-bit words. magic, the two hashes and the bloom halves are big-endian (the
// receivers' socket filters compare them); header size and the properties' offset and length are native-endian
// (little-endian on every architecture this builds for that matters here; see nativeEndian).
const (
	headerSize = 40
	// Magic protects against a sender/receiver format mismatch (UDEV_MONITOR_MAGIC).
	Magic = 0xfeedcafe
)

var prefix = []byte("libudev\x00")

// Libudev returns the message in libudev's format, as udevd broadcasts it on group 2.
func (m *Message) Libudev() []byte {
	props := m.Properties()
	b := make([]byte, headerSize, headerSize+len(props))
	copy(b, prefix)
	binary.BigEndian.PutUint32(b[8:], Magic)
	nativeEndian.PutUint32(b[12:], headerSize)
	nativeEndian.PutUint32(b[16:], headerSize)
	nativeEndian.PutUint32(b[20:], uint32(len(props)))
	binary.BigEndian.PutUint32(b[24:], Hash32(m.Subsystem()))
	if dt := m.Devtype(); dt != "" {
		binary.BigEndian.PutUint32(b[28:], Hash32(dt))
	}
	var bloom uint64
	for _, t := range m.Tags() {
		bloom |= Bloom64(t)
	}
	binary.BigEndian.PutUint32(b[32:], uint32(bloom>>32))
	binary.BigEndian.PutUint32(b[36:], uint32(bloom))
	return append(b, props...)
}

// IsLibudev says whether b starts with the libudev prefix.
func IsLibudev(b []byte) bool {
	return len(b) >= len(prefix) && string(b[:len(prefix)]) == string(prefix)
}

// ParseLibudev reads a libudev message, checking the magic and the properties' bounds as libudev does.
func ParseLibudev(b []byte) (*Message, error) {
	if len(b) < headerSize || !IsLibudev(b) {
		return nil, fmt.Errorf("%w: short or no libudev prefix", ErrMalformed)
	}
	if binary.BigEndian.Uint32(b[8:]) != Magic {
		return nil, fmt.Errorf("%w: libudev magic mismatch", ErrMalformed)
	}
	off, n := uint64(nativeEndian.Uint32(b[16:])), uint64(nativeEndian.Uint32(b[20:]))
	if off < headerSize || off+n > uint64(len(b)) {
		return nil, fmt.Errorf("%w: properties outside the message", ErrMalformed)
	}
	return parseProperties(b[off : off+n])
}

// Parse reads a message in either format.
func Parse(b []byte) (*Message, error) {
	if IsLibudev(b) {
		return ParseLibudev(b)
	}
	return ParseKernel(b)
}
