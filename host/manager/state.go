package manager

import (
	"fmt"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/host/unitlog"
)

// isUp: anything but inactive and failed counts as up for the Inactive{Enter,Exit} timestamps.
func isUp(s unit.ActiveState) bool { return !s.IsDown() }

func now() stamp {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return stamp{wall: time.Now().UnixNano(), mono: time.Duration(ts.Nano())}
}

// unitLogf adds a manager line to u's log (and to the core's own log at debug level).
func (m *Manager) unitLogf(u *Unit, priority int, format string, args ...any) {
	text := fmt.Sprintf(format, args...)
	m.log.Debug(text, "unit", u.ID)
	if err := m.unitLogs.Append(unitlog.Entry{Unit: u.ID, Priority: priority, Source: "manager", Text: text}); err != nil {
		m.log.Warn("cannot write the unit's log", "unit", u.ID, "error", err)
	}
}
