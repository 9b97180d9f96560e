package cli

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/timestamp"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
	"golang.org/x/sys/unix"
)

// listTimers is systemctl list-timers: one row per loaded timer unit (active ones, or all with --all), sorted by
// the next elapse, those that will not elapse last.
func listTimers(e *env, args []string) int {
	lr, err := e.c.ListUnits(e.ctx, &controlv1.ListUnitsRequest{All: e.o.all, Types: []string{"timer"}, Patterns: args})
	if err != nil {
		return e.callFailed("list timers", err)
	}
	var names []string
	for _, u := range lr.Units {
		if u.LoadState == "loaded" && (e.o.all || u.ActiveState != "inactive") {
			names = append(names, u.Name)
		}
	}
	var units []*controlv1.UnitProperties
	if len(names) > 0 {
		sr, err := e.c.Show(e.ctx, &controlv1.ShowRequest{Units: names, Properties: []string{"Id", "Triggers",
			"NextElapseUSecRealtime", "NextElapseUSecMonotonic", "LastTriggerUSec"}})
		if err != nil {
			return e.callFailed("list timers", err)
		}
		units = sr.Units
	}
	fmt.Fprint(e.stdout, formatTimers(units, e.o, clockNow()))
	return exitOK
}

// clocks is a reading of CLOCK_REALTIME and CLOCK_MONOTONIC, in µs.
type clocks struct{ real, mono uint64 }

func clockNow() clocks {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return clocks{uint64(time.Now().UnixMicro()), uint64(ts.Nano() / 1000)}
}

// timerRow is one timer's row: its next elapse and last trigger (µs since the epoch; 0 never).
type timerRow struct {
	next, last      uint64
	unit, activates string
}

// nextElapse is systemctl's calc_next_elapse: the earlier of the realtime elapse and the monotonic one turned into
// realtime as the clocks read now. A property that does not parse counts as no elapse.
func nextElapse(p map[string]string, now clocks) uint64 {
	next := parseStamp(p["NextElapseUSecRealtime"], now)
	if nm, err := timespan.ParseUSec(p["NextElapseUSecMonotonic"]); err == nil && nm != 0 && nm != timespan.USecInfinity {
		var converted uint64
		if nm+now.real > now.mono {
			converted = nm + now.real - now.mono
		}
		if next == 0 || converted < next {
			next = converted
		}
	}
	return next
}

// parseStamp reads a timestamp property; an unset one (left out, as systemctl show leaves it out) is 0.
func parseStamp(v string, now clocks) uint64 {
	if v == "" {
		return 0
	}
	t, err := timestamp.ParseAt(v, time.UnixMicro(int64(now.real)), time.Local)
	if err != nil {
		return 0
	}
	return t
}

func formatTimers(units []*controlv1.UnitProperties, o options, now clocks) string {
	var rows []timerRow
	for _, u := range units {
		p := props(u.Properties)
		last := parseStamp(p["LastTriggerUSec"], now)
		rows = append(rows, timerRow{next: nextElapse(p, now), last: last, unit: p["Id"],
			activates: strings.ReplaceAll(p["Triggers"], " ", ", ")})
	}
	sort.SliceStable(rows, func(i, j int) bool {
		a, b := rows[i].next, rows[j].next
		if (a == 0) != (b == 0) {
			return b == 0
		}
		if a != b {
			return a < b
		}
		return rows[i].unit < rows[j].unit
	})
	var cells [][]string
	for _, r := range rows {
		cells = append(cells, []string{absTime(r.next), relTime(r.next, now.real), absTime(r.last), relTime(r.last, now.real),
			r.unit, r.activates})
	}
	if o.noLegend {
		return table(nil, cells)
	}
	var b strings.Builder
	b.WriteString(table([]string{"NEXT", "LEFT", "LAST", "PASSED", "UNIT", "ACTIVATES"}, cells))
	fmt.Fprintf(&b, "\n%d timers listed.\n", len(rows))
	if !o.all {
		b.WriteString("Pass --all to see loaded but inactive timers, too.\n")
	}
	return b.String()
}

// absTime and relTime write a timestamp as systemctl's tables do; never is "-" there.
func absTime(usec uint64) string {
	if s, ok := timestamp.Format(usec, timestamp.Pretty, time.Local); ok {
		return s
	}
	return "-"
}

func relTime(usec, now uint64) string {
	if s, ok := timestamp.FormatRelative(usec, now); ok {
		return s
	}
	return "-"
}
