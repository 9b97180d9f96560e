package plugin

import (
	"fmt"
	"time"
)

// Backoff is the crash policy: a plugin that crashes Burst times within Interval is not launched again for a
// delay that starts at Initial and doubles with every backoff in a row, up to Max. A crash is an exit nobody
// asked for, a failed call, or a failed launch. The zero value never backs off; DefaultBackoff is the core's.
type Backoff struct {
	Burst    int
	Interval time.Duration
	Initial  time.Duration
	Max      time.Duration
}

// DefaultBackoff is five crashes in ten seconds, then 1 s, 2 s, 4 s, … up to a minute.
var DefaultBackoff = Backoff{Burst: 5, Interval: 10 * time.Second, Initial: time.Second, Max: time.Minute}

// Delay is the length of the level-th backoff in a row (level 0 is the first).
func (b Backoff) Delay(level int) time.Duration {
	d := b.Initial
	for i := 0; i < level && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// crashLog is one unit type's crash record. Its zero value is a type that never crashed.
type crashLog struct {
	recent []time.Time // crashes within the policy's interval, oldest first
	level  int         // backoffs in a row: the next one lasts Delay(level)
	until  time.Time   // end of the current backoff
	last   time.Time   // the last crash
	burst  int         // crashes that caused the current backoff
	span   time.Duration
}

// record counts a crash at now and reports whether it starts a backoff, and for how long.
func (c *crashLog) record(b Backoff, now time.Time) (time.Duration, bool) {
	c.last = now
	keep := c.recent[:0]
	for _, t := range c.recent {
		if now.Sub(t) < b.Interval {
			keep = append(keep, t)
		}
	}
	c.recent = append(keep, now)
	if b.Burst <= 0 || len(c.recent) < b.Burst {
		return 0, false
	}
	d := b.Delay(c.level)
	c.level++
	c.until = now.Add(d)
	c.burst, c.span = len(c.recent), now.Sub(c.recent[0])
	c.recent = nil
	return d, true
}

// backedOff reports whether launches are held off at now.
func (c *crashLog) backedOff(now time.Time) bool { return now.Before(c.until) }

// served notes a call that succeeded at now: a plugin that has served for a whole interval since its last crash
// is healthy again, and its next backoff starts from the initial delay.
func (c *crashLog) served(b Backoff, now time.Time) {
	if c.level > 0 && !c.backedOff(now) && now.Sub(c.last) >= b.Interval {
		c.level = 0
	}
}

// reset forgets every crash (a new binary was swapped in).
func (c *crashLog) reset() { *c = crashLog{} }

// describe is the parenthesised part of list-plugins' "backoff (…)" state.
func (c *crashLog) describe(now time.Time) string {
	return fmt.Sprintf("%d crashes in %s; next launch in %s", c.burst, roundSpan(c.span), roundSpan(c.until.Sub(now)))
}

// roundSpan shows a duration the way a person reads it: whole seconds, tenths under ten seconds.
func roundSpan(d time.Duration) time.Duration {
	if d < 10*time.Second {
		return d.Round(100 * time.Millisecond)
	}
	return d.Round(time.Second)
}
