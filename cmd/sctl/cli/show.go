package cli

import (
	"fmt"
	"strings"

	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

func show(e *env, args []string) int {
	units, err := e.expandNames(args)
	if err != nil {
		return e.callFailed("expand unit names", err)
	}
	if nothingMatched(args, units) {
		return exitOK
	}
	resp, err := e.c.Show(e.ctx, &controlv1.ShowRequest{Units: units, Properties: e.o.properties, All: e.o.all})
	if err != nil {
		return e.callFailed("get properties", err)
	}
	fmt.Fprint(e.stdout, formatShow(resp.Units, e.o.value))
	return exitOK
}

// formatShow prints Key=Value lines (or values only), a blank line between units.
func formatShow(units []*controlv1.UnitProperties, valueOnly bool) string {
	var b strings.Builder
	for i, u := range units {
		if i > 0 {
			b.WriteString("\n")
		}
		for _, p := range u.Properties {
			// A list of structures (a socket's Listen=) comes one entry per line: one Key= line each, as
			// systemctl prints them.
			for _, v := range strings.Split(showValue(p.Name, p.Value), "\n") {
				if valueOnly {
					b.WriteString(v + "\n")
				} else {
					b.WriteString(p.Name + "=" + v + "\n")
				}
			}
		}
	}
	return b.String()
}

// showValue is how systemctl show prints a value: an unknown MemoryCurrent, TasksCurrent or …NSec (UINT64_MAX)
// reads "[not set]".
func showValue(name, value string) string {
	if value == notSet && (name == "MemoryCurrent" || name == "TasksCurrent" || strings.HasSuffix(name, "NSec")) {
		return "[not set]"
	}
	return value
}

func cat(e *env, args []string) int {
	units, err := e.expandNames(args)
	if err != nil {
		return e.callFailed("expand unit names", err)
	}
	if nothingMatched(args, units) {
		return exitOK
	}
	if units, err = e.withDependencies(units); err != nil {
		return e.callFailed("list dependencies", err)
	}
	resp, err := e.c.Cat(e.ctx, &controlv1.CatRequest{Units: units})
	if err != nil {
		e.errorf("%v", err)
		return exitFailure
	}
	fmt.Fprint(e.stdout, formatCat(resp.Units))
	return exitOK
}

// formatCat prints each file behind a "# PATH" line, a blank line between files, as systemctl cat does.
func formatCat(units []*controlv1.CatUnit) string {
	var b strings.Builder
	first := true
	for _, u := range units {
		for _, f := range u.Files {
			if !first {
				b.WriteString("\n")
			}
			first = false
			b.WriteString("# " + f.Path + "\n")
			b.WriteString(f.Content)
			if !strings.HasSuffix(f.Content, "\n") {
				b.WriteString("\n")
			}
		}
	}
	return b.String()
}

// activeStates asks for the ActiveState of units.
func activeStates(e *env, args []string) ([]string, int) {
	units, err := e.expandNames(args)
	if err != nil {
		return nil, e.callFailed("expand unit names", err)
	}
	resp, err := e.c.Show(e.ctx, &controlv1.ShowRequest{Units: units, Properties: []string{"ActiveState"}})
	if err != nil {
		return nil, e.callFailed("get unit state", err)
	}
	var out []string
	for _, u := range resp.Units {
		st := "inactive"
		if len(u.Properties) > 0 && u.Properties[0].Value != "" {
			st = u.Properties[0].Value
		}
		out = append(out, st)
	}
	return out, exitOK
}

// isActive prints each unit's state; exit 0 when at least one is active, 3 otherwise.
func isActive(e *env, args []string) int { return stateCheck(e, args, "active", "reloading") }

// isFailed likewise for failed units.
func isFailed(e *env, args []string) int { return stateCheck(e, args, "failed") }

func stateCheck(e *env, args []string, good ...string) int {
	states, code := activeStates(e, args)
	if code != exitOK {
		return code
	}
	code = exitNotActive
	if good[0] == "failed" {
		code = exitFailure
	}
	for _, st := range states {
		if !e.o.quiet {
			fmt.Fprintln(e.stdout, st)
		}
		for _, g := range good {
			if st == g {
				code = exitOK
			}
		}
	}
	return code
}
