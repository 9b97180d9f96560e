package autofs

import (
	"encoding/binary"
	"testing"
)

// packet lays out a struct autofs_v5_packet as the kernel writes it.
func packet(typ, token, pid uint32, name string) []byte {
	b := make([]byte, packetSize)
	le := binary.LittleEndian
	le.PutUint32(b[0:], 5)
	le.PutUint32(b[4:], typ)
	le.PutUint32(b[8:], token)
	le.PutUint32(b[32:], pid)
	le.PutUint32(b[40:], uint32(len(name)))
	copy(b[44:], name)
	return b
}

func TestParsePacket(t *testing.T) {
	for _, tc := range []struct {
		name string
		b    []byte
		want Packet
		ok   bool
	}{
		{"missing direct", packet(ptypeMissingDirect, 7, 42, "auto"), Packet{Token: 7, Pid: 42, Name: "auto"}, true},
		{"expire direct", packet(ptypeExpireDirect, 8, 0, "auto"), Packet{Token: 8, Expire: true, Name: "auto"}, true},
		{"missing indirect", packet(ptypeMissingIndirect, 9, 1, "x"), Packet{Token: 9, Pid: 1, Name: "x"}, true},
		{"protocol 3 missing", packet(0, 1, 1, "x"), Packet{}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := parsePacket(tc.b)
			if ok != tc.ok || ok && got != tc.want {
				t.Fatalf("got %+v %v, want %+v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func FuzzParsePacket(f *testing.F) {
	f.Add(packet(ptypeMissingDirect, 7, 42, "auto"))
	f.Add(packet(ptypeExpireDirect, 1, 0, ""))
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) < packetSize {
			return
		}
		p, ok := parsePacket(b[:packetSize])
		if ok && len(p.Name) > 255 {
			t.Fatalf("name of %d bytes", len(p.Name))
		}
	})
}

// TestIoctlNumbers: _IOWR(0x93, cmd, struct autofs_dev_ioctl) as linux/auto_dev-ioctl.h defines them.
func TestIoctlNumbers(t *testing.T) {
	for cmd, want := range map[uint32]uint{cmdOpenMount: 0xc0189374, cmdReady: 0xc0189376, cmdFail: 0xc0189377,
		cmdSetPipefd: 0xc0189378, cmdCatatonic: 0xc0189379, cmdTimeout: 0xc018937a, cmdExpire: 0xc018937c} {
		if got := ioctlNumber(cmd); got != want {
			t.Errorf("command %#x: %#x, want %#x", cmd, got, want)
		}
	}
}
