package uevent

import (
	"encoding/binary"
	"unsafe"
)

// nativeEndian is the byte order of this machine, in which libudev writes its header's size fields.
var nativeEndian binary.ByteOrder = func() binary.ByteOrder {
	x := uint16(1)
	if *(*byte)(unsafe.Pointer(&x)) == 1 {
		return binary.LittleEndian
	}
	return binary.BigEndian
}()

// Hash32 is MurmurHash2 with seed 0 (systemd's string_hash32), the subsystem and devtype filter hashes.
func Hash32(s string) uint32 {
	const m, r = 0x5bd1e995, 24
	data := []byte(s)
	h := uint32(len(data))
	for len(data) >= 4 {
		k := uint32(data[0]) | uint32(data[1])<<8 | uint32(data[2])<<16 | uint32(data[3])<<24
		k *= m
		k ^= k >> r
		k *= m
		h *= m
		h ^= k
		data = data[4:]
	}
	switch len(data) {
	case 3:
		h ^= uint32(data[2]) << 16
		fallthrough
	case 2:
		h ^= uint32(data[1]) << 8
		fallthrough
	case 1:
		h ^= uint32(data[0])
		h *= m
	}
	h ^= h >> 13
	h *= m
	h ^= h >> 15
	return h
}

// Bloom64 is the tag's bits in the tag bloom filter (systemd's string_bloom64): four 6-bit slices of its hash.
func Bloom64(s string) uint64 {
	h := Hash32(s)
	return 1<<(h&63) | 1<<((h>>6)&63) | 1<<((h>>12)&63) | 1<<((h>>18)&63)
}
