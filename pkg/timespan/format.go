package timespan

import (
	"fmt"
	"strings"
	"time"
)

var formatUnits = []unit{
	{"y", usecPerYear}, {"month", usecPerMonth}, {"w", usecPerWeek}, {"d", usecPerDay}, {"h", usecPerHour},
	{"min", usecPerMin}, {"s", usecPerSec}, {"ms", 1000}, {"us", 1},
}

// Format writes d as systemctl shows a time span (systemd's format_timespan with no accuracy limit): "1min 30s",
// "100ms", "1.500000s", "infinity", "0". Parse reads it back.
func Format(d time.Duration) string {
	if d == Infinity {
		return "infinity"
	}
	if d <= 0 {
		return "0"
	}
	return FormatUSec(uint64(d/time.Microsecond), 0)
}

// FormatUSec is systemd's format_timespan: usec microseconds ("infinity" for USecInfinity) written in units
// from years down, leaving out what is below accuracy; a span under a minute with a remainder is written as
// a decimal ("1.500000s" at accuracy 0 or 1, "1.500s" at 1ms).
func FormatUSec(t, accuracy uint64) string {
	if t == USecInfinity {
		return "infinity"
	}
	if t == 0 {
		return "0"
	}
	var b strings.Builder
	something := false
	for _, u := range formatUnits {
		if t == 0 || t < accuracy && something {
			break
		}
		if t < u.mult {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		a, r := t/u.mult, t%u.mult
		done := false
		if t < usecPerMin && r > 0 {
			j := 0
			for cc := u.mult; cc > 1; cc /= 10 {
				j++
			}
			for cc := accuracy; cc > 1; cc /= 10 {
				r /= 10
				j--
			}
			if j > 0 {
				fmt.Fprintf(&b, "%d.%0*d%s", a, j, r, u.name)
				t, done = 0, true
			}
		}
		if !done {
			fmt.Fprintf(&b, "%d%s", a, u.name)
			t = r
		}
		something = true
	}
	return b.String()
}
