package memtrim

import (
	"slices"
	"testing"
)

// The read-only mappings of files are found (the executable, a replaced one, the hardware database); writable
// data, anonymous memory and the kernel's [vdso] are not.
func TestFileMappings(t *testing.T) {
	maps := `00400000-00541000 r-xp 00000000 fe:00 10290241                           /usr/lib/sysmaster/udevd
00541000-006c8000 r--p 00141000 fe:00 10290241                           /usr/lib/sysmaster/udevd
006c8000-006d7000 rw-p 002c8000 fe:00 10290241                           /usr/lib/sysmaster/udevd
006d7000-0070d000 rw-p 00000000 00:00 0 
7f6364a30000-7f6364a90000 r--s 00000000 fe:00 77                         /usr/lib/udev/hwdb.bin
7f6364a96000-7f6364a98000 r-xp 00000000 00:00 0                          [vdso]
7f6364b00000-7f6364b10000 r-xp 00000000 fe:00 88                         /usr/lib/sysmaster/udevd (deleted)
`
	got := FileMappings([]byte(maps))
	want := []Mapping{{0x400000, 0x541000, "/usr/lib/sysmaster/udevd"}, {0x541000, 0x6c8000, "/usr/lib/sysmaster/udevd"},
		{0x7f6364a30000, 0x7f6364a90000, "/usr/lib/udev/hwdb.bin"},
		{0x7f6364b00000, 0x7f6364b10000, "/usr/lib/sysmaster/udevd (deleted)"}}
	if !slices.Equal(got, want) {
		t.Errorf("FileMappings = %+v, want %+v", got, want)
	}
}

// FuzzFileMappings: any text is read without a panic, and every range found is a non-empty one.
func FuzzFileMappings(f *testing.F) {
	f.Add("00400000-00541000 r-xp 00000000 fe:00 10290241   /x\n")
	f.Add("zz-00 r--p 0 0 0 /x\n7-3 r--p 0 0 0 /x\n")
	f.Fuzz(func(t *testing.T, maps string) {
		for _, m := range FileMappings([]byte(maps)) {
			if m.End <= m.Start {
				t.Fatalf("empty range %+v", m)
			}
		}
	})
}
