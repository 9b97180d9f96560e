package manager

import (
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/timestamp"
)

// The properties systemd serves as structures: their text is what systemctl show prints, their Raw value the
// structure the D-Bus API sends (host/api's types), both computed here, once.

// checksProperty is Conditions or Asserts: every check of list with its outcome in states, the last written
// first (systemd prepends each to its list). systemctl show prints it as "[unprintable]".
func checksProperty(name string, list []unit.Condition, states []int32) api.Property {
	out := make(api.Conditions, 0, len(list))
	for i := len(list) - 1; i >= 0; i-- {
		c := list[i]
		prefix := "Condition"
		if c.Assert {
			prefix = "Assert"
		}
		var state int32
		if len(states) == len(list) { // else the list changed (a reload) since it was evaluated
			state = states[i]
		}
		out = append(out, api.Condition{Type: prefix + c.Kind, Trigger: c.Trigger, Negate: c.Negate, Param: c.Param, State: state})
	}
	return api.Property{Name: name, Value: api.Unprintable, Raw: out}
}

// structuredProperties are the plugin's properties (own, by name) that systemd serves as structures, with their
// Raw value: the Exec*= commands with their last runs (execstatus.go), a socket's Listen and a path unit's
// Paths ("ADDRESS (TYPE)" lines), a timer's TimersMonotonic and TimersCalendar ("{ BASE=VALUE ; next_elapse=…
// }" lines). A value that does not read as its structure stays as it is.
func (u *Unit) structuredProperties(own map[string]string) map[string]api.Property {
	out := u.execProperties(own)
	for _, key := range []string{"Listen", "Paths"} {
		if v, ok := own[key]; ok {
			if raw, ok := addresses(v); ok {
				out[key] = api.Property{Name: key, Value: v, Raw: raw}
			}
		}
	}
	if v, ok := own["TimersMonotonic"]; ok {
		var raw api.MonotonicTimers
		for _, l := range lines(v) {
			base, val, next, ok := timerLine(l)
			us, err1 := timespan.ParseUSec(val)
			nx, err2 := timespan.ParseUSec(next)
			if !ok || err1 != nil || err2 != nil {
				raw = nil
				break
			}
			raw = append(raw, api.MonotonicTimer{Base: base, USec: us, NextUSec: nx})
		}
		if raw != nil || v == "" {
			out["TimersMonotonic"] = api.Property{Name: "TimersMonotonic", Value: v, Raw: append(api.MonotonicTimers{}, raw...)}
		}
	}
	if v, ok := own["TimersCalendar"]; ok {
		var raw api.CalendarTimers
		for _, l := range lines(v) {
			base, spec, next, ok := timerLine(l)
			if !ok {
				raw = nil
				break
			}
			var nx uint64
			if next != "0" && next != "" {
				if t, err := time.ParseInLocation("Mon 2006-01-02 15:04:05 MST", next, time.Local); err == nil {
					nx = uint64(t.UnixMicro())
				} else if us, err := timestamp.Parse(next); err == nil {
					nx = us
				}
			}
			raw = append(raw, api.CalendarTimer{Base: base, Spec: spec, NextUSec: nx})
		}
		if raw != nil || v == "" {
			out["TimersCalendar"] = api.Property{Name: "TimersCalendar", Value: v, Raw: append(api.CalendarTimers{}, raw...)}
		}
	}
	return out
}

func lines(v string) []string {
	if v == "" {
		return nil
	}
	return strings.Split(v, "\n")
}

// addresses reads "ADDRESS (TYPE)" lines as (type, address) pairs.
func addresses(v string) (api.Addresses, bool) {
	out := api.Addresses{}
	for _, l := range lines(v) {
		i := strings.LastIndex(l, " (")
		if i < 0 || !strings.HasSuffix(l, ")") {
			return nil, false
		}
		out = append(out, [2]string{l[i+2 : len(l)-1], l[:i]})
	}
	return out, true
}

// timerLine reads "{ BASE=VALUE ; next_elapse=NEXT }".
func timerLine(l string) (base, value, next string, ok bool) {
	l, ok1 := strings.CutPrefix(l, "{ ")
	l, ok2 := strings.CutSuffix(l, " }")
	def, next, ok3 := strings.Cut(l, " ; next_elapse=")
	base, value, ok4 := strings.Cut(def, "=")
	return base, value, next, ok1 && ok2 && ok3 && ok4
}
