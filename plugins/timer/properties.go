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
			cal = append(cal, "{ OnCalendar="+v.Calendar+" ; next_elapse=n/a }")
		} else {
			mono = append(mono, "{ "+v.Base+"="+timespan.FormatUSec(v.USec, 0)+" ; next_elapse=0 }")
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
		p[k] = v
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

// stamp is a timestamp property as systemctl show writes it, "n/a" for never.
func stamp(usec uint64) string {
	if s, ok := timestamp.Format(usec, timestamp.Pretty, time.Local); ok {
		return s
	}
	return "n/a"
}

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
