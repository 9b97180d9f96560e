package timestamp

import (
	"fmt"
	"math"
	"time"
)

// Style is how Format writes a timestamp (systemd's TimestampStyle).
type Style int

const (
	Pretty Style = iota // "Fri 2012-11-23 23:02:15 CET", in the local zone
	US                  // with microseconds: "Fri 2012-11-23 23:02:15.123456 CET"
	UTC                 // "Fri 2012-11-23 22:02:15 UTC"
	USUTC               // "Fri 2012-11-23 22:02:15.123456 UTC"
	Unix                // "@1353708135"
	Date                // "Fri 2012-11-23"
)

// Infinity is systemd's USEC_INFINITY, a timestamp that is never.
const Infinity = math.MaxUint64

// unformattable is what systemd writes for a time after MaxUsec, per style (no zone, even for UTC).
var unformattable = map[Style]string{
	Pretty: "--- XXXX-XX-XX XX:XX:XX", US: "--- XXXX-XX-XX XX:XX:XX.XXXXXX", UTC: "--- XXXX-XX-XX XX:XX:XX",
	USUTC: "--- XXXX-XX-XX XX:XX:XX.XXXXXX", Unix: "--- XXXX-XX-XX XX:XX:XX", Date: "--- XXXX-XX-XX",
}

// Format writes usec microseconds since the epoch in the given style and zone (local for Pretty, US and Date),
// as systemd's format_timestamp_style does; a time after MaxUsec as "--- XXXX-XX-XX XX:XX:XX". It returns false
// for 0 and Infinity, which systemd shows as "-" or "n/a".
func Format(usec uint64, style Style, local *time.Location) (string, bool) {
	if usec == 0 || usec == Infinity {
		return "", false
	}
	if usec > MaxUsec {
		return unformattable[style], true
	}
	if style == Unix {
		return fmt.Sprintf("@%d", usec/usecPerSec), true
	}
	t := time.UnixMicro(int64(usec))
	if style == UTC || style == USUTC {
		t = t.UTC()
	} else {
		t = t.In(local)
	}
	s := t.Format("Mon 2006-01-02")
	if style == Date {
		return s, true
	}
	s += t.Format(" 15:04:05")
	if style == US || style == USUTC {
		s += fmt.Sprintf(".%06d", usec%usecPerSec)
	}
	if style == UTC || style == USUTC {
		return s + " UTC", true
	}
	zone, _ := t.Zone()
	return s + " " + zone, true
}

const (
	usecPerMin   = 60 * usecPerSec
	usecPerHour  = 60 * usecPerMin
	usecPerDay   = 24 * usecPerHour
	usecPerWeek  = 7 * usecPerDay
	usecPerMonth = 2629800 * usecPerSec
	usecPerYear  = 31557600 * usecPerSec
)

// FormatRelative writes how far usec is from now as systemd's format_timestamp_relative does: "3 days ago",
// "1 week 2 days left", "5min 3s ago", "now". It returns false for 0 and Infinity.
func FormatRelative(usec, now uint64) (string, bool) {
	if usec == 0 || usec == Infinity {
		return "", false
	}
	d, s := usec-now, "left"
	if now > usec {
		d, s = now-usec, "ago"
	}
	plural := func(n uint64, one, many string) string {
		if n == 1 {
			return one
		}
		return many
	}
	switch {
	case d >= usecPerYear:
		y, m := d/usecPerYear, d%usecPerYear/usecPerMonth
		return fmt.Sprintf("%d %s %d %s %s", y, plural(y, "year", "years"), m, plural(m, "month", "months"), s), true
	case d >= usecPerMonth:
		m, dd := d/usecPerMonth, d%usecPerMonth/usecPerDay
		return fmt.Sprintf("%d %s %d %s %s", m, plural(m, "month", "months"), dd, plural(dd, "day", "days"), s), true
	case d >= usecPerWeek:
		w, dd := d/usecPerWeek, d%usecPerWeek/usecPerDay
		return fmt.Sprintf("%d %s %d %s %s", w, plural(w, "week", "weeks"), dd, plural(dd, "day", "days"), s), true
	case d >= 2*usecPerDay:
		return fmt.Sprintf("%d days %s", d/usecPerDay, s), true
	case d >= 25*usecPerHour:
		return fmt.Sprintf("1 day %dh %s", (d-usecPerDay)/usecPerHour, s), true
	case d >= 6*usecPerHour:
		return fmt.Sprintf("%dh %s", d/usecPerHour, s), true
	case d >= usecPerHour:
		return fmt.Sprintf("%dh %dmin %s", d/usecPerHour, d%usecPerHour/usecPerMin, s), true
	case d >= 5*usecPerMin:
		return fmt.Sprintf("%dmin %s", d/usecPerMin, s), true
	case d >= usecPerMin:
		return fmt.Sprintf("%dmin %ds %s", d/usecPerMin, d%usecPerMin/usecPerSec, s), true
	case d >= usecPerSec:
		return fmt.Sprintf("%ds %s", d/usecPerSec, s), true
	case d >= 1000:
		return fmt.Sprintf("%dms %s", d/1000, s), true
	case d > 0:
		return fmt.Sprintf("%dus %s", d, s), true
	}
	return "now", true
}
