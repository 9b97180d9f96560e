package exec

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/bytesize"
	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/sdk"
)

// rlimInfinity is RLIM_INFINITY.
const rlimInfinity = math.MaxUint64

// limitKind says how a Limit*= value counts.
type limitKind int

const (
	limitNumber  limitKind = iota // a plain number
	limitBytes                    // a size with K, M, G… suffixes, base 1024
	limitSeconds                  // a time span, bare numbers in seconds, rounded up to whole seconds
	limitUSec                     // a time span, bare numbers in microseconds
	limitNice                     // a raw value 0..40, or a nice level written with a sign ("+5", "-10")
)

// limitKinds are the Limit*= keys without "Limit" (man systemd.exec, "Process Properties").
var limitKinds = map[string]limitKind{
	"CPU": limitSeconds, "FSIZE": limitBytes, "DATA": limitBytes, "STACK": limitBytes, "CORE": limitBytes,
	"RSS": limitBytes, "NOFILE": limitNumber, "AS": limitBytes, "NPROC": limitNumber, "MEMLOCK": limitBytes,
	"LOCKS": limitNumber, "SIGPENDING": limitNumber, "MSGQUEUE": limitBytes, "NICE": limitNice,
	"RTPRIO": limitNumber, "RTTIME": limitUSec,
}

// limit parses "value" (soft and hard) or "soft:hard"; an empty value removes the limit.
func (p *Parser) limit(e *sdk.Entry) {
	name := strings.TrimPrefix(e.Key, "Limit")
	if e.Value == "" {
		delete(p.x.Exec.Limits, name)
		return
	}
	rl, err := parseRlimit(e.Value, limitKinds[name])
	if err != nil {
		p.Bad(e, "%v", err)
		return
	}
	if p.x.Exec.Limits == nil {
		p.x.Exec.Limits = map[string]*sdk.Rlimit{}
	}
	p.x.Exec.Limits[name] = rl
}

func parseRlimit(v string, kind limitKind) (*sdk.Rlimit, error) {
	softS, hardS, pair := strings.Cut(v, ":")
	soft, err := parseRlimitValue(softS, kind)
	if err != nil {
		return nil, err
	}
	hard := soft
	if pair {
		if hard, err = parseRlimitValue(hardS, kind); err != nil {
			return nil, err
		}
		if soft > hard {
			return nil, fmt.Errorf("soft limit %s is above hard limit %s", softS, hardS)
		}
	}
	return &sdk.Rlimit{Soft: soft, Hard: hard}, nil
}

func parseRlimitValue(s string, kind limitKind) (uint64, error) {
	s = strings.TrimSpace(s)
	if s == "infinity" {
		return rlimInfinity, nil
	}
	switch kind {
	case limitBytes:
		n, err := bytesize.Parse(s)
		if err != nil {
			return 0, fmt.Errorf("%q is not a size", s)
		}
		return n, nil
	case limitSeconds, limitUSec:
		unit := time.Second
		if kind == limitUSec {
			unit = time.Microsecond
		}
		d, err := timespan.ParseWithDefault(s, unit)
		if err != nil {
			return 0, fmt.Errorf("%q is not a time span", s)
		}
		usec := uint64(d / time.Microsecond)
		if d%time.Microsecond != 0 {
			usec++
		}
		if kind == limitSeconds {
			return (usec + 999999) / 1000000, nil
		}
		return usec, nil
	case limitNice:
		if s != "" && (s[0] == '+' || s[0] == '-') {
			n, err := strconv.Atoi(s)
			if err != nil || n < -20 || n > 19 {
				return 0, fmt.Errorf("%q is not a nice level (-20..19)", s)
			}
			return uint64(20 - n), nil
		}
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil || n > 40 {
			return 0, fmt.Errorf("%q is not a nice limit (0..40, or a signed nice level)", s)
		}
		return n, nil
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return n, nil
}
