package cli

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/sdk/client"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// The boot verbs of `sctl analyze`: time, blame, critical-chain and unit-paths, in systemd-analyze 252's output.
// The times are the manager's (KernelTimestamp, UserspaceTimestamp, FinishTimestamp) and the units' (the
// monotonic InactiveExit and ActiveEnter timestamps), which the core keeps in its checkpoint: a core that came
// back reports the same boot.

// bootData is what the boot verbs read from the manager.
type bootData struct {
	userspace, finish uint64 // µs of CLOCK_MONOTONIC (the kernel's start is 0)
	realBoot          bool   // the manager has a KernelTimestamp: a machine, not a container
	unitPath          []string
	units             map[string]*unitTimes
}

// unitTimes are one unit's: activating (InactiveExitTimestampMonotonic), activated (ActiveEnter…), time (the
// start's duration, 0 when it took none), and its After= dependencies.
type unitTimes struct {
	id                    string
	activating, activated uint64
	deactivating, ended   uint64 // ActiveExit…, InactiveEnter… after the start (plot); 0 while up
	time                  uint64
	after                 []string
	deps                  map[string][]string // the dependency properties dot draws
}

var bootUnitProps = []string{"Id", "InactiveExitTimestampMonotonic", "ActiveEnterTimestampMonotonic", "After",
	"ActiveExitTimestampMonotonic", "InactiveEnterTimestampMonotonic", "Requires", "Requisite", "Wants", "Conflicts"}

func fetchBoot(ctx context.Context, c *client.Client) (*bootData, error) {
	mgr, err := c.Show(ctx, &controlv1.ShowRequest{All: true}) // no unit: the manager's own properties
	if err != nil {
		return nil, err
	}
	d := &bootData{units: map[string]*unitTimes{}}
	for _, u := range mgr.Units {
		for _, p := range u.Properties {
			v, _ := strconv.ParseUint(p.Value, 10, 64)
			switch p.Name {
			case "KernelTimestamp":
				d.realBoot = p.Value != ""
			case "UserspaceTimestampMonotonic":
				d.userspace = v
			case "FinishTimestampMonotonic":
				d.finish = v
			case "UnitPath":
				d.unitPath = strings.Fields(p.Value)
			}
		}
	}
	list, err := c.ListUnits(ctx, &controlv1.ListUnitsRequest{All: true})
	if err != nil {
		return nil, err
	}
	var names []string
	for _, u := range list.Units {
		if u.LoadState == "loaded" {
			names = append(names, u.Name)
		}
	}
	resp, err := c.Show(ctx, &controlv1.ShowRequest{Units: names, Properties: bootUnitProps})
	if err != nil {
		return nil, err
	}
	for _, u := range resp.Units {
		t := &unitTimes{id: u.Unit, deps: map[string][]string{}}
		for _, p := range u.Properties {
			v, _ := strconv.ParseUint(p.Value, 10, 64)
			switch p.Name {
			case "ActiveExitTimestampMonotonic":
				t.deactivating = v
			case "InactiveEnterTimestampMonotonic":
				t.ended = v
			case "Requires", "Requisite", "Wants", "Conflicts":
				t.deps[p.Name] = strings.Fields(p.Value)
			case "Id":
				t.id = p.Value
			case "InactiveExitTimestampMonotonic":
				t.activating = v
			case "ActiveEnterTimestampMonotonic":
				t.activated = v
			case "After":
				t.after = strings.Fields(p.Value)
				t.deps[p.Name] = t.after
			}
		}
		if t.deactivating < t.activated { // an earlier run's, or none: the unit is up
			t.deactivating, t.ended = 0, 0
		}
		if t.activated >= t.activating && t.activating > 0 {
			t.time = t.activated - t.activating
		}
		d.units[u.Unit] = t
	}
	// default.target is an alias: its Id is the unit it names.
	if def, err := c.Show(ctx, &controlv1.ShowRequest{Units: []string{"default.target"}, Properties: []string{"Id"}}); err == nil {
		for _, u := range def.Units {
			for _, p := range u.Properties {
				if t := d.units[p.Value]; p.Name == "Id" && t != nil {
					d.units["default.target"] = t
				}
			}
		}
	}
	return d, nil
}

// span is systemd's FORMAT_TIMESPAN(usec, USEC_PER_MSEC).
func span(usec uint64) string { return timespan.FormatUSec(usec, 1000) }

// bootVerb runs one of the boot verbs; ok false when verb is not one of them.
func (a *analyzer) bootVerb(verb string, args []string) (code int, ok bool) {
	run := map[string]func(*bootData, []string) int{"time": a.bootTime, "blame": a.blame,
		"critical-chain": a.criticalChain, "unit-paths": a.unitPaths, "dot": a.dot, "plot": a.plot}[verb]
	if run == nil {
		return 0, false
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := client.Dial(ctx, "")
	if err != nil {
		a.errorf("Failed to connect to sysmaster: %v", err)
		return exitFailure, true
	}
	defer c.Close()
	d, err := fetchBoot(ctx, c)
	if err != nil {
		a.errorf("Failed to get the boot's times: %v", err)
		return exitFailure, true
	}
	return run(d, args), true
}

func (a *analyzer) finished(d *bootData) bool {
	if d.finish == 0 {
		a.errorf("Bootup is not yet finished (org.freedesktop.systemd1.Manager.FinishTimestampMonotonic=0).\n" +
			"Please try again later.\nHint: Use 'sctl list-jobs' to see active jobs")
		return false
	}
	return true
}

// bootTime is `analyze time`.
func (a *analyzer) bootTime(d *bootData, _ []string) int {
	if !a.finished(d) {
		return exitFailure
	}
	var b strings.Builder
	b.WriteString("Startup finished in ")
	if d.realBoot {
		fmt.Fprintf(&b, "%s (kernel) + ", span(d.userspace))
	}
	fmt.Fprintf(&b, "%s (userspace) ", span(d.finish-d.userspace))
	if d.realBoot {
		fmt.Fprintf(&b, "= %s ", span(d.finish))
	}
	def := d.units["default.target"]
	switch {
	case def == nil:
		b.WriteString("\ncould not find default.target.\n")
	case def.activated == 0:
		fmt.Fprintf(&b, "\n%s was never reached.\n", def.id)
	default:
		fmt.Fprintf(&b, "\n%s reached after %s in userspace.\n", def.id, span(def.activated-d.userspace))
	}
	fmt.Fprint(a.stdout, b.String())
	return exitOK
}

// blame is `analyze blame`: the units by the time their start took, longest first.
func (a *analyzer) blame(d *bootData, _ []string) int {
	var ts []*unitTimes
	width := 0
	for _, t := range d.units {
		if t.time > 0 {
			ts = append(ts, t)
			width = max(width, len(span(t.time)))
		}
	}
	sort.Slice(ts, func(i, j int) bool {
		if ts[i].time != ts[j].time {
			return ts[i].time > ts[j].time
		}
		return ts[i].id < ts[j].id
	})
	for _, t := range ts {
		fmt.Fprintf(a.stdout, "%*s %s\n", width, span(t.time), t.id)
	}
	return exitOK
}

// criticalChain is `analyze critical-chain [UNIT...]`: from each unit (default.target), the After= dependency
// that became active last before it, recursively, as systemd-analyze's list_dependencies.
func (a *analyzer) criticalChain(d *bootData, units []string) int {
	if !a.finished(d) {
		return exitFailure
	}
	if len(units) == 0 {
		units = []string{"default.target"}
	}
	fmt.Fprint(a.stdout, "The time when unit became active or started is printed after the \"@\" character.\n"+
		"The time the unit took to start is printed after the \"+\" character.\n\n")
	for _, name := range units {
		t := d.units[name]
		if t == nil {
			a.errorf("Unit %s not loaded.", name)
			return exitFailure
		}
		fmt.Fprintln(a.stdout, d.label(t, true))
		seen := map[string]bool{}
		a.chain(d, t, 0, 0, seen)
	}
	return exitOK
}

// label is a unit's line: "+time" when its start took time, "@when" after userspace's start when it became
// active after it.
func (d *bootData) label(t *unitTimes, top bool) string {
	switch {
	case t.time > 0 && top:
		return fmt.Sprintf("%s +%s", t.id, span(t.time))
	case t.time > 0:
		return fmt.Sprintf("%s @%s +%s", t.id, span(t.activating-d.userspace), span(t.time))
	case t.activated > d.userspace:
		return fmt.Sprintf("%s @%s", t.id, span(t.activated-d.userspace))
	}
	return t.id
}

func (a *analyzer) chain(d *bootData, t *unitTimes, level int, branches uint64, seen map[string]bool) {
	var deps []*unitTimes
	for _, n := range t.after {
		if dt := d.units[n]; dt != nil && dt.activated > 0 && dt.activated <= d.finish {
			deps = append(deps, dt)
		}
	}
	sort.SliceStable(deps, func(i, j int) bool { return deps[i].activated > deps[j].activated })
	if len(deps) == 0 {
		return
	}
	// The latest of them, and any that became active at the same time (systemd's --fuzz=0).
	var print []*unitTimes
	for _, dt := range deps {
		if dt.activated == deps[0].activated {
			print = append(print, dt)
		}
	}
	for i, dt := range print {
		last := i == len(print)-1
		var b strings.Builder
		for l := level; l > 0; l-- {
			if branches&(1<<(l-1)) != 0 {
				b.WriteString("│ ")
			} else {
				b.WriteString("  ")
			}
		}
		if last {
			b.WriteString("└─")
		} else {
			b.WriteString("├─")
		}
		next := branches << 1
		if !last {
			next |= 1
		}
		fmt.Fprintln(a.stdout, b.String()+d.label(dt, false))
		if seen[dt.id] {
			continue
		}
		seen[dt.id] = true
		if level < 63 {
			a.chain(d, dt, level+1, next, seen)
		}
	}
}

// unitPaths is `analyze unit-paths`: the unit search path, first wins.
func (a *analyzer) unitPaths(d *bootData, _ []string) int {
	for _, p := range d.unitPath {
		fmt.Fprintln(a.stdout, p)
	}
	return exitOK
}
