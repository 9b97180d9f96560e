package api

import (
	"strconv"
	"time"

	"github.com/sysmaster/sysmaster/pkg/timespan"
)

// Property is one line of systemctl show: a name and its value as systemd formats it.
type Property struct{ Name, Value string }

// Properties builds a unit's property list in the order the adds come, formatting values as systemd's
// bus_print_property does. The zero value is empty and ready to use.
type Properties []Property

// Add appends name=value.
func (p *Properties) Add(name, value string) { *p = append(*p, Property{name, value}) }

// Bool appends name as yes or no.
func (p *Properties) Bool(name string, b bool) {
	v := "no"
	if b {
		v = "yes"
	}
	p.Add(name, v)
}

// Int appends a number.
func (p *Properties) Int(name string, n int64) { p.Add(name, strconv.FormatInt(n, 10)) }

// Span appends a time span in systemd's format ("1min 30s", "infinity").
func (p *Properties) Span(name string, d time.Duration) {
	if d == timespan.Infinity {
		p.Add(name, "infinity")
		return
	}
	p.Add(name, timespan.Format(d))
}

// Stamp appends name as a wall-clock time (systemd's format_timestamp: "Tue 2026-11-24 15:20:07 UTC", empty
// for the zero time) and nameMonotonic as microseconds of CLOCK_MONOTONIC.
func (p *Properties) Stamp(name string, wall time.Time, mono time.Duration) {
	v := ""
	if !wall.IsZero() {
		v = wall.Format("Mon 2006-01-02 15:04:05 MST")
	}
	p.Add(name, v)
	p.Int(name+"Monotonic", mono.Microseconds())
}

// filter keeps the named properties (in the order asked) or, without names, the non-empty ones unless all.
func (p Properties) filter(names []string, all bool) Properties {
	if len(names) == 0 {
		if all {
			return p
		}
		out := p[:0:0]
		for _, x := range p {
			if x.Value != "" {
				out = append(out, x)
			}
		}
		return out
	}
	byName := make(map[string]Property, len(p))
	for _, x := range p {
		byName[x.Name] = x
	}
	var out Properties
	for _, n := range names {
		if x, ok := byName[n]; ok {
			out = append(out, x)
		}
	}
	return out
}
