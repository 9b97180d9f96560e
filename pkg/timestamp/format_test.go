package timestamp

import (
	"encoding/json"
	"fmt"
	"os"
	"testing"
	"time"
)

// TestPeerFormat: systemd's format_timestamp_style cases (test-time-util.c).
func TestPeerFormat(t *testing.T) {
	b, err := os.ReadFile("testdata/time-util-cases.json")
	if err != nil {
		t.Fatal(err)
	}
	var data struct {
		Formats []struct {
			Line   int     `json:"line"`
			Usec   any     `json:"usec"` // a number or "infinity"
			Style  string  `json:"style"`
			Expect *string `json:"expect"`
		} `json:"format_timestamp_style"`
	}
	if err := json.Unmarshal(b, &data); err != nil {
		t.Fatal(err)
	}
	if len(data.Formats) != 10 {
		t.Fatalf("%d cases, want 10", len(data.Formats))
	}
	styles := map[string]Style{"TIMESTAMP_UTC": UTC, "TIMESTAMP_DATE": Date, "TIMESTAMP_US_UTC": USUTC}
	for _, c := range data.Formats {
		t.Run(fmt.Sprintf("line%d", c.Line), func(t *testing.T) {
			var usec uint64 = Infinity
			if f, ok := c.Usec.(float64); ok {
				usec = uint64(f)
			}
			style, ok := styles[c.Style]
			if !ok {
				t.Fatalf("unknown style %s", c.Style)
			}
			got, ok := Format(usec, style, time.UTC)
			switch {
			case c.Expect == nil && ok:
				t.Fatalf("Format(%d, %s) = %q, want it refused", usec, c.Style, got)
			case c.Expect != nil && (!ok || got != *c.Expect):
				t.Fatalf("Format(%d, %s) = %q, %v; want %q", usec, c.Style, got, ok, *c.Expect)
			}
		})
	}
}

func TestFormatStyles(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	const u = 1342967640123456 // 2012-07-22 14:34:00.123456 UTC
	cases := []struct {
		style Style
		want  string
	}{
		{Pretty, "Sun 2012-07-22 16:34:00 CEST"},
		{US, "Sun 2012-07-22 16:34:00.123456 CEST"},
		{UTC, "Sun 2012-07-22 14:34:00 UTC"},
		{USUTC, "Sun 2012-07-22 14:34:00.123456 UTC"},
		{Unix, "@1342967640"},
		{Date, "Sun 2012-07-22"},
	}
	for _, c := range cases {
		if got, ok := Format(u, c.style, berlin); !ok || got != c.want {
			t.Errorf("Format(%d, %d) = %q, %v; want %q", u, c.style, got, ok, c.want)
		}
	}
	if s, _ := Format(MaxUsec+1, Pretty, berlin); s != "--- XXXX-XX-XX XX:XX:XX" {
		t.Errorf("a time after 9999-12-30 formatted as %q", s)
	}
}

// TestFormatRelative: format_timestamp_relative's thresholds (the strings systemd-analyze prints as "From now").
func TestFormatRelative(t *testing.T) {
	const now = 1796648331178312
	cases := []struct {
		d    int64 // usec - now
		want string
	}{
		{0, "now"},
		{-39, "39us ago"},
		{1500, "1ms left"},
		{-5 * usecPerSec, "5s ago"},
		{299 * usecPerSec, "4min 59s left"},
		{181 * usecPerMin, "3h 1min left"},
		{11 * usecPerHour, "11h left"},
		{-24 * usecPerHour, "24h ago"},
		{35 * usecPerHour, "1 day 11h left"},
		{6 * usecPerDay, "6 days left"},
		{7 * usecPerDay, "1 week 0 days left"},
		{20 * usecPerDay, "2 weeks 6 days left"},
		{-(usecPerMonth + usecPerDay), "1 month 1 day ago"},
		{-(17*usecPerYear + 9*usecPerMonth), "17 years 9 months ago"},
		{usecPerYear, "1 year 0 months left"},
	}
	for _, c := range cases {
		if got, ok := FormatRelative(uint64(now+c.d), now); !ok || got != c.want {
			t.Errorf("FormatRelative(now%+d) = %q, want %q", c.d, got, c.want)
		}
	}
	if _, ok := FormatRelative(0, now); ok {
		t.Error("0 formatted")
	}
}
