package api

import (
	"context"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/execprop"
	"github.com/sysmaster/sysmaster/pkg/timespan"
)

// Property is one line of systemctl show: a name and its value as systemd formats it. Raw, when set, is the
// value before formatting (bool, int64, or uint64 µs for time spans and timestamps), which the D-Bus API sends in
// the property's own type instead of parsing Value back.
type Property struct {
	Name, Value string
	Raw         any
}

// The Raw values of the properties systemd serves as structures (the D-Bus API sends them in the declared type):

// ExecCommands is an Exec*= property's commands with their last run, a(sasbttttuii) (and …Ex's a(sasasttttuii)).
type ExecCommands []execprop.Entry

// Conditions is the Conditions or Asserts property, a(sbbsi): each check with its outcome.
type Conditions []Condition

// Condition is one check: its setting ("ConditionPathExists"), "|", "!", parameter, and 1 held, -1 not, 0 not
// evaluated.
type Condition struct {
	Type            string
	Trigger, Negate bool
	Param           string
	State           int32
}

// Addresses is Listen or Paths, a(ss): the type and the address or path of each.
type Addresses [][2]string

// MonotonicTimers is TimersMonotonic, a(stt): base, value and next elapse (µs, CLOCK_MONOTONIC).
type MonotonicTimers []MonotonicTimer

// MonotonicTimer is one relative timer value.
type MonotonicTimer struct {
	Base           string
	USec, NextUSec uint64
}

// CalendarTimers is TimersCalendar, a(sst): base, calendar spec and next elapse (µs, CLOCK_REALTIME).
type CalendarTimers []CalendarTimer

// CalendarTimer is one OnCalendar= value.
type CalendarTimer struct {
	Base, Spec string
	NextUSec   uint64
}

// Unprintable is the value systemctl show prints for a structure it has no form for (Conditions, Asserts): it
// prints it when asked for the property by name, or for all, and leaves it out otherwise.
const Unprintable = "[unprintable]"

// Properties builds a unit's property list in the order the adds come, formatting values as systemd's
// bus_print_property does. The zero value is empty and ready to use.
type Properties []Property

// Add appends name=value.
func (p *Properties) Add(name, value string) { *p = append(*p, Property{Name: name, Value: value}) }

// addRaw appends name=value with its unformatted value.
func (p *Properties) addRaw(name, value string, raw any) {
	*p = append(*p, Property{Name: name, Value: value, Raw: raw})
}

// Bool appends name as yes or no.
func (p *Properties) Bool(name string, b bool) {
	v := "no"
	if b {
		v = "yes"
	}
	p.addRaw(name, v, b)
}

// List appends a list, space-separated as systemctl show prints it (Raw keeps its entries, which may hold spaces).
func (p *Properties) List(name string, l []string) { p.addRaw(name, strings.Join(l, " "), l) }

// Int appends a number.
func (p *Properties) Int(name string, n int64) { p.addRaw(name, strconv.FormatInt(n, 10), n) }

// Span appends a time span in systemd's format ("1min 30s", "infinity").
func (p *Properties) Span(name string, d time.Duration) {
	if d == timespan.Infinity {
		p.addRaw(name, "infinity", uint64(math.MaxUint64))
		return
	}
	p.addRaw(name, timespan.Format(d), uint64(d.Microseconds()))
}

// Stamp appends name as a wall-clock time (systemd's format_timestamp: "Tue 2026-11-24 15:20:07 UTC", empty
// for the zero time) and nameMonotonic as microseconds of CLOCK_MONOTONIC.
func (p *Properties) Stamp(name string, wall time.Time, mono time.Duration) {
	v, us := "", uint64(0)
	if !wall.IsZero() {
		v, us = wall.Format("Mon 2006-01-02 15:04:05 MST"), uint64(wall.UnixMicro())
	}
	p.addRaw(name, v, us)
	p.addRaw(name+"Monotonic", strconv.FormatInt(mono.Microseconds(), 10), uint64(mono.Microseconds()))
}

// filter keeps the named properties (in the order asked) or, without names, the non-empty ones unless all.
func (p Properties) filter(names []string, all bool) Properties {
	if len(names) == 0 {
		if all {
			return p
		}
		out := p[:0:0]
		for _, x := range p {
			if x.Value != "" && x.Value != Unprintable {
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
		if x, ok := byName[n]; ok && !emptyList(x) {
			out = append(out, x)
		}
	}
	return out
}

// emptyList reports a structured list with no element (an Exec*= without commands, a Listen without sockets),
// of which systemctl show prints no line, even when asked for it by name.
func emptyList(x Property) bool {
	if x.Value != "" {
		return false
	}
	switch x.Raw.(type) {
	case ExecCommands, Addresses, MonotonicTimers, CalendarTimers:
		return true
	}
	return false
}

// Value returns the value of the property name, "" when there is none.
func (p Properties) Value(name string) string {
	for _, x := range p {
		if x.Name == name {
			return x.Value
		}
	}
	return ""
}

// wantedKey carries the properties a Show's caller asked for (WithWanted).
type wantedKey struct{}

// WithWanted returns ctx telling Core.Show that only names are wanted, so that it may leave out the properties
// that cost I/O to compute (UnitFileState reads the unit directories, MemoryCurrent the cgroup's files): an
// `is-active` asks only for ActiveState, and with 1,000 unit files UnitFileState alone allocated ≈ 300 KB per
// call. Without names every property is wanted.
func WithWanted(ctx context.Context, names []string) context.Context {
	if len(names) == 0 {
		return ctx
	}
	return context.WithValue(ctx, wantedKey{}, names)
}

// Wanted reports whether the property name is to be computed for the Show that ctx carries.
func Wanted(ctx context.Context, name string) bool {
	names, ok := ctx.Value(wantedKey{}).([]string)
	return !ok || slices.Contains(names, name)
}
