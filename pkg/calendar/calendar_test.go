package calendar

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"testing"
	"time"
)

type peerCases struct {
	Normalize []struct {
		Line       int    `json:"line"`
		Input      string `json:"input"`
		Normalized string `json:"normalized"`
	} `json:"normalize"`
	NextElapse []struct {
		Line        int     `json:"line"`
		Input       string  `json:"input"`
		TZ          *string `json:"tz"`
		AfterUsec   int64   `json:"after_usec"`
		ExpectUsec  *int64  `json:"expect_usec"`
		ExpectError *string `json:"expect_error"`
	} `json:"next_elapse"`
	ParseErrors []struct {
		Line  int    `json:"line"`
		Input string `json:"input"`
		Error string `json:"error"`
	} `json:"parse_errors"`
}

func loadPeer(t testing.TB) peerCases {
	t.Helper()
	b, err := os.ReadFile("testdata/calendarspec-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var pc peerCases
	if err := json.Unmarshal(b, &pc); err != nil {
		t.Fatal(err)
	}
	return pc
}

// TestPeerNormalize: systemd's test-calendarspec.c normal forms, and that the normal form parses to itself.
func TestPeerNormalize(t *testing.T) {
	pc := loadPeer(t)
	if len(pc.Normalize) != 68 {
		t.Fatalf("%d normalisation cases, want 68", len(pc.Normalize))
	}
	for _, c := range pc.Normalize {
		t.Run(fmt.Sprintf("line%d", c.Line), func(t *testing.T) {
			s, err := ParseInLocation(c.Input, time.UTC)
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.Input, err)
			}
			if got := s.String(); got != c.Normalized {
				t.Fatalf("Parse(%q) = %q, want %q", c.Input, got, c.Normalized)
			}
			again, err := ParseInLocation(c.Normalized, time.UTC)
			if err != nil || again.String() != c.Normalized {
				t.Fatalf("the normal form %q does not parse to itself: %v, %v", c.Normalized, again, err)
			}
		})
	}
}

// zoneFor returns the local zone a case runs under: "" is $TZ set empty (UTC), a name is $TZ=:name, nil is $TZ
// unset (the host's zone). A name with no zone file ("IST") is UTC, as glibc makes it; the case that uses it
// names its own zone, so the local one does not count.
func zoneFor(t *testing.T, tz *string) *time.Location {
	if tz == nil {
		return time.Local
	}
	if *tz == "" {
		return time.UTC
	}
	if _, err := os.Stat("/usr/share/zoneinfo/" + *tz); os.IsNotExist(err) {
		return time.UTC
	}
	z, err := time.LoadLocation(*tz)
	if err != nil {
		t.Fatalf("zone %q: %v", *tz, err)
	}
	return z
}

// TestPeerNextElapse: systemd's next-elapse cases, across time zones and daylight-saving changes.
func TestPeerNextElapse(t *testing.T) {
	pc := loadPeer(t)
	if len(pc.NextElapse) != 31 {
		t.Fatalf("%d next-elapse cases, want 31", len(pc.NextElapse))
	}
	for _, c := range pc.NextElapse {
		t.Run(fmt.Sprintf("line%d", c.Line), func(t *testing.T) {
			s, err := ParseInLocation(c.Input, zoneFor(t, c.TZ))
			if err != nil {
				t.Fatalf("Parse(%q): %v", c.Input, err)
			}
			got, err := s.NextUsec(c.AfterUsec)
			if c.ExpectError != nil {
				if !errors.Is(err, ErrNoElapse) {
					t.Fatalf("%q after %d: %d, %v; want no elapse", c.Input, c.AfterUsec, got, err)
				}
				return
			}
			if err != nil || got != *c.ExpectUsec {
				t.Fatalf("%q after %d (%v): %d (%v), %v; want %d (%v)", c.Input, c.AfterUsec,
					time.UnixMicro(c.AfterUsec).UTC(), got, time.UnixMicro(got).UTC(), err, *c.ExpectUsec,
					time.UnixMicro(*c.ExpectUsec).UTC())
			}
		})
	}
}

// TestPeerParseErrors: inputs systemd refuses, with the same error class.
func TestPeerParseErrors(t *testing.T) {
	pc := loadPeer(t)
	if len(pc.ParseErrors) != 28 {
		t.Fatalf("%d parse-error cases, want 28", len(pc.ParseErrors))
	}
	for _, c := range pc.ParseErrors {
		t.Run(fmt.Sprintf("line%d", c.Line), func(t *testing.T) {
			s, err := ParseInLocation(c.Input, time.UTC)
			want := map[string]error{"EINVAL": ErrInvalid, "ERANGE": ErrRange}[c.Error]
			if !errors.Is(err, want) {
				t.Fatalf("Parse(%q) = %v, %v; want %s", c.Input, s, err, c.Error)
			}
		})
	}
}

// TestNextThroughRepeatedHour: a search that starts in the second pass of a repeated hour stays there, and one
// that starts in the first pass takes the first and skips the second, as systemd-analyze 252 shows (Auckland,
// 2017-04-02 03:00 NZDT back to 02:00 NZST).
func TestNextThroughRepeatedHour(t *testing.T) {
	auckland, err := time.LoadLocation("Pacific/Auckland")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		expr string
		base int64 // seconds
		want []int64
	}{
		{"*:50", 1491057900, []int64{1491058200, 1491061800, 1491065400}},   // from 02:45 NZST
		{"*:30/5", 1491057900, []int64{1491058200, 1491058500, 1491060600}}, // 02:50, 02:55 NZST, 03:30
		{"*:50", 1491054300, []int64{1491054600, 1491061800, 1491065400}},   // from 02:45 NZDT
	}
	for _, c := range cases {
		s, err := ParseInLocation(c.expr, auckland)
		if err != nil {
			t.Fatal(err)
		}
		u := c.base * usecPerSec
		for i, w := range c.want {
			if u, err = s.NextUsec(u); err != nil || u != w*usecPerSec {
				t.Fatalf("%q from %d, iteration %d: %d, %v; want %d", c.expr, c.base, i+1, u/usecPerSec, err, w)
			}
		}
	}
}
