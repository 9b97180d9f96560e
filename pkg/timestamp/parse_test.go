package timestamp

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func zone(t testing.TB, name string) *time.Location {
	t.Helper()
	z, err := time.LoadLocation(name)
	if err != nil {
		t.Fatal(err)
	}
	return z
}

// TestParse: systemd.time's timestamp forms; the expected values were checked with systemd-analyze 252
// (under TZ=Europe/Berlin where the zone is Berlin), except the IANA zone suffixes (see docs/time.md).
func TestParse(t *testing.T) {
	berlin := zone(t, "Europe/Berlin")
	now := time.Date(2026, 12, 7, 12, 58, 51, 178312000, time.UTC) // a Monday
	nowUsec := uint64(now.UnixMicro())
	day := uint64(86400 * usecPerSec)
	cases := []struct {
		in   string
		loc  *time.Location
		want uint64
	}{
		{"now", time.UTC, nowUsec},
		{"+5min", time.UTC, nowUsec + 300*usecPerSec},
		{"-1h", time.UTC, nowUsec - 3600*usecPerSec},
		{"1 day ago", time.UTC, nowUsec - day},
		{"10min left", time.UTC, nowUsec + 600*usecPerSec},
		{"@1234567890", time.UTC, 1234567890 * usecPerSec},
		{"@1.5", time.UTC, 1500000},
		{"today", time.UTC, 1796601600 * usecPerSec},
		{"yesterday", time.UTC, 1796515200 * usecPerSec},
		{"tomorrow", time.UTC, 1796688000 * usecPerSec},
		{"today", berlin, 1796598000 * usecPerSec},
		{"today UTC", berlin, 1796601600 * usecPerSec},
		{"2023-01-01 UTC", time.UTC, 1672531200 * usecPerSec},
		{"Sat 2012-09-22 16:34", time.UTC, 1348331640 * usecPerSec},
		{"sep 22 16:34:22", time.UTC, 1790094862 * usecPerSec},
		{"2012-09-22 16:34:22.5", time.UTC, 1348331662500000},
		{"2012-09-22 16:34:22.1234567", time.UTC, 1348331662123457},
		{"12-09-22", time.UTC, 1348272000 * usecPerSec},
		{"  2012-09-22", time.UTC, 1348272000 * usecPerSec},
		{"2012-9-2 1:2", time.UTC, 1346547720 * usecPerSec},
		{"2012-02-30", time.UTC, 1330560000 * usecPerSec},
		{"16:34", time.UTC, 1796661240 * usecPerSec},
		{"16:34:05", berlin, 1796657645 * usecPerSec},
		{"2012-07-22 16:34 CEST", berlin, 1342967640 * usecPerSec},
		{"2012-09-22 16:34 UTC", berlin, 1348331640 * usecPerSec},
		{"2012-09-22 16:34 utc", berlin, 1348331640 * usecPerSec},
		{"2012-09-22 16:34 Asia/Tokyo", time.UTC, 1348299240 * usecPerSec},
		{"2012-09-22 16:34 Europe/Berlin", time.UTC, 1348324440 * usecPerSec},
		{"2012-01-22 16:34 CET", time.UTC, 1327246440 * usecPerSec},
	}
	for _, c := range cases {
		t.Run(c.in, func(t *testing.T) {
			got, err := ParseAt(c.in, now, c.loc)
			if err != nil || got != c.want {
				t.Fatalf("ParseAt(%q, %v) = %d (%v), %v; want %d (%v)", c.in, c.loc, got,
					time.UnixMicro(int64(got)).UTC(), err, c.want, time.UnixMicro(int64(c.want)).UTC())
			}
		})
	}
}

func TestParseErrors(t *testing.T) {
	now := time.Date(2026, 12, 7, 12, 58, 51, 0, time.UTC)
	for _, in := range []string{
		"", "bogus", "5min", "2012-09-22T16:34:22", "20120922163422", "1969-12-31", "Sun 2012-09-22",
		"+5min UTC", "now CET", "2012-09-22 16:34:22 Z", "2012-09-22 16:34:22+02:00", "2012-13-01", "25:00",
		"2012-09-22 16:34.5", "2012-09-22 16:34:22.", "2012-09-22 16:34:22.x", "-100y", "+infinity",
		"10000-01-01", "@x",
	} {
		if got, err := ParseAt(in, now, time.UTC); !errors.Is(err, ErrInvalid) || !strings.HasPrefix(err.Error(), "timestamp: ") {
			t.Errorf("ParseAt(%q) = %d, %v; want an invalid timestamp", in, got, err)
		}
	}
	for _, in := range []string{"@-1", "+-5", "@99999999999999", " -5s ago"} {
		if got, err := ParseAt(in, now, time.UTC); !errors.Is(err, ErrRange) {
			t.Errorf("ParseAt(%q) = %d, %v; want out of range", in, got, err)
		}
	}
	if got, err := ParseAt("@253402214400", now, time.UTC); err != nil || got != 253402214400*usecPerSec {
		t.Errorf("@253402214400: %d, %v (systemd takes any @seconds that fits)", got, err)
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"now", "+5min", "3 days ago", "@1234", "today UTC", "Sat 2012-09-22 16:34",
		"sep 22 16:34:22.5", "12-09-22", "16:34 CET", "2012-09-22 16:34 Asia/Tokyo", "tomorrow"} {
		f.Add(s)
	}
	now := time.Date(2026, 12, 7, 12, 58, 51, 0, time.UTC)
	berlin := zone(f, "Europe/Berlin")
	f.Fuzz(func(t *testing.T, s string) {
		u, err := ParseAt(s, now, berlin)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrRange) {
				t.Fatalf("ParseAt(%q): %v", s, err)
			}
			return
		}
		if u > MaxUsec && !strings.HasPrefix(s, "@") {
			t.Fatalf("ParseAt(%q) = %d, after the last formattable time", s, u)
		}
		// What Format writes in the US style parses back to the same instant.
		if out, ok := Format(u, US, berlin); ok && u <= MaxUsec {
			if back, err := ParseAt(out, now, berlin); err != nil || back != u {
				t.Fatalf("%q -> %d -> %q -> %d, %v", s, u, out, back, err)
			}
		}
	})
}
