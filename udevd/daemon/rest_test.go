package daemon

import (
	"slices"
	"testing"
)

// The read-only mappings of the executable are found by its path, a replaced one too; its writable data, other
// files and anonymous memory are not.
func TestImageMappings(t *testing.T) {
	maps := `00400000-00541000 r-xp 00000000 fe:00 10290241                           /usr/lib/sysmaster/udevd
00541000-006c8000 r--p 00141000 fe:00 10290241                           /usr/lib/sysmaster/udevd
006c8000-006d7000 rw-p 002c8000 fe:00 10290241                           /usr/lib/sysmaster/udevd
006d7000-0070d000 rw-p 00000000 00:00 0 
7f6364a30000-7f6364a90000 r--p 00000000 fe:00 77                         /usr/lib/sysmaster/udevd2
7f6364a96000-7f6364a98000 r-xp 00000000 00:00 0                          [vdso]
7f6364b00000-7f6364b10000 r-xp 00000000 fe:00 88                         /usr/lib/sysmaster/udevd (deleted)
`
	got := imageMappings([]byte(maps), "/usr/lib/sysmaster/udevd")
	want := [][2]uintptr{{0x400000, 0x541000}, {0x541000, 0x6c8000}}
	if !slices.Equal(got, want) {
		t.Errorf("imageMappings = %x, want %x", got, want)
	}
	got = imageMappings([]byte(maps), "/usr/lib/sysmaster/udevd (deleted)")
	if want := [][2]uintptr{{0x7f6364b00000, 0x7f6364b10000}}; !slices.Equal(got, want) {
		t.Errorf("imageMappings of a replaced file = %x, want %x", got, want)
	}
}

// FuzzImageMappings: any text is read without a panic, and every range found is a non-empty one.
func FuzzImageMappings(f *testing.F) {
	f.Add("00400000-00541000 r-xp 00000000 fe:00 10290241   /x\n", "/x")
	f.Add("zz-00 r--p 0 0 0 /x\n7-3 r--p 0 0 0 /x\n", "/x")
	f.Fuzz(func(t *testing.T, maps, exe string) {
		for _, m := range imageMappings([]byte(maps), exe) {
			if m[1] <= m[0] {
				t.Fatalf("empty range %x", m)
			}
		}
	})
}
