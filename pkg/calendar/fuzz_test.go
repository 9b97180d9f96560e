package calendar

import (
	"errors"
	"testing"
	"time"
)

func FuzzParse(f *testing.F) {
	for _, s := range []string{"Mon..Fri *-*-* 09:00", "*-*~03/1,03..05", "2016-03-27 03:17:00.4200005 CET",
		"weekly Pacific/Auckland", "@1493187147", "*:20..39/5", "00:00:01/2,02..03", "quarterly", "Wed, 17:48",
		"Sun *-*-* 01:00:00 Europe/Dublin", "12..1/2-*", "00:00:1.125..2.125"} {
		f.Add(s)
	}
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		f.Fatal(err)
	}
	base := time.Date(2021, 3, 27, 22, 30, 0, 0, time.UTC).UnixMicro() // before a daylight-saving change
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseInLocation(s, berlin)
		if err != nil {
			if !errors.Is(err, ErrInvalid) && !errors.Is(err, ErrRange) {
				t.Fatalf("Parse(%q): %v", s, err)
			}
			return
		}
		norm := c.String()
		again, err := ParseInLocation(norm, berlin)
		if err != nil || again.String() != norm {
			t.Fatalf("%q -> %q -> %v, %v", s, norm, again, err)
		}
		prev := base
		for range 3 {
			next, err := c.NextUsec(prev)
			if errors.Is(err, ErrNoElapse) || errors.Is(err, errLoop) {
				return
			}
			if err != nil || next <= prev {
				t.Fatalf("%q after %d: %d, %v", norm, prev, next, err)
			}
			prev = next
		}
	})
}

// BenchmarkNext measures one next-elapse computation per expression (reported as ns/op; divide by 1000 for µs).
func BenchmarkNext(b *testing.B) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		b.Fatal(err)
	}
	base := time.Date(2026, 12, 7, 13, 0, 0, 0, time.UTC).UnixMicro()
	for _, expr := range []string{
		"minutely", "hourly", "daily", "weekly", "monthly", "quarterly", "yearly",
		"Mon..Fri *-*-* 09:00", "*-*~01", "Sat *-*-1..7 04:00", "*-02-29 00:00", "*:0/15", "*:*:0/10.5",
		"Sun *-*-* 01:00:00 Europe/Dublin", "2099-12-31 23:59:59 UTC",
	} {
		c, err := ParseInLocation(expr, berlin)
		if err != nil {
			b.Fatal(err)
		}
		b.Run(expr, func(b *testing.B) {
			for b.Loop() {
				if _, err := c.NextUsec(base); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
