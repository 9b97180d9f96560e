package timespan

import (
	"strings"
	"testing"
	"time"
)

const year = 31557600 * time.Second

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want time.Duration
	}{
		{"5", 5 * time.Second},
		{"0", 0},
		{"5s", 5 * time.Second},
		{"5 s", 5 * time.Second},
		{" 3 sec ", 3 * time.Second},
		{"1min 30s", 90 * time.Second},
		{"1min30s", 90 * time.Second},
		{"1m30", 90 * time.Second},
		{"2h", 2 * time.Hour},
		{"1hr 2hours 3hour", 6 * time.Hour},
		{"1d", 24 * time.Hour},
		{"1w 2d", 9 * 24 * time.Hour},
		{"2weeks", 14 * 24 * time.Hour},
		{"1M", 2629800 * time.Second},
		{"1month 1y", 2629800*time.Second + year},
		{"100ms", 100 * time.Millisecond},
		{"10us 10usec 10µs 10μs", 40 * time.Microsecond},
		{"1.5s", 1500 * time.Millisecond},
		{"1.001s", 1001 * time.Millisecond},
		{"1.000001s", time.Second + time.Microsecond},
		{"0.3", 300 * time.Millisecond},
		{"2.5ms", 2500 * time.Microsecond},
		{".5s", 500 * time.Millisecond},
		{"0.1234567891234s", 123456 * time.Microsecond},
		{"1.0000000000000000000000001s", time.Second},
		{"100y 1us", 100*year + time.Microsecond},
		{"292y", 292 * year},
		{"9223372036854775us", 9223372036854775 * time.Microsecond},
		{"infinity", Infinity},
		{" infinity ", Infinity},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			if got, err := Parse(c.in); err != nil || got != c.want {
				t.Errorf("Parse(%q) = %v (%d), %v; want %v", c.in, got, int64(got), err, c.want)
			}
		})
	}
}

func TestParseWithDefault(t *testing.T) {
	cases := []struct {
		in   string
		def  time.Duration
		want time.Duration
	}{
		{"500", time.Microsecond, 500 * time.Microsecond},
		{"1.5", time.Microsecond, time.Microsecond},
		{"2", time.Minute, 2 * time.Minute},
		{"2s", time.Minute, 2 * time.Second},
		{"1min 5", time.Millisecond, time.Minute + 5*time.Millisecond},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			if got, err := ParseWithDefault(c.in, c.def); err != nil || got != c.want {
				t.Errorf("ParseWithDefault(%q, %v) = %v, %v; want %v", c.in, c.def, got, err, c.want)
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"empty", "", "is not a time span"},
		{"blank", "  ", "is not a time span"},
		{"word", "abc", "is not a time span"},
		{"unknown unit", "5 parsecs", "is not a time span"},
		{"two dots", "1..2s", "is not a time span"},
		{"two fractions", "1.2.3s", "is not a time span"},
		{"lone dot", ".s", "is not a time span"},
		{"unit without number", "s", "is not a time span"},
		{"negative", "-5s", "is out of range"},
		{"nanoseconds", "5ns", "is not a time span"},
		{"trailing dot", "5.s", "is not a time span"},
		{"exponent", "1e3s", "is not a time span"},
		{"infinity with a unit", "infinity s", "is not a time span"},
		{"too large", "300y", "is out of range"},
		{"sum too large", "200y 200y", "is out of range"},
		{"huge number", "99999999999999999999999s", "is out of range"},
		{"one past the maximum", "9223372036854776us", "is out of range"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse(c.in)
			if err == nil || !strings.HasPrefix(err.Error(), "timespan: ") || !strings.Contains(err.Error(), c.want) {
				t.Errorf("Parse(%q): %v, want an error with %q", c.in, err, c.want)
			}
		})
	}
	if _, err := ParseWithDefault("5", 0); err == nil {
		t.Error("a bare number with no default unit accepted")
	}
}

func TestFormat(t *testing.T) {
	cases := []struct {
		d    time.Duration
		want string
	}{
		{0, "0"},
		{-time.Second, "0"},
		{500 * time.Nanosecond, "0"},
		{time.Microsecond, "1us"},
		{10 * time.Second, "10s"},
		{90 * time.Second, "1min 30s"},
		{1500 * time.Millisecond, "1.500000s"},
		{61500 * time.Millisecond, "1min 1.500000s"},
		{26 * time.Hour, "1d 2h"},
		{8 * 24 * time.Hour, "1w 1d"},
		{2629800 * time.Second, "1month"},
		{year + time.Microsecond, "1y 1us"},
		{Infinity, "infinity"},
	}
	for _, c := range cases {
		t.Run(c.want, func(t *testing.T) {
			if got := Format(c.d); got != c.want {
				t.Errorf("Format(%v) = %q, want %q", c.d, got, c.want)
			}
		})
	}
}

// FuzzParse: never panics; errors name the package; whatever parses (but infinity) formats to something that
// parses back to the same duration, to the microsecond Format writes.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"5s", "1min 30s", "infinity", "1.5h", "3 weeks", "x", "1.001s", "100y 1us", "292y 1month", ".5", "3.1s.2", "12.34 .56", "+5", "1.5ms"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := Parse(s)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "timespan: ") {
				t.Fatalf("Parse(%q): %v", s, err)
			}
			return
		}
		if d < 0 {
			t.Fatalf("Parse(%q) = %v", s, d)
		}
		if d == Infinity {
			return
		}
		d = d.Truncate(time.Microsecond)
		back, err := Parse(Format(d))
		if err != nil || back != d {
			t.Fatalf("%q -> %v -> %q -> %v, %v", s, d, Format(d), back, err)
		}
	})
}
