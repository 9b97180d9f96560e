package timer

import (
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/timestamp"
)

// properties are the timer's settings as `systemctl show` lists them: systemd's names and value formats.
func (c *Config) properties() map[string]string {
	mono, cal := c.timers(nil)
	p := map[string]string{
		"Unit":                c.Unit,
		"TimersMonotonic":     mono,
		"TimersCalendar":      cal,
		"OnClockChange":       yesno(c.OnClockChange),
		"OnTimezoneChange":    yesno(c.OnTimezoneChange),
		"AccuracyUSec":        timespan.FormatUSec(c.AccuracyUSec, 0),
		"RandomizedDelayUSec": timespan.FormatUSec(c.RandomizedDelayUSec, 0),
		"FixedRandomDelay":    yesno(c.FixedRandomDelay),
		"Persistent":          yesno(c.Persistent),
		"WakeSystem":          yesno(c.WakeSystem),
		"RemainAfterElapse":   yesno(c.RemainAfterElapse),
	}
	if c.WakeSystem {
		p["UnenforcedDirectives"] = "WakeSystem="
	}
	for k, v := range (&State{Result: resSuccess}).properties() {
		if v != "" {
			p[k] = v
		}
	}
	return p
}

// timers are TimersMonotonic= and TimersCalendar= as systemctl show writes them, one "{ BASE=VALUE ; next_elapse=…
// }" line per value, with the elapses in nexts (by value; nil or 0: none yet). systemd lists the values last
// given first.
func (c *Config) timers(nexts []uint64) (mono, cal string) {
	var ms, cs []string
	for i := len(c.Values) - 1; i >= 0; i-- {
		v := c.Values[i]
		var next uint64
		if i < len(nexts) {
			next = nexts[i]
		}
		if v.Base == onCalendar {
			at := stamp(next)
			if at == "" {
				at = "0"
			}
			cs = append(cs, "{ OnCalendar="+v.Calendar+" ; next_elapse="+at+" }")
			continue
		}
		// systemd names the bases after the bus's µs: OnActiveSec= is "OnActiveUSec".
		ms = append(ms, "{ "+strings.TrimSuffix(v.Base, "Sec")+"USec="+timespan.FormatUSec(v.USec, 0)+
			" ; next_elapse="+timespan.FormatUSec(next, 0)+" }")
	}
	return strings.Join(ms, "\n"), strings.Join(cs, "\n")
}

// properties are the running timer's properties: next elapses, last trigger, result.
func (s *State) properties() map[string]string {
	return map[string]string{
		"NextElapseUSecRealtime":   stamp(s.NextReal),
		"NextElapseUSecMonotonic":  timespan.FormatUSec(s.NextMono, 0),
		"LastTriggerUSec":          stamp(s.LastReal),
		"LastTriggerUSecMonotonic": timespan.FormatUSec(s.LastMono, 0),
		"Result":                   s.Result,
	}
}

// stamp is a timestamp property as systemctl show writes it; never is empty, which removes the property (systemctl
// show leaves an unset timestamp out).
func stamp(usec uint64) string {
	s, _ := timestamp.Format(usec, timestamp.Pretty, time.Local)
	return s
}

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
