package calendar

import (
	"errors"
	"fmt"
	"time"
)

// The error classes of a failed Parse or Next; test them with errors.Is.
var (
	// ErrInvalid: the expression is not a calendar specification (systemd's EINVAL).
	ErrInvalid = errors.New("invalid calendar specification")
	// ErrRange: a number in the expression is too large (systemd's ERANGE).
	ErrRange = errors.New("value out of range")
	// ErrNoElapse: the expression never elapses after the given time (systemd's ENOENT).
	ErrNoElapse = errors.New("no future elapse")
)

// Error is a failed Parse: the expression and the class of the failure.
type Error struct {
	Expr string
	Err  error // ErrInvalid or ErrRange
}

func (e *Error) Error() string { return fmt.Sprintf("calendar: %q: %v", e.Expr, e.Err) }

// Unwrap returns the error class.
func (e *Error) Unwrap() error { return e.Err }

const (
	minYear = 1970
	maxYear = 2199
	// usecPerSec scales the seconds field, which is kept in microseconds.
	usecPerSec = 1000000
	// allWeekdays is the bit set of Monday (bit 0) to Sunday (bit 6).
	allWeekdays = 127
	// maxComponents bounds a comma list, as systemd does, so that a hostile expression stays cheap.
	maxComponents = 240
)

// component is one element of a field's list: start, or start..stop, repeated every repeat from start (up to
// stop when stop >= 0). stop is -1 and repeat 0 when absent.
type component struct {
	start, stop, repeat int
}

// chain is a field's list, sorted and without duplicates once normalised. An empty chain matches every value
// ("*"), except for the seconds, where "*" is stored as 0/1s.
type chain []component

// Spec is a parsed calendar expression. Its zero value is not useful: build one with Parse.
type Spec struct {
	weekdays   int // bit set, Monday = bit 0; -1 for every day
	year       chain
	month      chain
	day        chain
	hour       chain
	minute     chain
	usec       chain // seconds in microseconds
	endOfMonth bool  // day counts backwards from the last day of the month ("~")

	utc      bool           // " UTC" given (or an @epoch)
	timezone string         // an IANA zone name given, "" for none
	zone     *time.Location // the zone that timezone names
	dst      int            // -1; 0 or 1 when the local zone's standard or daylight-saving abbreviation was given
	local    *time.Location // the zone the expression counts in when neither utc nor timezone is set
}

// Parse parses a calendar expression in the local time zone (time.Local).
func Parse(s string) (*Spec, error) { return ParseInLocation(s, time.Local) }

// ParseInLocation parses a calendar expression whose wall-clock times, unless it names a zone, are in local
// (glibc's $TZ for systemd). The local zone's abbreviations ("CET", "CEST") are accepted as a suffix, as systemd
// does.
func ParseInLocation(s string, local *time.Location) (*Spec, error) {
	if local == nil {
		local = time.UTC
	}
	c, err := parse(s, local)
	if err != nil {
		return nil, &Error{Expr: s, Err: err}
	}
	return c, nil
}

// TimeZone returns the IANA zone name the expression carries, "UTC" for UTC, or "" when it counts in the local
// zone.
func (s *Spec) TimeZone() string {
	if s.utc {
		return "UTC"
	}
	return s.timezone
}
