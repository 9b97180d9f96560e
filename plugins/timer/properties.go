package main

import (
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/timestamp"
)

// properties are the timer's settings as `systemctl show` lists them: systemd's names and value formats.
func (c *Config) properties() map[string]string {
	var mono, cal []string
	for _, v := range c.Values {
		if v.Base == onCalendar {
			cal = append(cal, "{ OnCalendar="+v.Calendar+" ; next_elapse=0 }")
		} else {
			// systemd names the bases after the bus's µs: OnActiveSec= is "OnActiveUSec".
			mono = append(mono, "{ "+strings.TrimSuffix(v.Base, "Sec")+"USec="+timespan.FormatUSec(v.USec, 0)+" ; next_elapse=0 }")
		}
	}
	p := map[string]string{
		"Unit":                c.Unit,
		"TimersMonotonic":     strings.Join(mono, "\n"),
		"TimersCalendar":      strings.Join(cal, "\n"),
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
