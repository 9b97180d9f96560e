package bytesize

import (
	"math"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want uint64
		err  bool
	}{
		{"0", 0, false},
		{"512", 512, false},
		{"10B", 10, false},
		{"4K", 4096, false},
		{"4KB", 4096, false},
		{"4 K", 4096, false},
		{"1M", 1 << 20, false},
		{"2G", 2 << 30, false},
		{"1T", 1 << 40, false},
		{"1P", 1 << 50, false},
		{"1E", 1 << 60, false},
		{"15E", 15 << 60, false},
		{"1.5K", 1536, false},
		{"0.5M", 512 << 10, false},
		{".5K", 512, false},
		{"5.K", 5120, false},
		{"1.0", 1, false},
		{"18446744073709551615", math.MaxUint64, false},
		{"18446744073709551616", 0, true},
		{"16E", 0, true},
		{"", 0, true},
		{"K", 0, true},
		{".", 0, true},
		{"1.5", 0, true},
		{"-1", 0, true},
		{"1k", 0, true},
		{"1X", 0, true},
		{"1..5K", 0, true},
		{"infinity", 0, true},
		{"1 2", 0, true},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, error %v", c.in, got, err, c.want, c.err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"1", "1.5G", "15E", "4KB", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) { _, _ = Parse(s) })
}
