package timestamp

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/calendar"
	"github.com/sysmaster/sysmaster/pkg/timespan"
)

// The error classes of a failed Parse; test them with errors.Is.
var (
	// ErrInvalid: the text is not a timestamp, or one before 1970 or after MaxUsec (systemd's EINVAL).
	ErrInvalid = errors.New("invalid timestamp")
	// ErrRange: a time span in it ("+5min", "@…") is negative or too large (systemd's ERANGE).
	ErrRange = errors.New("value out of range")
)

// MaxUsec is the last instant systemd accepts and formats: 9999-12-30 23:59:59 UTC.
const MaxUsec = 253402214399 * usecPerSec

const usecPerSec = 1000000

// Parse parses a timestamp relative to the current time in the local zone (time.Local) into microseconds
// since the epoch.
func Parse(s string) (uint64, error) { return ParseAt(s, time.Now(), time.Local) }

// ParseAt parses a timestamp as if the time were now and the local zone local.
func ParseAt(s string, now time.Time, local *time.Location) (uint64, error) {
	u, err := parseAt(s, now, local)
	if err != nil {
		return 0, fmt.Errorf("timestamp: %q: %w", s, err)
	}
	return uint64(u), nil
}

func parseAt(t string, now time.Time, local *time.Location) (int64, error) {
	// A zone file name as the last word: the rest counts in that zone, unless the name is also one of the
	// zone's abbreviations ("CET"), which the parser below takes as such.
	if i := strings.LastIndexByte(t, ' '); i >= 0 && !hasSuffixFold(t, " UTC") {
		if z, ok := calendar.LoadZone(t[i+1:]); ok {
			ab := abbreviations(z)
			if name := t[i+1:]; name != ab[0] && name != ab[1] {
				return parseIn(t[:i], now, z, true)
			}
			return parseIn(t, now, z, false)
		}
	}
	return parseIn(t, now, local, false)
}

var dayNames = []struct {
	name string
	nr   time.Weekday
}{
	{"Sunday", 0}, {"Sun", 0}, {"Monday", 1}, {"Mon", 1}, {"Tuesday", 2}, {"Tue", 2}, {"Wednesday", 3},
	{"Wed", 3}, {"Thursday", 4}, {"Thu", 4}, {"Friday", 5}, {"Fri", 5}, {"Saturday", 6}, {"Sat", 6},
}

// layouts are the strptime formats systemd tries, in its order; "%y" is a two-digit year.
var layouts = []struct {
	format   string
	fraction bool // a ".digits" may follow
}{
	{"%y-%m-%d %H:%M:%S", true},
	{"%b %d %H:%M:%S", true}, // journalctl's short output
	{"%Y-%m-%d %H:%M:%S", true},
	{"%y-%m-%d %H:%M", false},
	{"%Y-%m-%d %H:%M", false},
	{"%y-%m-%d", false},
	{"%Y-%m-%d", false},
	{"%H:%M:%S", true},
	{"%H:%M", false},
}

// parseIn is systemd's parse_timestamp_impl; zoned says a zone name was cut off, which rules out the relative
// forms and further suffixes.
func parseIn(t string, now time.Time, loc *time.Location, zoned bool) (int64, error) {
	if strings.HasPrefix(t, "@") && !zoned {
		u, err := timespan.ParseUSec(t[1:]) // systemd sets no upper bound here
		if err != nil || u > math.MaxInt64 {
			return 0, spanError(err)
		}
		return int64(u), nil
	}
	usec := now.UnixMicro()
	var plus, minus uint64
	utc, dst := false, -1
	if !zoned {
		var rel string
		var sign int
		switch {
		case t == "now":
			return finish(usec, 0, 0)
		case strings.HasPrefix(t, "+"):
			rel, sign = t[1:], 1
		case strings.HasPrefix(t, "-"):
			rel, sign = t[1:], -1
		case strings.HasSuffix(t, " ago"):
			rel, sign = strings.TrimSuffix(t, " ago"), -1
		case strings.HasSuffix(t, " left"):
			rel, sign = strings.TrimSuffix(t, " left"), 1
		}
		if sign != 0 {
			u, err := timespan.ParseUSec(rel)
			if err != nil {
				return 0, spanError(err)
			}
			if sign > 0 {
				plus = u
			} else {
				minus = u
			}
			return finish(usec, plus, minus)
		}
		if hasSuffixFold(t, " UTC") {
			utc, t = true, t[:len(t)-4]
		} else {
			for j, name := range abbreviations(loc) {
				if name == "" || !hasSuffixFold(t, name) {
					continue
				}
				e := len(t) - len(name)
				if e == 0 || t[e-1] != ' ' {
					continue
				}
				dst, t = j, t[:e-1]
				break
			}
		}
	}
	z := loc
	if utc {
		z = time.UTC
	}
	cur := time.UnixMicro(usec).In(z)
	base := wall{cur.Year(), int(cur.Month()), cur.Day(), cur.Hour(), cur.Minute(), cur.Second()}

	var w wall
	frac := 0
	switch t {
	case "today", "yesterday", "tomorrow":
		w = wall{base.year, base.mon, base.mday, 0, 0, 0}
		w.mday += map[string]int{"today": 0, "yesterday": -1, "tomorrow": 1}[t]
		return fromWall(w, 0, z, dst, -1)
	}
	weekday := time.Weekday(-1)
	for _, d := range dayNames {
		if len(t) > len(d.name) && strings.EqualFold(t[:len(d.name)], d.name) && t[len(d.name)] == ' ' {
			weekday, t = d.nr, t[len(d.name)+1:]
			break
		}
	}
	ok := false
	for _, l := range layouts {
		var rest string
		w, rest, ok = strptime(t, l.format, base)
		if !ok {
			continue
		}
		// What the format leaves out of the time of day is zero, not now's.
		if !strings.Contains(l.format, "%S") {
			w.sec = 0
		}
		if !strings.Contains(l.format, "%H") {
			w.hour, w.min = 0, 0
		}
		if rest == "" {
			break
		}
		if l.fraction && rest[0] == '.' {
			f, n, good := fraction(rest[1:], 6)
			if good && n == len(rest)-1 {
				frac = f
				break
			}
			return 0, ErrInvalid
		}
		ok = false
	}
	if !ok {
		return 0, ErrInvalid
	}
	return fromWall(w, frac, z, dst, weekday)
}

// fromWall turns a wall-clock time in z into microseconds, checking the weekday when one was given.
func fromWall(w wall, frac int, z *time.Location, dst int, weekday time.Weekday) (int64, error) {
	sec := mktime(w, z, dst)
	if sec < 0 {
		return 0, ErrInvalid
	}
	if weekday >= 0 && time.Unix(sec, 0).In(z).Weekday() != weekday {
		return 0, ErrInvalid
	}
	return finish(sec*usecPerSec+int64(frac), 0, 0)
}

func finish(usec int64, plus, minus uint64) (int64, error) {
	if plus > MaxUsec || uint64(usec)+plus > MaxUsec {
		return 0, ErrInvalid
	}
	u := uint64(usec) + plus
	if u < minus {
		return 0, ErrInvalid
	}
	return int64(u - minus), nil
}

// spanError classes a failed time span as systemd's parse_sec does.
func spanError(err error) error {
	if err == nil || errors.Is(err, timespan.ErrRange) {
		return ErrRange
	}
	return ErrInvalid
}

func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// fraction reads up to places decimals, rounding at the next one and ignoring the rest; n counts every digit.
func fraction(s string, places int) (v, n int, ok bool) {
	i := 0
	for ; i < places; i++ {
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			if i == 0 {
				return 0, 0, false
			}
			n = i
			for ; i < places; i++ {
				v *= 10
			}
			return v, n, true
		}
		v = v*10 + int(s[i]-'0')
	}
	if i < len(s) && s[i] >= '5' && s[i] <= '9' {
		v++
	}
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return v, i, true
}
