// Package timespan parses and formats systemd time spans (man systemd.time): "5", "5s", "1min 30s", "100ms",
// "infinity".
package timespan

import (
	"fmt"
	"math"
	"math/bits"
	"strconv"
	"strings"
	"time"
)

// Infinity is what "infinity" parses to.
const Infinity = time.Duration(math.MaxInt64)

var units = []struct {
	names []string
	d     time.Duration
}{
	{[]string{"usec", "us", "µs", "μs"}, time.Microsecond},
	{[]string{"nsec", "ns"}, time.Nanosecond},
	{[]string{"msec", "ms"}, time.Millisecond},
	{[]string{"seconds", "second", "sec", "s"}, time.Second},
	{[]string{"minutes", "minute", "min", "m"}, time.Minute},
	{[]string{"hours", "hour", "hr", "h"}, time.Hour},
	{[]string{"days", "day", "d"}, 24 * time.Hour},
	{[]string{"weeks", "week", "w"}, 7 * 24 * time.Hour},
	{[]string{"months", "month", "M"}, 2629800 * time.Second},
	{[]string{"years", "year", "y"}, 31557600 * time.Second},
}

func unitOf(name string) (time.Duration, bool) {
	for _, u := range units {
		for _, n := range u.names {
			if n == name {
				return u.d, true
			}
		}
	}
	return 0, false
}

// Parse parses a time span; a number without a unit is seconds.
func Parse(s string) (time.Duration, error) { return ParseWithDefault(s, time.Second) }

// ParseWithDefault parses a time span whose bare numbers count in def (usec for some keys).
func ParseWithDefault(s string, def time.Duration) (time.Duration, error) {
	t := strings.TrimSpace(s)
	if t == "infinity" {
		return Infinity, nil
	}
	if t == "" {
		return 0, fmt.Errorf("timespan: empty time span")
	}
	var total time.Duration
	for t != "" {
		i := 0
		for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("timespan: %q is not a time span", s)
		}
		num := t[:i]
		t = strings.TrimLeft(t[i:], " \t")
		j := 0
		for j < len(t) && !(t[j] >= '0' && t[j] <= '9') && t[j] != ' ' && t[j] != '\t' && t[j] != '.' {
			j++
		}
		unit := def
		if j > 0 {
			u, ok := unitOf(t[:j])
			if !ok {
				return 0, fmt.Errorf("timespan: unknown unit %q in %q", t[:j], s)
			}
			unit = u
		} else if t != "" {
			return 0, fmt.Errorf("timespan: %q is not a time span", s)
		}
		d, err := component(num, unit)
		if err != nil {
			return 0, fmt.Errorf("timespan: %q %v", s, err)
		}
		if d > math.MaxInt64-total {
			return 0, fmt.Errorf("timespan: %q is out of range", s)
		}
		total += d
		t = strings.TrimLeft(t[j:], " \t")
	}
	return total, nil
}

// component computes num (digits with at most one '.', as in "1", "1.5", ".5", "5.") times unit in integers: a
// float would make "1.001s" 1.000999999s.
func component(num string, unit time.Duration) (time.Duration, error) {
	whole, frac, _ := strings.Cut(num, ".")
	if whole == "" && frac == "" || strings.Contains(frac, ".") {
		return 0, fmt.Errorf("is not a time span")
	}
	if unit <= 0 {
		return 0, fmt.Errorf("has a number without a unit")
	}
	var w uint64
	if whole != "" {
		var err error
		if w, err = strconv.ParseUint(whole, 10, 63); err != nil {
			return 0, fmt.Errorf("is out of range")
		}
	}
	if w > math.MaxInt64/uint64(unit) {
		return 0, fmt.Errorf("is out of range")
	}
	d := w * uint64(unit)
	if len(frac) > 18 {
		frac = frac[:18] // finer than a nanosecond of any unit; keeps 10^len(frac) in a uint64
	}
	if frac != "" {
		f, _ := strconv.ParseUint(frac, 10, 64) // at most 18 digits
		hi, lo := bits.Mul64(f, uint64(unit))
		q, _ := bits.Div64(hi, lo, pow10(len(frac))) // hi < 10^len(frac) because f < 10^len(frac)
		d += q
	}
	if d > math.MaxInt64 {
		return 0, fmt.Errorf("is out of range")
	}
	return time.Duration(d), nil
}

func pow10(n int) uint64 {
	p := uint64(1)
	for ; n > 0; n-- {
		p *= 10
	}
	return p
}

// Format writes d as systemd's format_timespan does: "1min 30s", "100ms", "infinity", "0".
func Format(d time.Duration) string {
	if d == Infinity {
		return "infinity"
	}
	if d <= 0 {
		return "0"
	}
	parts := []struct {
		name string
		d    time.Duration
	}{{"y", 31557600 * time.Second}, {"month", 2629800 * time.Second}, {"w", 7 * 24 * time.Hour}, {"d", 24 * time.Hour},
		{"h", time.Hour}, {"min", time.Minute}, {"s", time.Second}, {"ms", time.Millisecond}, {"us", time.Microsecond}}
	var out []string
	for _, p := range parts {
		if d >= p.d {
			n := d / p.d
			d -= n * p.d
			out = append(out, strconv.FormatInt(int64(n), 10)+p.name)
		}
	}
	if len(out) == 0 {
		return "0"
	}
	return strings.Join(out, " ")
}
