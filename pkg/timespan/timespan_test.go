package timespan

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	cases := map[string]time.Duration{
		"5": 5 * time.Second, "5s": 5 * time.Second, "1min 30s": 90 * time.Second, "1min30s": 90 * time.Second,
		"2h": 2 * time.Hour, "1.5s": 1500 * time.Millisecond, "100ms": 100 * time.Millisecond, "10us": 10 * time.Microsecond,
		"1d": 24 * time.Hour, "1w 2d": 9 * 24 * time.Hour, "infinity": Infinity, " 3 sec ": 3 * time.Second, "0": 0,
	}
	for in, want := range cases {
		if got, err := Parse(in); err != nil || got != want {
			t.Errorf("Parse(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if got, err := ParseWithDefault("500", time.Microsecond); err != nil || got != 500*time.Microsecond {
		t.Errorf("ParseWithDefault = %v %v", got, err)
	}
	for _, bad := range []string{"", "abc", "5 parsecs", "1..2s", "s", "-5s"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("Parse(%q) accepted", bad)
		}
	}
}

func TestFormat(t *testing.T) {
	cases := map[time.Duration]string{0: "0", 90 * time.Second: "1min 30s", Infinity: "infinity", 1500 * time.Millisecond: "1s 500ms",
		26 * time.Hour: "1d 2h", 10 * time.Second: "10s"}
	for d, want := range cases {
		if got := Format(d); got != want {
			t.Errorf("Format(%v) = %q, want %q", d, got, want)
		}
	}
}

// FuzzParse: never panics; whatever parses formats to something that parses back to the same (to the µs).
func FuzzParse(f *testing.F) {
	for _, s := range []string{"5s", "1min 30s", "infinity", "1.5h", "3 weeks", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil || d == Infinity {
			return
		}
		d = d.Truncate(time.Microsecond)
		back, err := Parse(Format(d))
		if err != nil || back.Truncate(time.Microsecond) != d {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, d, Format(d), back, err)
		}
	})
}
