// Package timespan parses and formats systemd time spans (man systemd.time): "5", "5s", "1min 30s", "100ms",
// "infinity".
package timespan

import (
	"fmt"
	"math"
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
	var total float64
	for t != "" {
		i := 0
		for i < len(t) && (t[i] >= '0' && t[i] <= '9' || t[i] == '.') {
			i++
		}
		if i == 0 {
			return 0, fmt.Errorf("timespan: %q is not a time span", s)
		}
		num, err := strconv.ParseFloat(t[:i], 64)
		if err != nil {
			return 0, fmt.Errorf("timespan: %q is not a time span", s)
		}
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
		total += num * float64(unit)
		if total >= float64(math.MaxInt64) {
			return 0, fmt.Errorf("timespan: %q is out of range", s)
		}
		t = strings.TrimLeft(t[j:], " \t")
	}
	return time.Duration(total), nil
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
