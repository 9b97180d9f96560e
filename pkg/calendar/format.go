package calendar

import (
	"fmt"
	"strings"
)

var weekdayNames = [7]string{"Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"}

// String returns the normal form systemd prints ("Mon..Fri *-*-* 09:00:00 Europe/Berlin"); parsing it gives
// the same Spec.
func (c *Spec) String() string {
	var b strings.Builder
	if c.weekdays > 0 && c.weekdays <= allWeekdays {
		c.formatWeekdays(&b)
		b.WriteByte(' ')
	}
	c.year.format(&b, 4, false)
	b.WriteByte('-')
	c.month.format(&b, 2, false)
	if c.endOfMonth {
		b.WriteByte('~')
	} else {
		b.WriteByte('-')
	}
	c.day.format(&b, 2, false)
	b.WriteByte(' ')
	c.hour.format(&b, 2, false)
	b.WriteByte(':')
	c.minute.format(&b, 2, false)
	b.WriteByte(':')
	c.usec.format(&b, 2, true)
	switch {
	case c.utc:
		b.WriteString(" UTC")
	case c.timezone != "":
		b.WriteString(" " + c.timezone)
	case c.dst == 0 || c.dst == 1:
		if name := Abbreviations(c.local)[c.dst]; name != "" {
			b.WriteString(" " + name)
		}
	}
	return b.String()
}

// formatWeekdays writes runs of three days or more as "Mon..Wed" and shorter ones as a list.
func (c *Spec) formatWeekdays(b *strings.Builder) {
	comma := false
	l := -1
	closeRun := func(x int) {
		if x > l+1 {
			if x > l+2 {
				b.WriteString("..")
			} else {
				b.WriteByte(',')
			}
			b.WriteString(weekdayNames[x-1])
		}
	}
	x := 0
	for ; x < len(weekdayNames); x++ {
		if c.weekdays&(1<<x) != 0 {
			if l < 0 {
				if comma {
					b.WriteByte(',')
				}
				comma = true
				b.WriteString(weekdayNames[x])
				l = x
			}
		} else if l >= 0 {
			closeRun(x)
			l = -1
		}
	}
	if l >= 0 {
		closeRun(x)
	}
}

// format writes a field with width digits; the seconds (usec) in seconds with six decimals when not whole.
// It keeps systemd's quirks: a repetition below one second prints as "/0.420000".
func (ch chain) format(b *strings.Builder, width int, usec bool) {
	d := 1
	if usec {
		d = usecPerSec
	}
	if ch.isStar(usec) {
		b.WriteByte('*')
		return
	}
	for i, co := range ch {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(b, "%0*d", width, co.start/d)
		if co.start%d > 0 {
			fmt.Fprintf(b, ".%06d", co.start%d)
		}
		if co.stop > 0 {
			fmt.Fprintf(b, "..%0*d", width, co.stop/d)
		}
		if co.stop%d > 0 {
			fmt.Fprintf(b, ".%06d", co.stop%d)
		}
		if co.repeat > 0 && !(co.stop > 0 && co.repeat == d) {
			fmt.Fprintf(b, "/%d", co.repeat/d)
		}
		if co.repeat%d > 0 {
			fmt.Fprintf(b, ".%06d", co.repeat%d)
		}
	}
}

// isStar reports whether the field matches every value: no list, or for the seconds a 0/1s element.
func (ch chain) isStar(usec bool) bool {
	if len(ch) == 0 {
		return true
	}
	if usec {
		for _, co := range ch {
			if co.start == 0 && co.stop < 0 && co.repeat == usecPerSec {
				return true
			}
		}
	}
	return false
}
