package unitname

import (
	"encoding/binary"
	"encoding/hex"
	"math/bits"
	"strings"
)

// hashLength is the number of hex digits of a hashed name's hash (systemd's UNIT_NAME_HASH_LENGTH_CHARS).
const hashLength = 16

// hashKey is systemd's LONG_UNIT_NAME_HASH_KEY: the same long path gets the same hashed name in both.
var hashKey = [16]byte{0xec, 0xf2, 0x37, 0xfb, 0x58, 0x32, 0x4a, 0x32, 0x84, 0x9f, 0x06, 0x9b, 0x0d, 0x21, 0xeb, 0x9a}

// hashLong shortens a name that is too long: its beginning, '_', the SipHash-2-4 of the whole name in
// little-endian hex, and its suffix, MaxLength bytes in all.
func hashLong(name string) string {
	dot := strings.LastIndexByte(name, '.')
	keep := MaxLength - (len(name) - dot - 1) - hashLength - 2
	var h [8]byte
	binary.LittleEndian.PutUint64(h[:], siphash24(append([]byte(name), 0))) // siphash24_string hashes the NUL too
	return name[:keep] + "_" + hex.EncodeToString(h[:]) + name[dot:]
}

// IsHashed reports a name made by hashing a long one ("…_7736d9ed33c2ec55.mount"): such a name cannot be turned
// back into its path.
func IsHashed(name string) bool {
	if !ValidAs(name, KindPlain) {
		return false
	}
	dot := strings.LastIndexByte(name, '.')
	if dot < hashLength+1 || name[dot-hashLength-1] != '_' {
		return false
	}
	for _, c := range name[dot-hashLength : dot] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// siphash24 is SipHash-2-4 of b under hashKey.
func siphash24(b []byte) uint64 {
	k0 := binary.LittleEndian.Uint64(hashKey[:8])
	k1 := binary.LittleEndian.Uint64(hashKey[8:])
	v0, v1, v2, v3 := k0^0x736f6d6570736575, k1^0x646f72616e646f6d, k0^0x6c7967656e657261, k1^0x7465646279746573
	round := func() {
		v0 += v1
		v1 = bits.RotateLeft64(v1, 13) ^ v0
		v0 = bits.RotateLeft64(v0, 32)
		v2 += v3
		v3 = bits.RotateLeft64(v3, 16) ^ v2
		v0 += v3
		v3 = bits.RotateLeft64(v3, 21) ^ v0
		v2 += v1
		v1 = bits.RotateLeft64(v1, 17) ^ v2
		v2 = bits.RotateLeft64(v2, 32)
	}
	n := len(b)
	for ; len(b) >= 8; b = b[8:] {
		m := binary.LittleEndian.Uint64(b)
		v3 ^= m
		round()
		round()
		v0 ^= m
	}
	var last [8]byte
	copy(last[:], b)
	last[7] = byte(n)
	m := binary.LittleEndian.Uint64(last[:])
	v3 ^= m
	round()
	round()
	v0 ^= m
	v2 ^= 0xff
	for i := 0; i < 4; i++ {
		round()
	}
	return v0 ^ v1 ^ v2 ^ v3
}
