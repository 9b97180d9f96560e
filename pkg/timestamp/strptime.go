package timestamp

import (
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/calendar"
)

// wall is a broken-down wall-clock time (month and day 1-based), as strptime fills a struct tm.
type wall struct{ year, mon, mday, hour, min, sec int }

var monthNames = [12]string{"January", "February", "March", "April", "May", "June", "July", "August",
	"September", "October", "November", "December"}

// strptime matches s against format as glibc's strptime does for the conversions systemd uses (%Y %y %m %d %H
// %M %S %b): a space matches any run of white space, a number may have fewer digits and leading white space,
// a month name its full or three-letter form in any case. Fields the format lacks keep base's value. It returns
// the time and what is left of s.
func strptime(s, format string, base wall) (wall, string, bool) {
	w := base
	for i := 0; i < len(format); i++ {
		f := format[i]
		if f == ' ' {
			s = strings.TrimLeft(s, " \t\n\v\f\r")
			continue
		}
		if f != '%' {
			if s == "" || s[0] != f {
				return w, s, false
			}
			s = s[1:]
			continue
		}
		i++
		var ok bool
		switch format[i] {
		case 'Y':
			w.year, s, ok = number(s, 0, 9999, 4)
		case 'y':
			var y int
			if y, s, ok = number(s, 0, 99, 2); ok {
				w.year = y + 2000
				if y >= 69 {
					w.year = y + 1900
				}
			}
		case 'm':
			w.mon, s, ok = number(s, 1, 12, 2)
		case 'd':
			w.mday, s, ok = number(s, 1, 31, 2)
		case 'H':
			w.hour, s, ok = number(s, 0, 23, 2)
		case 'M':
			w.min, s, ok = number(s, 0, 59, 2)
		case 'S':
			w.sec, s, ok = number(s, 0, 61, 2)
		case 'b':
			for m, name := range monthNames {
				for _, n := range []string{name, name[:3]} {
					if !ok && len(s) >= len(n) && strings.EqualFold(s[:len(n)], n) {
						w.mon, s, ok = m+1, s[len(n):], true
					}
				}
			}
		}
		if !ok {
			return w, s, false
		}
	}
	return w, s, true
}

// number reads at most n digits after white space, stopping early once another digit would pass max.
func number(s string, min, max, n int) (int, string, bool) {
	s = strings.TrimLeft(s, " \t\n\v\f\r")
	if s == "" || s[0] < '0' || s[0] > '9' {
		return 0, s, false
	}
	v := 0
	for {
		v = v*10 + int(s[0]-'0')
		s = s[1:]
		n--
		if n <= 0 || v*10 > max || s == "" || s[0] < '0' || s[0] > '9' {
			break
		}
	}
	if v < min || v > max {
		return 0, s, false
	}
	return v, s, true
}

// mktime returns the Unix time of w in z as C's mktime does (see calendar.Mktime).
func mktime(w wall, z *time.Location, dst int) int64 {
	return calendar.Mktime(z, w.year, w.mon, w.mday, w.hour, w.min, w.sec, dst)
}

// abbreviations returns a zone's standard and daylight-saving abbreviations (glibc's tzname).
func abbreviations(loc *time.Location) [2]string { return calendar.Abbreviations(loc) }
