package daemon

import (
	"fmt"
	"log"
	"strconv"
	"sync/atomic"
)

// Syslog levels, as udevd's --log-level and `devctl control --log-level` take them.
var levelNames = []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}

const (
	levelErr    = 3
	levelNotice = 5
	levelInfo   = 6
	levelDebug  = 7
)

// ParseLevel reads a syslog level name or number 0–7.
func ParseLevel(s string) (int, error) {
	for i, n := range levelNames {
		if s == n {
			return i, nil
		}
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 7 {
		return n, nil
	}
	return 0, fmt.Errorf("invalid log level %q", s)
}

// logger writes lines at or below its level, prefixed with the kernel's "<N>" level marker the host's log reads.
type logger struct {
	level atomic.Int32
	out   *log.Logger
}

func (l *logger) logf(level int, format string, a ...any) {
	if int32(level) > l.level.Load() {
		return
	}
	l.out.Printf("<%d>"+format, append([]any{level}, a...)...)
}
