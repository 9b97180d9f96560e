package calendar

import (
	"os"
	"slices"
	"strings"
	"sync"
	"time"
)

// zones caches the time zones expressions name: a timer unit is parsed again on every daemon-reload.
var zones sync.Map // name → *time.Location

// zoneinfoDir is where systemd's timezone_is_valid looks for zone files.
const zoneinfoDir = "/usr/share/zoneinfo/"

// LoadZone returns the zone named name when it is a valid IANA zone name with a TZif file, as systemd's
// timezone_is_valid requires (a name like "Local" or "../x" is not).
func LoadZone(name string) (*time.Location, bool) {
	if z, ok := zones.Load(name); ok {
		return z.(*time.Location), true
	}
	if !validZoneName(name) {
		return nil, false
	}
	f, err := os.Open(zoneinfoDir + name)
	if err != nil {
		return nil, false
	}
	magic := make([]byte, 4)
	_, err = f.Read(magic)
	f.Close()
	if err != nil || string(magic) != "TZif" {
		return nil, false
	}
	z, err := time.LoadLocation(name)
	if err != nil {
		return nil, false
	}
	zones.Store(name, z)
	return z, true
}

// validZoneName checks the characters and shape of a zone name: letters, digits and "/-_+", no empty, "." or ".."
// path element, no leading "/".
func validZoneName(name string) bool {
	if name == "" || name[0] == '/' || name == "Local" {
		return false
	}
	for _, r := range name {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("/-_+", r)) {
			return false
		}
	}
	for _, e := range strings.Split(name, "/") {
		if e == "" || e == "." || e == ".." {
			return false
		}
	}
	return true
}

// Abbreviations returns a zone's standard and daylight-saving abbreviations this year, what glibc's tzname[0]
// and tzname[1] hold; a zone without daylight saving has the same name twice.
func Abbreviations(loc *time.Location) [2]string {
	y := time.Now().Year()
	var std, dst string
	for _, m := range []time.Month{time.January, time.July} {
		t := time.Date(y, m, 1, 12, 0, 0, 0, loc)
		name, _ := t.Zone()
		if t.IsDST() {
			dst = name
		} else if std == "" {
			std = name
		}
	}
	if dst == "" {
		dst = std
	}
	return [2]string{std, dst}
}

// Mktime returns the Unix time of a wall-clock time in loc as glibc's mktime does in a fresh process: fields out
// of range normalised (month 13 is January of the next year), a time a daylight-saving change skips counted with
// the standard time's offset, one it repeats the later of the two unless isdst (0 or 1; -1 for unknown) asks for
// the other, and an isdst that does not match shifting the time by the difference of the offsets.
func Mktime(loc *time.Location, year, mon, mday, hour, min, sec, isdst int) int64 {
	t := tm{year: year, mon: mon, mday: mday, hour: hour, min: min, sec: sec, isdst: isdst}
	k := &clock{loc: loc, utc: loc == time.UTC}
	u, _ := k.mktime(&t)
	return u
}

// tm is a broken-down wall-clock time as C's struct tm, with a 1-based month and the full year. isdst is -1
// (unknown), 0 or 1, as mktime takes it.
type tm struct {
	year, mon, mday, hour, min, sec int
	wday                            int // 0 = Sunday, set by mktime
	isdst                           int
}

// clock is the zone an expression counts in: UTC (timegm) or a location (mktime under that $TZ). Like glibc's
// mktime, it remembers the offset of its last result: a wall-clock time that a daylight-saving change repeats
// is read with that offset when it can be, so a search that moves forward through the repeated hour stays on
// the side it is on.
type clock struct {
	utc     bool
	loc     *time.Location
	last    int // offset in seconds of the last mktime result
	hasLast bool
}

func (k *clock) localtime(sec int64) tm {
	t := time.Unix(sec, 0)
	if k.utc {
		t = t.UTC()
	} else {
		t = t.In(k.loc)
	}
	return fromTime(t)
}

func fromTime(t time.Time) tm {
	isdst := 0
	if t.IsDST() {
		isdst = 1
	}
	return tm{t.Year(), int(t.Month()), t.Day(), t.Hour(), t.Minute(), t.Second(), int(t.Weekday()), isdst}
}

// mktime normalises t in place (month 13 is January of the next year, 25:00 is 01:00 the next day) and returns
// its Unix time, as glibc's mktime (or timegm for UTC) does, and false for a time before 1970. A wall-clock time
// that a daylight-saving change skips counts with the offset from before the change; one it repeats is the
// earlier of the two unless isdst asks for the other; an isdst that does not match the time shifts it by the
// difference of the two offsets.
func (k *clock) mktime(t *tm) (int64, bool) {
	u := time.Date(t.year, time.Month(t.mon), t.mday, t.hour, t.min, t.sec, 0, time.UTC).Unix()
	if k.utc {
		*t = k.localtime(u)
		return u, u >= 0
	}
	sec := k.resolve(u, t.isdst)
	*t = k.localtime(sec)
	_, k.last = time.Unix(sec, 0).In(k.loc).Zone()
	k.hasLast = true
	return sec, sec >= 0
}

// resolve finds the instant whose wall-clock time in k.loc is u (seconds counted as if the zone were UTC): of
// two readings, the one with the last offset, else the later.
func (k *clock) resolve(u int64, isdst int) int64 {
	// Far from a change (the same offset a day before and after, and at the reading) there is one reading.
	_, before := time.Unix(u-86400, 0).In(k.loc).Zone()
	_, after := time.Unix(u+86400, 0).In(k.loc).Zone()
	if before == after {
		t := time.Unix(u-int64(before), 0).In(k.loc)
		if _, off := t.Zone(); off == before && (isdst < 0 || t.IsDST() == (isdst == 1)) {
			return u - int64(off)
		}
	}
	var valid [3]int64
	nv := 0
	for _, probe := range [3]int64{u - 86400, u, u + 86400} {
		_, off := time.Unix(probe, 0).In(k.loc).Zone()
		cand := u - int64(off)
		if _, co := time.Unix(cand, 0).In(k.loc).Zone(); co != off || slices.Contains(valid[:nv], cand) {
			continue
		}
		valid[nv] = cand
		nv++
	}
	if nv == 0 && isdst < 0 {
		// Skipped by a change. glibc starts from the offset of its previous result: a search moving forward
		// from before the change lands after it. Without one it counts with the standard time's offset (the
		// one from before a spring change; after it in Europe/Dublin, whose summer time is its standard time).
		if k.hasLast {
			for _, probe := range [2]int64{u - 86400, u + 86400} {
				if _, off := time.Unix(probe, 0).In(k.loc).Zone(); off == k.last {
					return u - int64(off)
				}
			}
		}
		isdst = 0
	}
	if isdst >= 0 {
		for _, v := range valid[:nv] {
			if time.Unix(v, 0).In(k.loc).IsDST() == (isdst == 1) {
				return v
			}
		}
		// No reading of the time has that kind: count it with the offset of that kind nearest in the year.
		for _, probe := range [6]int64{u - 86400, u + 86400, u - 91*86400, u + 91*86400, u - 182*86400, u + 182*86400} {
			t := time.Unix(probe, 0).In(k.loc)
			if t.IsDST() == (isdst == 1) {
				_, off := t.Zone()
				return u - int64(off)
			}
		}
	}
	switch {
	case nv == 0: // a zone without daylight saving that skips time: the offset from before the change
		return u - offsetBefore(k.loc, u)
	case nv == 1:
		return valid[0]
	}
	if k.hasLast {
		for _, v := range valid[:nv] {
			if u-v == int64(k.last) {
				return v
			}
		}
	}
	return max(valid[0], valid[1])
}

// offsetBefore returns the offset in effect a day before the wall-clock time u, which is the one before a
// daylight-saving gap at u.
func offsetBefore(loc *time.Location, u int64) int64 {
	_, off := time.Unix(u-86400, 0).In(loc).Zone()
	return int64(off)
}
