// Package timespan parses and formats systemd time spans (man systemd.time, "Parsing Time Spans"): "5", "5s",
// "1min 30s", "100ms", "infinity", as systemd's parse_sec, parse_nsec and format_timespan do.
package timespan

import (
	"errors"
	"fmt"
	"math"
	"strings"
	"time"
)

// Infinity is what "infinity" parses to.
const Infinity = time.Duration(math.MaxInt64)

// USecInfinity is "infinity" in microseconds, systemd's USEC_INFINITY (and NSEC_INFINITY for ParseNSec).
const USecInfinity = math.MaxUint64

// The error classes of a failed parse; test them with errors.Is.
var (
	// ErrInvalid: the text is not a time span (systemd's EINVAL).
	ErrInvalid = errors.New("is not a time span")
	// ErrRange: the span is negative or too large (systemd's ERANGE).
	ErrRange = errors.New("is out of range")
)

type unit struct {
	name string
	mult uint64
}

const (
	usecPerSec   = 1000000
	usecPerMin   = 60 * usecPerSec
	usecPerHour  = 60 * usecPerMin
	usecPerDay   = 24 * usecPerHour
	usecPerWeek  = 7 * usecPerDay
	usecPerMonth = 2629800 * usecPerSec  // 30.44 days
	usecPerYear  = 31557600 * usecPerSec // 365.25 days
)

// usecUnits are parse_sec's suffixes in the order systemd tries them: the first prefix that matches wins, so
// "ms" is found before "m" and "months" before "msec".
var usecUnits = []unit{
	{"seconds", usecPerSec}, {"second", usecPerSec}, {"sec", usecPerSec}, {"s", usecPerSec},
	{"minutes", usecPerMin}, {"minute", usecPerMin}, {"min", usecPerMin},
	{"months", usecPerMonth}, {"month", usecPerMonth}, {"M", usecPerMonth},
	{"msec", 1000}, {"ms", 1000}, {"m", usecPerMin},
	{"hours", usecPerHour}, {"hour", usecPerHour}, {"hr", usecPerHour}, {"h", usecPerHour},
	{"days", usecPerDay}, {"day", usecPerDay}, {"d", usecPerDay},
	{"weeks", usecPerWeek}, {"week", usecPerWeek}, {"w", usecPerWeek},
	{"years", usecPerYear}, {"year", usecPerYear}, {"y", usecPerYear},
	{"usec", 1}, {"us", 1}, {"μs", 1}, {"µs", 1}, // U+03BC and U+00B5
}

// nsecUnits are parse_nsec's: the same in nanoseconds, plus "nsec" and "ns".
var nsecUnits = func() []unit {
	var u []unit
	for _, x := range usecUnits {
		u = append(u, unit{x.name, x.mult * 1000})
	}
	return append(u, unit{"nsec", 1}, unit{"ns", 1})
}()

// Parse parses a time span as systemd's parse_sec: a number without a unit is seconds, the result has
// microsecond precision. A span beyond what a time.Duration holds (about 292 years) is out of range.
func Parse(s string) (time.Duration, error) { return ParseWithDefault(s, time.Second) }

// ParseWithDefault parses a time span whose bare numbers count in def (systemd's parse_time), which must be at
// least a microsecond.
func ParseWithDefault(s string, def time.Duration) (time.Duration, error) {
	if def < time.Microsecond {
		return 0, fmt.Errorf("timespan: %q: a number without a unit has no unit", s)
	}
	u, err := parse(s, usecUnits, uint64(def/time.Microsecond))
	if err != nil {
		return 0, fmt.Errorf("timespan: %q %w", s, err)
	}
	if u == USecInfinity {
		return Infinity, nil
	}
	if u > math.MaxInt64/1000 {
		return 0, fmt.Errorf("timespan: %q %w", s, ErrRange)
	}
	return time.Duration(u) * time.Microsecond, nil
}

// ParseUSec parses a time span into microseconds over systemd's whole range (USecInfinity for "infinity"), as
// parse_sec does; `sctl analyze timespan` shows it.
func ParseUSec(s string) (uint64, error) {
	u, err := parse(s, usecUnits, usecPerSec)
	if err != nil {
		return 0, fmt.Errorf("timespan: %q %w", s, err)
	}
	return u, nil
}

// ParseNSec parses a time span into nanoseconds as parse_nsec does: a bare number counts nanoseconds.
func ParseNSec(s string) (uint64, error) {
	n, err := parse(s, nsecUnits, 1)
	if err != nil {
		return 0, fmt.Errorf("timespan: %q %w", s, err)
	}
	return n, nil
}

const whitespace = " \t\n\r"

// parse is systemd's parse_time over a unit table: a sum of "number[.fraction][unit]" terms, white space
// allowed between and inside terms. The fraction counts digit by digit, each truncated to the base unit, as
// systemd does, so "1.5" in microseconds is 1.
func parse(t string, units []unit, def uint64) (uint64, error) {
	p := strings.TrimLeft(t, whitespace)
	if rest, ok := strings.CutPrefix(p, "infinity"); ok {
		if strings.TrimLeft(rest, whitespace) != "" {
			return 0, ErrInvalid
		}
		return USecInfinity, nil
	}
	var total uint64
	something := false
	for {
		p = strings.TrimLeft(p, whitespace)
		if p == "" {
			if !something {
				return 0, ErrInvalid
			}
			return total, nil
		}
		if p[0] == '-' {
			return 0, ErrRange // not even "-0"
		}
		whole, n, err := strtoll(p)
		if err != nil {
			return 0, err
		}
		e := p[n:] // after the whole number
		var frac string
		switch {
		case strings.HasPrefix(e, "."):
			i := 1
			for i < len(e) && e[i] >= '0' && e[i] <= '9' {
				i++
			}
			frac, p = e[1:i], e[i:]
		case n == 0:
			return 0, ErrInvalid
		default:
			p = e
		}
		mult, rest, ok := unitPrefix(strings.TrimLeft(p, whitespace), units)
		if !ok {
			mult = def
			if rest = strings.TrimLeft(p, whitespace); rest == p && p != "" {
				return 0, ErrInvalid // "12.34.56", but "12.34 .56" and "12.34s.56" are fine
			}
		}
		p = rest
		if whole >= USecInfinity/mult {
			return 0, ErrRange
		}
		k := whole * mult
		if k >= USecInfinity-total {
			return 0, ErrRange
		}
		total += k
		something = true
		if strings.HasPrefix(e, ".") {
			if frac == "" {
				return 0, ErrInvalid // "5.", "3.s", "3. 1"
			}
			m := mult / 10
			for _, d := range frac {
				k := uint64(d-'0') * m
				if k >= USecInfinity-total {
					return 0, ErrRange
				}
				total += k
				m /= 10
			}
		}
	}
}

// strtoll reads an optionally signed decimal integer as C's strtoll does after white space; n is 0 when there
// is no digit. A negative number is out of range.
func strtoll(s string) (v uint64, n int, err error) {
	i := 0
	for i < len(s) && strings.IndexByte(" \t\n\v\f\r", s[i]) >= 0 {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	j := i
	for j < len(s) && s[j] >= '0' && s[j] <= '9' {
		d := uint64(s[j] - '0')
		if v > (math.MaxInt64-d)/10 {
			return 0, 0, ErrRange
		}
		v = v*10 + d
		j++
	}
	if j == i {
		return 0, 0, nil
	}
	if neg && v != 0 {
		return 0, 0, ErrRange
	}
	return v, j, nil
}

func unitPrefix(s string, units []unit) (uint64, string, bool) {
	for _, u := range units {
		if rest, ok := strings.CutPrefix(s, u.name); ok {
			return u.mult, rest, true
		}
	}
	return 0, s, false
}
