package cli

import (
	"strings"
	"testing"
	"time"

	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

func TestFormatTimers(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.UTC
	prop := func(kv ...string) []*controlv1.Property {
		var ps []*controlv1.Property
		for i := 0; i < len(kv); i += 2 {
			ps = append(ps, &controlv1.Property{Name: kv[i], Value: kv[i+1]})
		}
		return ps
	}
	now := clocks{real: uint64(time.Date(2026, 12, 7, 15, 0, 0, 0, time.UTC).UnixMicro()), mono: 3600e6}
	units := []*controlv1.UnitProperties{
		{Properties: prop("Id", "logrotate.timer", "Triggers", "logrotate.service",
			"NextElapseUSecRealtime", "Tue 2026-12-08 00:00:00 UTC", "NextElapseUSecMonotonic", "0",
			"LastTriggerUSec", "Mon 2026-12-07 00:00:00 UTC")},
		// A monotonic elapse 10 minutes from now, earlier than its realtime one.
		{Properties: prop("Id", "fstrim.timer", "Triggers", "fstrim.service",
			"NextElapseUSecRealtime", "Mon 2026-12-14 00:00:00 UTC", "NextElapseUSecMonotonic", "1h 10min",
			"LastTriggerUSec", "")},
		{Properties: prop("Id", "idle.timer", "Triggers", "idle.service", "NextElapseUSecMonotonic", "0")},
	}
	got := formatTimers(units, options{}, now)
	want := "NEXT                        LEFT       LAST                        PASSED  UNIT            ACTIVATES\n" +
		"Mon 2026-12-07 15:10:00 UTC 10min left -                           -       fstrim.timer    fstrim.service\n" +
		"Tue 2026-12-08 00:00:00 UTC 9h left    Mon 2026-12-07 00:00:00 UTC 15h ago logrotate.timer logrotate.service\n" +
		"-                           -          -                           -       idle.timer      idle.service\n" +
		"\n3 timers listed.\nPass --all to see loaded but inactive timers, too.\n"
	if got != want {
		t.Errorf("list-timers:\n%s\nwant\n%s", got, want)
	}
	if got := formatTimers(units[:1], options{all: true, noLegend: true}, now); strings.Contains(got, "listed") || !strings.Contains(got, "logrotate.timer") {
		t.Errorf("--no-legend:\n%s", got)
	}
	p := map[string]string{"Id": "fstrim.timer", "ActiveState": "active", "SubState": "waiting", "LoadState": "loaded",
		"Triggers": "fstrim.service", "NextElapseUSecRealtime": "Mon 2026-12-07 16:00:00 UTC", "NextElapseUSecMonotonic": "0"}
	st := formatStatus(p, time.UnixMicro(int64(now.real)), false)
	if !strings.Contains(st, "    Trigger: Mon 2026-12-07 16:00:00 UTC; 1h 0min left\n") || !strings.Contains(st, "   Triggers: ● fstrim.service\n") {
		t.Errorf("status:\n%s", st)
	}
}
