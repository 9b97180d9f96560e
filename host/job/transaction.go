package job

import (
	"errors"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// ErrCyclic is wrapped by the error of a transaction whose ordering has a cycle that cannot be broken.
var ErrCyclic = errors.New("transaction order is cyclic")

// tjob is a job while the transaction is being built.
type tjob struct {
	unit    string
	typ     Type
	matters bool // the anchor needs it: a required, not merely wanted, job
	anchor  bool
	// wantedOnly: only wanted jobs pulled this one in; it may be dropped to break an ordering cycle.
	wantedOnly bool
	// by lists the units whose jobs pulled this one in (systemd's object_list): a job that no remaining job
	// refers to is collected (see collectGarbage).
	by []string
}

// Transaction is a set of jobs computed from one request, not installed yet.
type Transaction struct {
	g      Graph
	mode   Mode
	jobs   map[string]*tjob
	order  []string // units in the order their jobs were added, anchor first
	Anchor string
}

// Jobs returns the transaction's units and job types, anchor first.
func (t *Transaction) Jobs() []Planned {
	out := make([]Planned, 0, len(t.order))
	for _, u := range t.order {
		if j, ok := t.jobs[u]; ok {
			out = append(out, Planned{Unit: u, Type: j.typ})
		}
	}
	return out
}

// Planned is one job of a transaction.
type Planned struct {
	Unit string
	Type Type
}

// NewTransaction builds the transaction for a job of type typ on unit under mode: the job itself and every job
// its dependencies pull in, recursively, merged per unit.
func NewTransaction(g Graph, unit string, typ Type, mode Mode) (*Transaction, error) {
	switch {
	case mode == Triggering && typ != Stop:
		return nil, errdefs.InvalidArgument(fmt.Errorf("job mode triggering is only allowed with stop"))
	case mode == RestartDependencies && typ != Start:
		return nil, errdefs.InvalidArgument(fmt.Errorf("job mode restart-dependencies is only allowed with start"))
	}
	t := &Transaction{g: g, mode: mode, jobs: map[string]*tjob{}, Anchor: unit}
	if err := g.Loadable(unit); err != nil {
		return nil, err
	}
	typ = Collapse(typ, g.Active(unit), g.CanReload(unit))
	if err := t.add(unit, typ, true, false, true, ""); err != nil {
		return nil, err
	}
	t.jobs[unit].anchor = true
	switch mode {
	case Triggering:
		// The units that trigger this one (a socket its service) are stopped too, if they are up.
		for _, d := range Reached(t.g, unit, StopOnTriggering) {
			if t.g.Up(d) {
				if err := t.add(d, Stop, true, false, true, unit); err != nil {
					return nil, err
				}
			}
		}
	case RestartDependencies:
		// Its dependents get the restart propagation a restart job would give them.
		for _, d := range Reached(t.g, unit, PropagateRestart) {
			if err := t.add(d, Collapse(TryRestart, t.g.Active(d), t.g.CanReload(d)), true, false, true, unit); err != nil {
				return nil, err
			}
		}
	}
	return t, nil
}

// add adds a job pulled in by the job of unit by ("" for the anchor) and, unless the mode says otherwise, the
// jobs its dependencies pull in.
func (t *Transaction) add(unit string, typ Type, matters, wantedOnly, follow bool, by string) error {
	if j, ok := t.jobs[unit]; ok {
		m, ok := Merge(j.typ, typ)
		if !ok {
			if !matters {
				return nil // a wanted job that conflicts is simply not added
			}
			return errdefs.Errorf(errdefs.ErrFailedPrecondition,
				"transaction contradicts itself: %s would get a %s and a %s job", unit, j.typ, typ)
		}
		m = Collapse(m, t.g.Active(unit), t.g.CanReload(unit))
		if by != "" && !slices.Contains(j.by, by) {
			j.by = append(j.by, by)
		}
		changed := m != j.typ
		j.typ = m
		j.matters = j.matters || matters
		j.wantedOnly = j.wantedOnly && wantedOnly
		if !changed {
			return nil
		}
	} else {
		t.jobs[unit] = &tjob{unit: unit, typ: typ, matters: matters, wantedOnly: wantedOnly}
		if by != "" {
			t.jobs[unit].by = []string{by}
		}
		t.order = append(t.order, unit)
	}
	if !follow || t.mode == IgnoreDependencies {
		return nil
	}
	return t.pull(unit, typ, matters)
}

// pull adds the jobs that a job of type typ on unit pulls in (systemd's transaction_add_job_and_dependencies).
func (t *Transaction) pull(unit string, typ Type, matters bool) error {
	required := func(dep string, jt Type) error {
		if err := t.g.Loadable(dep); err != nil {
			if !matters || jt == Stop {
				// Nothing to stop in a unit that cannot be loaded.
				return nil
			}
			return fmt.Errorf("%s is required by %s: %w", dep, unit, err)
		}
		return t.add(dep, Collapse(jt, t.g.Active(dep), t.g.CanReload(dep)), matters, false, true, unit)
	}
	wanted := func(dep string, jt Type) {
		if t.g.Loadable(dep) != nil {
			return
		}
		// A wanted job's failure never fails the transaction.
		_ = t.add(dep, Collapse(jt, t.g.Active(dep), t.g.CanReload(dep)), false, true, true, unit)
	}
	switch typ {
	case Start, Restart, ReloadOrStart:
		if t.mode != IgnoreRequirements {
			for _, d := range Reached(t.g, unit, PullInStart) {
				if err := required(d, Start); err != nil {
					return err
				}
			}
			for _, d := range Reached(t.g, unit, PullInVerify) {
				if err := required(d, VerifyActive); err != nil {
					return err
				}
			}
		}
		for _, d := range Reached(t.g, unit, PullInStartIgnored) {
			wanted(d, Start)
		}
		for _, d := range Reached(t.g, unit, PullInStop) {
			if err := required(d, Stop); err != nil {
				return err
			}
		}
	}
	switch typ {
	case Stop:
		for _, d := range Reached(t.g, unit, PropagateStop) {
			if !t.g.Active(d) && t.jobs[d] == nil {
				continue // nothing to stop
			}
			if err := required(d, Stop); err != nil {
				return err
			}
		}
	case Restart:
		for _, d := range Reached(t.g, unit, PropagateRestart) {
			if err := required(d, TryRestart); err != nil {
				return err
			}
		}
	case Reload:
		for _, d := range Reached(t.g, unit, PropagateReload) {
			wanted(d, TryReload)
		}
	}
	return nil
}

// waitsFor reports whether a job of type ta must wait for a job of type tb on a unit it is ordered against, by
// systemd's job_compare: a job waits for the job of a unit it is ordered after (kind "After"), unless it is a
// stop job; and for the job of a unit it is ordered before (kind "Before") if that is a stop job, since stops
// run in reverse order.
func waitsFor(kind string, ta, tb Type) bool {
	if ta == Nop || tb == Nop {
		return false
	}
	if kind == "After" {
		return !ta.isStopLike()
	}
	return tb.isStopLike()
}

// Dropped is a job left out of a transaction to break an ordering cycle: Cycle lists the jobs of the cycle, in
// the order each waits for the next, the last waiting for the first.
type Dropped struct {
	Unit  string
	Type  Type
	Cycle []Planned
}

func (d Dropped) String() string {
	parts := make([]string, 0, len(d.Cycle)+1)
	for _, p := range append(d.Cycle, d.Cycle[0]) {
		parts = append(parts, p.Unit+"/"+p.Type.String())
	}
	return fmt.Sprintf("job %s/%s deleted to break ordering cycle %s", d.Unit, d.Type, strings.Join(parts, " after "))
}

// breakCycles finds ordering cycles among the transaction's jobs; a cycle that contains a merely wanted job is
// broken by dropping that job, and the jobs only it pulled in with it; any other refuses the transaction with
// the cycle's units in the error. It returns the jobs it dropped, for the manager to log as systemd does.
func (t *Transaction) breakCycles() ([]Dropped, error) {
	var dropped []Dropped
	for {
		cycle := t.findCycle()
		if cycle == nil {
			return dropped, nil
		}
		var victim *tjob
		for _, u := range cycle {
			if j := t.jobs[u]; j != nil && j.wantedOnly && !j.anchor {
				victim = j
				break
			}
		}
		if victim == nil {
			return dropped, errdefs.FailedPrecondition(fmt.Errorf("%w: found ordering cycle: %s", ErrCyclic, strings.Join(append(cycle, cycle[0]), " → ")))
		}
		d := Dropped{Unit: victim.unit, Type: victim.typ}
		for _, u := range cycle {
			d.Cycle = append(d.Cycle, Planned{Unit: u, Type: t.jobs[u].typ})
		}
		dropped = append(dropped, d)
		delete(t.jobs, victim.unit)
		t.collectGarbage()
	}
}

// collectGarbage removes the jobs that no remaining job pulled in (systemd's transaction_collect_garbage): those
// that only a dropped job (a redundant one, or one dropped to break a cycle) referred to. A job is kept when a
// chain of jobs that pulled each other in leads to it from the anchor, so that two jobs that want each other do
// not keep each other. Isolate's stops are pulled in by nothing: isolate collects nothing, as in systemd.
func (t *Transaction) collectGarbage() {
	if t.mode == Isolate || t.jobs[t.Anchor] == nil {
		return
	}
	pulls := map[string][]string{}
	for u, j := range t.jobs {
		for _, by := range j.by {
			pulls[by] = append(pulls[by], u)
		}
	}
	keep := map[string]bool{t.Anchor: true}
	queue := []string{t.Anchor}
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		for _, v := range pulls[u] {
			if !keep[v] {
				keep[v] = true
				queue = append(queue, v)
			}
		}
	}
	for u := range t.jobs {
		if !keep[u] {
			delete(t.jobs, u)
		}
	}
}

// findCycle returns the units of one cycle of the waits-for relation, or nil.
func (t *Transaction) findCycle() []string {
	units := make([]string, 0, len(t.jobs))
	for u := range t.jobs {
		units = append(units, u)
	}
	sort.Strings(units)
	const (
		white = iota
		grey
		black
	)
	color := map[string]int{}
	var stack []string
	var found []string
	var visit func(u string) bool
	visit = func(u string) bool {
		color[u] = grey
		stack = append(stack, u)
		ju := t.jobs[u]
		for _, kind := range []string{"After", "Before"} {
			for _, v := range t.g.Deps(u, kind) {
				jv := t.jobs[v]
				if jv == nil || v == u || !waitsFor(kind, ju.typ, jv.typ) {
					continue
				}
				switch color[v] {
				case grey:
					for i := len(stack) - 1; i >= 0; i-- {
						if stack[i] == v {
							found = append([]string(nil), stack[i:]...)
							return true
						}
					}
				case white:
					if visit(v) {
						return true
					}
				}
			}
		}
		stack = stack[:len(stack)-1]
		color[u] = black
		return false
	}
	for _, u := range units {
		if color[u] == white && visit(u) {
			return found
		}
	}
	return nil
}
