package cli

import (
	"context"
	"fmt"
	"io"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/sysmaster/sysmaster/pkg/exposure"
	"github.com/sysmaster/sysmaster/sdk/client"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// security runs `sctl analyze security [UNIT...]` as systemd-analyze security does on a running system: for
// each unit, the table of checks and its overall exposure; without units, the overview of every loaded
// service that is not a oneshot. The rating is pkg/exposure's, from the units' properties.
func (a *analyzer) security(units []string) int {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.Dial(ctx, "")
	if err != nil {
		a.errorf("Failed to connect to sysmaster: %v", err)
		return exitFailure
	}
	defer c.Close()
	overview := len(units) == 0
	if overview {
		resp, err := c.ListUnits(ctx, &controlv1.ListUnitsRequest{All: true, Types: []string{"service"}})
		if err != nil {
			a.errorf("Failed to list units: %v", err)
			return exitFailure
		}
		for _, u := range resp.Units {
			if u.LoadState == "loaded" {
				units = append(units, u.Name)
			}
		}
		sort.Strings(units)
	}
	var props []map[string]string
	if len(units) > 0 {
		resp, err := c.Show(ctx, &controlv1.ShowRequest{Units: units, Properties: exposure.Properties})
		if err != nil {
			a.errorf("Failed to get unit properties: %v", err)
			return exitFailure
		}
		for _, u := range resp.Units {
			p := map[string]string{"Id": u.Unit}
			for _, kv := range u.Properties {
				p[kv.Name] = kv.Value
			}
			props = append(props, p)
		}
	}
	if overview {
		var rows [][]string
		for _, p := range props {
			if p["Type"] == "oneshot" {
				continue
			}
			r := exposure.Assess(exposure.FromProperties(p))
			rows = append(rows, []string{p["Id"], tenths(r.Exposure), r.Level.Name, r.Level.Smiley})
		}
		writeColumns(a.stdout, []string{"UNIT", "EXPOSURE", "PREDICATE", "HAPPY"}, rows, map[int]bool{1: true})
		return exitOK
	}
	code := exitOK
	for _, p := range props {
		if p["LoadState"] != "loaded" {
			switch p["LoadState"] {
			case "not-found", "":
				a.errorf("Unit %s not found, cannot analyze.", p["Id"])
			case "masked":
				a.errorf("Unit %s is masked, cannot analyze.", p["Id"])
			default:
				a.errorf("Unit %s not loaded properly, cannot analyze.", p["Id"])
			}
			code = exitFailure
			continue
		}
		printAssessment(a.stdout, p["Id"], exposure.Assess(exposure.FromProperties(p)))
	}
	return code
}

func tenths(x uint64) string { return fmt.Sprintf("%d.%d", x/10, x%10) }

// printAssessment prints one unit's table as systemd-analyze security does: sorted by description, last first,
// a check mark for a check passed, a cross for one failed, nothing where it does not apply.
func printAssessment(w io.Writer, unit string, r exposure.Result) {
	rows := append([]exposure.Row{}, r.Rows...)
	sort.SliceStable(rows, func(i, j int) bool {
		if rows[i].Description != rows[j].Description {
			return rows[i].Description > rows[j].Description
		}
		return rows[i].Name < rows[j].Name
	})
	var cells [][]string
	for _, row := range rows {
		mark := " "
		if row.Set != nil {
			mark = "✗"
			if *row.Set {
				mark = "✓"
			}
		}
		cells = append(cells, []string{mark, row.Name, row.Description, row.Exposure})
	}
	writeColumns(w, []string{" ", "NAME", "DESCRIPTION", "EXPOSURE"}, cells, map[int]bool{3: true})
	fmt.Fprintf(w, "\n→ Overall exposure level for %s: %s %s %s\n", unit, tenths(r.Exposure), r.Level.Name, r.Level.Smiley)
}

// writeColumns prints a header and rows in columns sized to their content, one space apart; the columns in
// right are aligned to the right.
func writeColumns(w io.Writer, header []string, rows [][]string, right map[int]bool) {
	all := append([][]string{header}, rows...)
	widths := make([]int, len(header))
	for _, r := range all {
		for i, c := range r {
			widths[i] = max(widths[i], utf8.RuneCountInString(c))
		}
	}
	for _, r := range all {
		var b strings.Builder
		for i, c := range r {
			pad := strings.Repeat(" ", widths[i]-utf8.RuneCountInString(c))
			if right[i] {
				b.WriteString(pad + c)
			} else {
				b.WriteString(c + pad)
			}
			if i < len(r)-1 {
				b.WriteString(" ")
			}
		}
		fmt.Fprintln(w, strings.TrimRight(b.String(), " "))
	}
}
