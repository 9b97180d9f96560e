package cli

import (
	"fmt"
	"sort"
	"strings"

	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// listSockets is systemctl list-sockets: one row per listener of the loaded socket units (active ones, or all
// with --all), sorted by address.
func listSockets(e *env, args []string) int {
	lr, err := e.c.ListUnits(e.ctx, &controlv1.ListUnitsRequest{All: e.o.all, Types: []string{"socket"}, Patterns: args})
	if err != nil {
		return e.callFailed("list sockets", err)
	}
	var names []string
	for _, u := range lr.Units {
		if u.LoadState == "loaded" {
			names = append(names, u.Name)
		}
	}
	var units []*controlv1.UnitProperties
	if len(names) > 0 {
		sr, err := e.c.Show(e.ctx, &controlv1.ShowRequest{Units: names, Properties: []string{"Id", "Listen", "Triggers"}})
		if err != nil {
			return e.callFailed("list sockets", err)
		}
		units = sr.Units
	}
	fmt.Fprint(e.stdout, formatSockets(units, e.o))
	return exitOK
}

type socketRow struct{ listen, typ, unit, activates string }

func formatSockets(units []*controlv1.UnitProperties, o options) string {
	var rows []socketRow
	for _, u := range units {
		p := map[string]string{}
		for _, x := range u.Properties {
			p[x.Name] = x.Value
		}
		activates := strings.ReplaceAll(p["Triggers"], " ", ", ")
		for _, l := range strings.Split(p["Listen"], "\n") {
			if l == "" {
				continue
			}
			// "ADDRESS (Type)"
			addr, typ := l, ""
			if i := strings.LastIndex(l, " ("); i >= 0 && strings.HasSuffix(l, ")") {
				addr, typ = l[:i], l[i+2:len(l)-1]
			}
			rows = append(rows, socketRow{addr, typ, p["Id"], activates})
		}
	}
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].listen < rows[j].listen })
	var cells [][]string
	for _, r := range rows {
		if o.showTypes {
			cells = append(cells, []string{r.listen, r.typ, r.unit, r.activates})
		} else {
			cells = append(cells, []string{r.listen, r.unit, r.activates})
		}
	}
	header := []string{"LISTEN", "UNIT", "ACTIVATES"}
	if o.showTypes {
		header = []string{"LISTEN", "TYPE", "UNIT", "ACTIVATES"}
	}
	if o.isJSON() {
		return tableJSON(header, cells, o.output == "json-pretty")
	}
	if o.noLegend {
		return table(nil, cells)
	}
	var b strings.Builder
	b.WriteString(table(header, cells))
	fmt.Fprintf(&b, "\n%d sockets listed.\n", len(rows))
	if !o.all {
		b.WriteString("Pass --all to see loaded but inactive sockets, too.\n")
	}
	return b.String()
}
