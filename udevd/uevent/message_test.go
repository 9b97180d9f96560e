package uevent

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"
)

func TestParseKernel(t *testing.T) {
	raw := []byte("change@/devices/virtual/net/lo\x00ACTION=change\x00DEVPATH=/devices/virtual/net/lo\x00" +
		"SUBSYSTEM=net\x00INTERFACE=lo\x00IFINDEX=1\x00SEQNUM=4711\x00X=a=b\x00")
	m, err := ParseKernel(raw)
	if err != nil {
		t.Fatal(err)
	}
	if m.Action() != "change" || m.Subsystem() != "net" || m.Seqnum() != 4711 || m.Get("X") != "a=b" {
		t.Fatalf("parsed %v", m.Values)
	}
	if !bytes.Equal(m.Kernel(), raw) {
		t.Fatalf("Kernel() = %q", m.Kernel())
	}
	for _, bad := range []string{
		"", "change", "change@devices\x00ACTION=change\x00",
		"change@/devices/a\x00ACTION=add\x00DEVPATH=/devices/a\x00SUBSYSTEM=x\x00",
		"change@/devices/a\x00ACTION=change\x00DEVPATH=/devices/a\x00",
		"change@/devices/a\x00ACTION=change\x00DEVPATH=/devices/a\x00SUBSYSTEM=x\x00junk\x00",
	} {
		if _, err := ParseKernel([]byte(bad)); !errors.Is(err, ErrMalformed) {
			t.Errorf("%q: error %v, want ErrMalformed", bad, err)
		}
	}
}

// TestLibudev checks the header fields against systemd's layout: prefix, big-endian magic and hashes,
// native-endian sizes, and the bloom filter holding each tag's bits.
func TestLibudev(t *testing.T) {
	m := NewMessage()
	for _, kv := range [][2]string{{"ACTION", "add"}, {"DEVPATH", "/devices/virtual/block/loop0"},
		{"SUBSYSTEM", "block"}, {"DEVTYPE", "disk"}, {"SEQNUM", "7"}, {"TAGS", ":systemd:seat:"}} {
		m.Set(kv[0], kv[1])
	}
	b := m.Libudev()
	if string(b[:8]) != "libudev\x00" || binary.BigEndian.Uint32(b[8:]) != 0xfeedcafe {
		t.Fatalf("prefix/magic: % x", b[:12])
	}
	if nativeEndian.Uint32(b[12:]) != 40 || nativeEndian.Uint32(b[16:]) != 40 ||
		int(nativeEndian.Uint32(b[20:])) != len(b)-40 {
		t.Fatalf("sizes: % x", b[12:24])
	}
	if binary.BigEndian.Uint32(b[24:]) != Hash32("block") || binary.BigEndian.Uint32(b[28:]) != Hash32("disk") {
		t.Fatal("subsystem/devtype hashes")
	}
	bloom := uint64(binary.BigEndian.Uint32(b[32:]))<<32 | uint64(binary.BigEndian.Uint32(b[36:]))
	for _, tag := range []string{"systemd", "seat"} {
		if bloom&Bloom64(tag) != Bloom64(tag) {
			t.Errorf("bloom %x lacks %s", bloom, tag)
		}
	}
	back, err := Parse(b)
	if err != nil || back.Devpath() != m.Devpath() || back.Get("TAGS") != ":systemd:seat:" {
		t.Fatalf("Parse: %v %v", back, err)
	}
	b[9] ^= 1
	if _, err := Parse(b); !errors.Is(err, ErrMalformed) {
		t.Fatalf("bad magic: %v", err)
	}
}

// TestHash32: MurmurHash2 (seed 0) of the empty string is 0; the tail bytes and the 4-byte blocks both count.
func TestHash32(t *testing.T) {
	if Hash32("") != 0 {
		t.Fatalf("Hash32(\"\") = %#x", Hash32(""))
	}
	seen := map[uint32]string{}
	for _, s := range []string{"a", "b", "ab", "abc", "abcd", "abcde", "block", "net", "usb", "disk"} {
		h := Hash32(s)
		if o, dup := seen[h]; dup {
			t.Fatalf("%q and %q hash alike", s, o)
		}
		seen[h] = s
		if c := popcount(Bloom64(s)); c < 1 || c > 4 {
			t.Fatalf("Bloom64(%q) has %d bits", s, c)
		}
	}
}

func popcount(x uint64) int {
	n := 0
	for ; x != 0; x &= x - 1 {
		n++
	}
	return n
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("add@/devices/a\x00ACTION=add\x00DEVPATH=/devices/a\x00SUBSYSTEM=x\x00SEQNUM=1\x00"))
	m := NewMessage()
	m.Set("ACTION", "add")
	m.Set("DEVPATH", "/devices/a")
	m.Set("SUBSYSTEM", "x")
	f.Add(m.Libudev())
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Parse(b)
		if err != nil {
			return
		}
		again, err := Parse(m.Libudev())
		if err != nil || len(again.Keys) != len(m.Keys) {
			t.Fatalf("re-parse of a parsed message: %v", err)
		}
	})
}
