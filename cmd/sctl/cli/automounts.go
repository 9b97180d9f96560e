package cli

import (
	"fmt"
	"sort"
	"strings"

	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// listAutomounts is systemctl list-automounts (systemd 253): one row per loaded automount unit (active ones, or
// all with --all), sorted by mount point, with what its mount unit mounts and whether it is mounted.
func listAutomounts(e *env, args []string) int {
	lr, err := e.c.ListUnits(e.ctx, &controlv1.ListUnitsRequest{All: e.o.all, Types: []string{"automount"}, Patterns: args})
	if err != nil {
		return e.callFailed("list automounts", err)
	}
	var names []string
	for _, u := range lr.Units {
		if u.LoadState == "loaded" {
			names = append(names, u.Name)
		}
	}
	var rows []automountRow
	if len(names) > 0 {
		sr, err := e.c.Show(e.ctx, &controlv1.ShowRequest{Units: names, Properties: []string{"Id", "Where", "TimeoutIdleUSec", "Triggers"}})
		if err != nil {
			return e.callFailed("list automounts", err)
		}
		for _, u := range sr.Units {
			p := props(u.Properties)
			r := automountRow{where: p["Where"], idle: p["TimeoutIdleUSec"], unit: p["Id"], mounted: "no"}
			if mount := strings.Fields(p["Triggers"]); len(mount) > 0 {
				if mr, err := e.c.Show(e.ctx, &controlv1.ShowRequest{Units: mount[:1], Properties: []string{"What", "ActiveState"}}); err == nil && len(mr.Units) > 0 {
					mp := props(mr.Units[0].Properties)
					r.what = mp["What"]
					if mp["ActiveState"] == "active" {
						r.mounted = "yes"
					}
				}
			}
			rows = append(rows, r)
		}
	}
	fmt.Fprint(e.stdout, formatAutomounts(rows, e.o))
	return exitOK
}

type automountRow struct{ what, where, mounted, idle, unit string }

func formatAutomounts(rows []automountRow, o options) string {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].where < rows[j].where })
	var cells [][]string
	for _, r := range rows {
		idle := r.idle
		if idle == "" || idle == "0" {
			idle = "disabled"
		}
		cells = append(cells, []string{r.what, r.where, r.mounted, idle, r.unit})
	}
	if o.noLegend {
		return table(nil, cells)
	}
	var b strings.Builder
	b.WriteString(table([]string{"WHAT", "WHERE", "MOUNTED", "IDLE TIMEOUT", "UNIT"}, cells))
	fmt.Fprintf(&b, "\n%d automounts listed.\n", len(rows))
	if !o.all {
		b.WriteString("Pass --all to see loaded but inactive automounts, too.\n")
	}
	return b.String()
}
