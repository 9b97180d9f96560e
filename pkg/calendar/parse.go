package calendar

import (
	"math"
	"slices"
	"strings"
	"time"
)

// shorthands are the named expressions and the fields they set (the others stay "*").
var shorthands = map[string]func(c *Spec){
	"minutely": func(c *Spec) { c.usec = one(0) },
	"hourly":   func(c *Spec) { c.minute, c.usec = one(0), one(0) },
	"daily":    func(c *Spec) { c.hour, c.minute, c.usec = one(0), one(0), one(0) },
	"monthly":  func(c *Spec) { c.day, c.hour, c.minute, c.usec = one(1), one(0), one(0), one(0) },
	"weekly": func(c *Spec) {
		c.weekdays = 1
		c.hour, c.minute, c.usec = one(0), one(0), one(0)
	},
	"yearly": func(c *Spec) {
		c.month, c.day, c.hour, c.minute, c.usec = one(1), one(1), one(0), one(0), one(0)
	},
	"quarterly": func(c *Spec) {
		c.month = chain{{1, -1, 0}, {4, -1, 0}, {7, -1, 0}, {10, -1, 0}}
		c.day, c.hour, c.minute, c.usec = one(1), one(0), one(0), one(0)
	},
	"semiannually": func(c *Spec) {
		c.month = chain{{1, -1, 0}, {7, -1, 0}}
		c.day, c.hour, c.minute, c.usec = one(1), one(0), one(0), one(0)
	},
}

// shorthandAlias maps the other accepted spellings ("anually" is systemd's backwards-compatible typo).
var shorthandAlias = map[string]string{
	"annually": "yearly", "anually": "yearly",
	"biannually": "semiannually", "bi-annually": "semiannually", "semi-annually": "semiannually",
}

func one(v int) chain { return chain{{v, -1, 0}} }

func parse(p string, local *time.Location) (*Spec, error) {
	c := &Spec{dst: -1, local: local}
	if hasSuffixFold(p, " UTC") {
		c.utc = true
		p = p[:len(p)-4]
	} else if j, rest := localAbbrev(p, local); j >= 0 {
		c.dst = j
		p = rest
	} else if i := strings.LastIndexByte(p, ' '); i >= 0 {
		if z, ok := LoadZone(p[i+1:]); ok {
			c.timezone, c.zone = p[i+1:], z
			p = p[:i]
		}
	}
	if p == "" {
		return nil, ErrInvalid
	}
	name := strings.ToLower(p)
	if a, ok := shorthandAlias[name]; ok {
		name = a
	}
	if set, ok := shorthands[name]; ok {
		set(c)
	} else {
		ps := &scanner{s: p}
		if err := ps.weekdays(c); err != nil {
			return nil, err
		}
		done, err := ps.date(c)
		if err != nil {
			return nil, err
		}
		if !done {
			if err := ps.clock(c); err != nil {
				return nil, err
			}
		}
		if ps.i != len(ps.s) {
			return nil, ErrInvalid
		}
	}
	c.normalize()
	if !c.valid() {
		return nil, ErrInvalid
	}
	return c, nil
}

// hasSuffixFold reports whether s ends with suffix, ignoring ASCII case.
func hasSuffixFold(s, suffix string) bool {
	return len(s) >= len(suffix) && strings.EqualFold(s[len(s)-len(suffix):], suffix)
}

// localAbbrev finds the local zone's standard (0) or daylight-saving (1) abbreviation as the last word of p and
// returns p without it; -1 when neither is there.
func localAbbrev(p string, local *time.Location) (int, string) {
	for j, name := range Abbreviations(local) {
		if name == "" || !hasSuffixFold(p, name) {
			continue
		}
		e := len(p) - len(name)
		if e == 0 || p[e-1] != ' ' {
			continue
		}
		return j, p[:e-1]
	}
	return -1, p
}

// scanner walks an expression left to right as systemd's parser does.
type scanner struct {
	s string
	i int
}

func (ps *scanner) peek(k int) byte {
	if ps.i+k < len(ps.s) {
		return ps.s[ps.i+k]
	}
	return 0
}

func (ps *scanner) skipSpaces() {
	for ps.peek(0) == ' ' {
		ps.i++
	}
}

var dayNames = []struct {
	name string
	nr   int
}{
	{"Monday", 0}, {"Mon", 0}, {"Tuesday", 1}, {"Tue", 1}, {"Wednesday", 2}, {"Wed", 2}, {"Thursday", 3},
	{"Thu", 3}, {"Friday", 4}, {"Fri", 4}, {"Saturday", 5}, {"Sat", 5}, {"Sunday", 6}, {"Sun", 6},
}

// weekdays parses the optional leading list of weekdays ("Mon,Wed..Fri").
func (ps *scanner) weekdays(c *Spec) error {
	l := -1
	for first := true; ; first = false {
		found := -1
		for _, d := range dayNames {
			rest := ps.s[ps.i:]
			if len(rest) < len(d.name) || !strings.EqualFold(rest[:len(d.name)], d.name) {
				continue
			}
			switch ps.peek(len(d.name)) {
			case 0, '-', '.', ',', ' ':
			default:
				return ErrInvalid
			}
			c.weekdays |= 1 << d.nr
			if l >= 0 {
				if l > d.nr {
					return ErrInvalid
				}
				for j := l + 1; j < d.nr; j++ {
					c.weekdays |= 1 << j
				}
			}
			ps.i += len(d.name)
			found = d.nr
			break
		}
		if found < 0 {
			if first {
				return nil
			}
			return ErrInvalid
		}
		switch ps.peek(0) {
		case 0:
			return nil
		case ' ':
			ps.skipSpaces()
			return nil
		case '.':
			if l >= 0 || ps.peek(1) != '.' {
				return ErrInvalid
			}
			l = found
			ps.i += 2
		case '-': // the old range syntax
			if l >= 0 {
				return ErrInvalid
			}
			l = found
			ps.i++
		case ',':
			l = -1
			ps.i++
		}
		if b := ps.peek(0); b == 0 || b == ' ' {
			ps.skipSpaces()
			if l >= 0 {
				return ErrInvalid // an open range
			}
			return nil
		}
	}
}

// date parses "[year-]month-day" (or "month~day", "year-month~day") or "@epoch". It leaves the scanner where it
// was and returns false when the text is a time rather than a date; it returns true when no time may follow.
func (ps *scanner) date(c *Spec) (bool, error) {
	if ps.i == len(ps.s) {
		return false, nil
	}
	if ps.peek(0) == '@' {
		return true, ps.epoch(c)
	}
	t := &scanner{s: ps.s, i: ps.i}
	first, err := t.chain(false)
	if err != nil {
		return false, err
	}
	switch t.peek(0) {
	case 0, ':':
		return false, nil // a time
	case '~':
		c.endOfMonth = true
	case '-':
	default:
		return false, ErrInvalid
	}
	t.i++
	second, err := t.chain(false)
	if err != nil {
		return false, err
	}
	if b := t.peek(0); b == 0 || b == ' ' {
		t.skipSpaces()
		ps.i = t.i
		c.month, c.day = first, second
		return false, nil
	}
	if c.endOfMonth {
		return false, ErrInvalid
	}
	switch t.peek(0) {
	case '~':
		c.endOfMonth = true
	case '-':
	default:
		return false, ErrInvalid
	}
	t.i++
	third, err := t.chain(false)
	if err != nil {
		return false, err
	}
	if b := t.peek(0); b != 0 && b != ' ' {
		return false, ErrInvalid
	}
	t.skipSpaces()
	ps.i = t.i
	c.year, c.month, c.day = first, second, third
	return false, nil
}

// epoch parses "@seconds": that instant in UTC.
func (ps *scanner) epoch(c *Spec) error {
	ps.i++
	v, n, err := strtoul(ps.s[ps.i:])
	if err != nil {
		return err
	}
	ps.i += n
	if v > math.MaxInt64 {
		return ErrRange
	}
	if v > 1<<62 {
		return ErrRange // beyond what gmtime can represent
	}
	t := time.Unix(int64(v), 0).UTC()
	if t.Year()-1900 > math.MaxInt32 {
		return ErrRange
	}
	c.utc = true
	c.year, c.month, c.day = one(t.Year()), one(int(t.Month())), one(t.Day())
	c.hour, c.minute, c.usec = one(t.Hour()), one(t.Minute()), one(t.Second()*usecPerSec)
	return nil
}

// strtoul reads a number as C's strtoul does after "@": leading white space and a sign are allowed (a negative
// number wraps, which lands before 1970 and is refused later). It returns the value and the bytes read.
func strtoul(s string) (uint64, int, error) {
	i := 0
	for i < len(s) && (s[i] == ' ' || s[i] >= '\t' && s[i] <= '\r') {
		i++
	}
	neg := false
	if i < len(s) && (s[i] == '+' || s[i] == '-') {
		neg = s[i] == '-'
		i++
	}
	v, n, err := digits(s[i:])
	if err != nil {
		return 0, 0, err
	}
	if neg && v != 0 {
		v = -v
	}
	return v, i + n, nil
}

// digits reads a run of decimal digits (at least one).
func digits(s string) (uint64, int, error) {
	var v uint64
	n := 0
	overflow := false
	for n < len(s) && s[n] >= '0' && s[n] <= '9' {
		d := uint64(s[n] - '0')
		if v > (math.MaxUint64-d)/10 {
			overflow = true
		}
		v = v*10 + d
		n++
	}
	if n == 0 {
		return 0, 0, ErrInvalid
	}
	if overflow {
		return 0, 0, ErrRange
	}
	return v, n, nil
}

// clock parses "hour:minute[:second]"; nothing at all means 00:00:00.
func (ps *scanner) clock(c *Spec) error {
	if ps.i == len(ps.s) {
		c.hour, c.minute, c.usec = one(0), one(0), one(0)
		return nil
	}
	h, err := ps.chain(false)
	if err != nil {
		return err
	}
	if ps.peek(0) != ':' {
		return ErrInvalid
	}
	ps.i++
	m, err := ps.chain(false)
	if err != nil {
		return err
	}
	s := one(0)
	if ps.i < len(ps.s) {
		if ps.peek(0) != ':' {
			return ErrInvalid
		}
		ps.i++
		if s, err = ps.chain(true); err != nil {
			return err
		}
		if ps.i != len(ps.s) {
			return ErrInvalid
		}
	}
	c.hour, c.minute, c.usec = h, m, s
	return nil
}

// chain parses one field: "*" or a comma list of components. usec says the field is the seconds, which take
// decimals and are kept in microseconds.
func (ps *scanner) chain(usec bool) (chain, error) {
	if ps.peek(0) == '*' {
		ps.i++
		if usec {
			return chain{{0, -1, usecPerSec}}, nil
		}
		return nil, nil
	}
	var ch chain
	for {
		if len(ch) > maxComponents {
			return nil, ErrRange
		}
		co, err := ps.component(usec)
		if err != nil {
			return nil, err
		}
		ch = append(ch, co)
		if ps.peek(0) != ',' {
			return ch, nil
		}
		ps.i++
	}
}

// component parses "start[..stop][/repeat]".
func (ps *scanner) component(usec bool) (component, error) {
	co := component{stop: -1}
	var err error
	if co.start, err = ps.decimal(usec); err != nil {
		return co, err
	}
	if ps.peek(0) == '.' && ps.peek(1) == '.' {
		ps.i += 2
		if co.stop, err = ps.decimal(usec); err != nil {
			return co, err
		}
		co.repeat = 1
		if usec {
			co.repeat = usecPerSec
		}
	}
	if ps.peek(0) == '/' {
		ps.i++
		if co.repeat, err = ps.decimal(usec); err != nil {
			return co, err
		}
		if co.repeat == 0 {
			return co, ErrRange
		}
	} else {
		if co.start > math.MaxInt32-co.repeat {
			return co, ErrRange
		}
		// A seconds range below the default 1 s step would never repeat.
		if usec && co.stop >= 0 && co.start+co.repeat > co.stop {
			return co, ErrInvalid
		}
	}
	switch ps.peek(0) {
	case 0, ' ', ',', '-', '~', ':':
		return co, nil
	}
	return co, ErrInvalid
}

// decimal reads a non-negative number; for the seconds also a fraction of up to six decimals (rounded at the
// seventh), returned in microseconds. "." before another "." is a range, not a decimal point.
func (ps *scanner) decimal(usec bool) (int, error) {
	v, n, err := digits(ps.s[ps.i:])
	if err != nil {
		return 0, err
	}
	ps.i += n
	if usec {
		if v > math.MaxUint64/usecPerSec {
			return 0, ErrRange
		}
		v *= usecPerSec
		if ps.peek(0) == '.' && ps.peek(1) != '.' {
			ps.i++
			f, n, ok := fraction(ps.s[ps.i:], 6)
			if !ok {
				return 0, ErrInvalid
			}
			ps.i += n
			v += uint64(f)
		}
	}
	if v > math.MaxInt32 {
		return 0, ErrRange
	}
	return int(v), nil
}

// fraction reads the digits after a decimal point as a number of 10^-places units, rounding up when the next
// digit is 5 or more and ignoring the rest, as systemd's parse_fractional_part_u does. It fails without a digit.
func fraction(s string, places int) (int, int, bool) {
	v, i := 0, 0
	for ; i < places; i++ {
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			if i == 0 {
				return 0, 0, false
			}
			n := i
			for ; i < places; i++ {
				v *= 10
			}
			return v, n, true
		}
		v = v*10 + int(s[i]-'0')
	}
	if i < len(s) && s[i] >= '5' && s[i] <= '9' {
		v++
	}
	for i < len(s) && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	return v, i, true
}

// normalize puts the spec in systemd's canonical shape: two-digit years in 1970..2069, ranges trimmed to their
// last repetition, lists sorted without duplicates.
func (c *Spec) normalize() {
	if c.timezone == "UTC" {
		c.utc, c.timezone, c.zone = true, "", nil
	}
	if c.weekdays <= 0 || c.weekdays >= allWeekdays {
		c.weekdays = -1
	}
	if c.endOfMonth && c.day == nil {
		c.endOfMonth = false
	}
	for i := range c.year {
		c.year[i].start = fixYear(c.year[i].start)
		c.year[i].stop = fixYear(c.year[i].stop)
	}
	for _, ch := range []*chain{&c.year, &c.month, &c.day, &c.hour, &c.minute, &c.usec} {
		*ch = ch.normalize()
	}
}

// fixYear turns 12 into 2012 and 89 into 1989.
func fixYear(y int) int {
	switch {
	case y >= 0 && y < 70:
		return y + 2000
	case y >= 70 && y < 100:
		return y + 1900
	}
	return y
}

func (ch chain) normalize() chain {
	for i := range ch {
		co := &ch[i]
		if co.stop > co.start && co.repeat > 0 {
			co.stop -= (co.stop - co.start) % co.repeat
		}
		if co.stop > co.start && co.repeat > 0 && co.start+co.repeat > co.stop || co.start == co.stop {
			co.repeat, co.stop = 0, -1
		}
	}
	if len(ch) <= 1 {
		return ch
	}
	slices.SortFunc(ch, func(a, b component) int {
		if a.start != b.start {
			return a.start - b.start
		}
		if a.stop != b.stop {
			return a.stop - b.stop
		}
		return a.repeat - b.repeat
	})
	return slices.Compact(ch)
}

func (c *Spec) valid() bool {
	return c.year.valid(minYear, maxYear, false) && c.month.valid(1, 12, false) &&
		c.day.valid(1, 31, c.endOfMonth) && c.hour.valid(0, 23, false) && c.minute.valid(0, 59, false) &&
		c.usec.valid(0, 60*usecPerSec-1, false)
}

func (ch chain) valid(from, to int, endOfMonth bool) bool {
	if endOfMonth {
		to -= 3 // no more than 28 days back from the end of the month
	}
	for _, co := range ch {
		if co.start < from || co.start > to || co.repeat > to-from {
			return false
		}
		if co.stop >= 0 {
			if co.stop < from || co.stop > to || co.start+co.repeat > co.stop {
				return false
			}
		} else if endOfMonth && co.start-co.repeat < from || !endOfMonth && co.start+co.repeat > to {
			return false
		}
	}
	return true
}
