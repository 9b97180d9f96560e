package calendar

import (
	"errors"
	"time"
)

// maxFormattable is the last instant systemd formats (9999-12-30 23:59:59 UTC); later base times are refused.
const maxFormattable = 253402214399 * usecPerSec

// maxIterations is systemd's safety valve against a search that does not converge.
const maxIterations = 1000

// errLoop: the search did not converge (systemd's EDEADLK).
var errLoop = errors.New("calendar: next elapse search did not converge")

// Next returns the first instant strictly after base at which the expression elapses, with microsecond
// precision, or ErrNoElapse.
func (c *Spec) Next(base time.Time) (time.Time, error) {
	u := base.Unix()*usecPerSec + int64(base.Nanosecond()/1000)
	n, err := c.NextUsec(u)
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMicro(n), nil
}

// NextUsec is Next on microseconds since the epoch, as systemd counts: the first elapse after usec.
func (c *Spec) NextUsec(usec int64) (int64, error) {
	if usec < 0 {
		usec = 0
	}
	if usec > maxFormattable {
		return 0, ErrInvalid
	}
	usec++
	k := c.clock()
	t := k.localtime(usec / usecPerSec)
	frac := int(usec % usecPerSec)
	if err := c.findNext(k, &t, &frac); err != nil {
		return 0, err
	}
	sec, ok := k.mktime(&t)
	if !ok {
		return 0, ErrInvalid
	}
	return sec*usecPerSec + int64(frac), nil
}

func (c *Spec) clock() *clock {
	switch {
	case c.utc:
		return &clock{utc: true}
	case c.zone != nil:
		return &clock{loc: c.zone}
	}
	return &clock{loc: c.local}
}

// findNext moves t (and its microseconds frac) forward to the first time every field matches, field by field
// from the year down, as systemd's find_next does: when a field has no match left, the next larger field is
// advanced and the search starts again; a time the zone skips or that lies before a normalised one is refused.
func (c *Spec) findNext(k *clock, t *tm, frac *int) error {
	x := *t
	us := *frac
	for range maxIterations {
		k.mktime(&x)
		x.isdst = c.dst

		r := c.year.match(c, false, &x, &x.year)
		if r > 0 {
			x.mon, x.mday, x.hour, x.min, x.sec, us = 1, 1, 0, 0, 0, 0
		}
		if r < 0 {
			return ErrNoElapse
		}
		if k.withinBounds(&x) <= 0 {
			return ErrNoElapse
		}

		r = c.month.match(c, false, &x, &x.mon)
		if r > 0 {
			x.mday, x.hour, x.min, x.sec, us = 1, 0, 0, 0, 0
		}
		if r < 0 || func() bool { r = k.withinBounds(&x); return r < 0 }() {
			x.year++
			x.mon, x.mday, x.hour, x.min, x.sec, us = 1, 1, 0, 0, 0, 0
			continue
		}
		if r == 0 {
			continue
		}

		r = c.day.match(c, true, &x, &x.mday)
		if r > 0 {
			x.hour, x.min, x.sec, us = 0, 0, 0, 0
		}
		if r < 0 || func() bool { r = k.withinBounds(&x); return r < 0 }() {
			x.mon++
			x.mday, x.hour, x.min, x.sec, us = 1, 0, 0, 0, 0
			continue
		}
		if r == 0 {
			continue
		}

		if !c.matchesWeekday(k, x) {
			x.mday++
			x.hour, x.min, x.sec, us = 0, 0, 0, 0
			continue
		}

		r = c.hour.match(c, false, &x, &x.hour)
		if r > 0 {
			x.min, x.sec, us = 0, 0, 0
		}
		if r < 0 || func() bool { r = k.withinBounds(&x); return r < 0 }() {
			x.mday++
			x.hour, x.min, x.sec, us = 0, 0, 0, 0
			continue
		}
		if r == 0 {
			continue // the hour may not exist on this day (a daylight-saving change): start again from it
		}

		r = c.minute.match(c, false, &x, &x.min)
		if r > 0 {
			x.sec, us = 0, 0
		}
		if r < 0 || func() bool { r = k.withinBounds(&x); return r < 0 }() {
			x.hour++
			x.min, x.sec, us = 0, 0, 0
			continue
		}
		if r == 0 {
			continue
		}

		v := x.sec*usecPerSec + us
		r = c.usec.match(c, false, &x, &v)
		us = v % usecPerSec
		x.sec = v / usecPerSec
		if r < 0 || func() bool { r = k.withinBounds(&x); return r < 0 }() {
			x.min++
			x.sec, us = 0, 0
			continue
		}
		if r == 0 {
			continue
		}

		*t = x
		*frac = us
		return nil
	}
	return errLoop
}

// match moves *val to the smallest value of the field that is >= *val. It returns 1 when *val changed, 0 when it
// already matched, -1 when no value is left in this field. day says the field is the day, which counts from the
// end of t's month when the expression has "~".
func (ch chain) match(c *Spec, day bool, t *tm, val *int) int {
	if len(ch) == 0 {
		return 0
	}
	eom := day && c.endOfMonth
	d, set := 0, false
	for _, co := range ch {
		start, stop := co.start, co.stop
		if eom {
			start, stop = endOfMonth(t, co.start), endOfMonth(t, co.stop)
			if stop > 0 {
				start, stop = stop, start
			}
		}
		if start >= *val {
			if !set || start < d {
				d, set = start, true
			}
		} else if co.repeat > 0 {
			k := start + co.repeat*((*val-start+co.repeat-1)/co.repeat)
			if (!set || k < d) && (stop < 0 || k <= stop) {
				d, set = k, true
			}
		}
	}
	if !set {
		return -1
	}
	r := 0
	if *val != d {
		r = 1
	}
	*val = d
	return r
}

// endOfMonth returns the day of t's month that is day days back from its end counting the last day as 1, or -1
// when there is no such day.
func endOfMonth(t *tm, day int) int {
	last := time.Date(t.year, time.Month(t.mon)+1, 0, 0, 0, 0, 0, time.UTC).Day()
	d := last + 1 - day
	if d < 1 || d > last {
		return -1
	}
	return d
}

// withinBounds normalises t and compares: 1 when t was already normal, 0 when it moved forward (t then holds
// the normal time, the field below the one that changed reset), -1 when it is out of range or moved backward.
func (k *clock) withinBounds(t *tm) int {
	if t.year > maxYear {
		return -1
	}
	n := *t
	if _, ok := k.mktime(&n); !ok {
		return -1
	}
	cmp := 0
	switch {
	case n.year != t.year:
		cmp = sign(n.year - t.year)
		n.mon = 1
	case n.mon != t.mon:
		cmp = sign(n.mon - t.mon)
		n.mday = 1
	case n.mday != t.mday:
		cmp = sign(n.mday - t.mday)
		n.hour = 0
	case n.hour != t.hour:
		cmp = sign(n.hour - t.hour)
		n.min = 0
	case n.min != t.min:
		cmp = sign(n.min - t.min)
		n.sec = 0
	default:
		cmp = sign(n.sec - t.sec)
	}
	if cmp < 0 {
		return -1 // never go backward
	}
	if cmp > 0 {
		*t = n
		return 0
	}
	return 1
}

func sign(v int) int {
	switch {
	case v < 0:
		return -1
	case v > 0:
		return 1
	}
	return 0
}

func (c *Spec) matchesWeekday(k *clock, t tm) bool {
	if c.weekdays < 0 || c.weekdays >= allWeekdays {
		return true
	}
	if _, ok := k.mktime(&t); !ok {
		return false
	}
	wd := t.wday - 1
	if t.wday == 0 {
		wd = 6
	}
	return c.weekdays&(1<<wd) != 0
}
