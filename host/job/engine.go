package job

import (
	"fmt"
	"sort"

	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// UnitState is the generic active state of a unit, as far as jobs care.
type UnitState int

const (
	Inactive UnitState = iota
	Activating
	Active
	Deactivating
	FailedState
	Reloading
)

// IsolateGraph is what isolate mode needs beyond Graph.
type IsolateGraph interface {
	// Isolatable lists the units that are active or have a job, for isolate to stop.
	Isolatable() []string
	// IgnoreOnIsolate reports IgnoreOnIsolate= of u.
	IgnoreOnIsolate(u string) bool
}

// Engine holds the installed jobs, at most one per unit.
type Engine struct {
	g      Graph
	nextID uint64
	jobs   map[string]*Job
	// OnFinish, when set, is called for every job that ends, after its own callbacks.
	OnFinish func(j *Job, r Result)
}

// NewEngine returns an engine with no jobs.
func NewEngine(g Graph) *Engine { return &Engine{g: g, jobs: map[string]*Job{}} }

// Get returns the job installed for unit, or nil.
func (e *Engine) Get(unit string) *Job { return e.jobs[unit] }

// ByID returns the installed job with id, or nil.
func (e *Engine) ByID(id uint64) *Job {
	for _, j := range e.jobs {
		if j.ID == id {
			return j
		}
	}
	return nil
}

// All returns the installed jobs ordered by id.
func (e *Engine) All() []*Job {
	out := make([]*Job, 0, len(e.jobs))
	for _, j := range e.jobs {
		out = append(out, j)
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}

// Enqueue builds the transaction for typ on unit, checks it against the installed jobs under mode and installs
// it. It returns the installed jobs of the transaction, the anchor's first; on error nothing changed.
func (e *Engine) Enqueue(unit string, typ Type, mode Mode) ([]*Job, error) {
	t, err := NewTransaction(e.g, unit, typ, mode)
	if err != nil {
		return nil, err
	}
	if mode == Isolate {
		if err := e.addIsolateStops(t); err != nil {
			return nil, err
		}
	}
	if err := t.breakCycles(); err != nil {
		return nil, err
	}
	if err := e.checkDestructive(t, mode); err != nil {
		return nil, err
	}
	if mode == Flush || mode == Isolate {
		for _, j := range e.All() {
			if _, in := t.jobs[j.Unit]; !in && !j.Irreversible {
				e.Finish(j, Canceled)
			}
		}
	}
	var out []*Job
	for _, p := range t.Jobs() {
		out = append(out, e.install(p, mode))
	}
	return out, nil
}

func (e *Engine) addIsolateStops(t *Transaction) error {
	ig, ok := e.g.(IsolateGraph)
	if !ok {
		return errdefs.NotImplemented(fmt.Errorf("job: isolate is not supported by this graph"))
	}
	for _, u := range ig.Isolatable() {
		if _, in := t.jobs[u]; in || ig.IgnoreOnIsolate(u) {
			continue
		}
		if err := t.add(u, Stop, true, false, false); err != nil {
			return err
		}
	}
	return nil
}

// checkDestructive refuses a transaction that would replace installed jobs it may not touch: any conflicting
// job under mode fail, an irreversible one under any mode.
func (e *Engine) checkDestructive(t *Transaction, mode Mode) error {
	for _, p := range t.Jobs() {
		inst := e.jobs[p.Unit]
		if inst == nil || !Conflicting(inst.Type, p.Type) && !(inst.Type > Restart && inst.Type != p.Type) {
			continue
		}
		if mode == Fail || inst.Irreversible {
			return errdefs.FailedPrecondition(fmt.Errorf("transaction for %s/%s is destructive (%s has '%s' job queued, but '%s' is included in transaction)",
				t.Anchor, t.jobs[t.Anchor].typ, p.Unit, inst.Type, p.Type))
		}
	}
	return nil
}

func (e *Engine) install(p Planned, mode Mode) *Job {
	if inst := e.jobs[p.Unit]; inst != nil {
		if m, ok := Merge(inst.Type, p.Type); ok {
			m = Collapse(m, e.g.Active(p.Unit), e.g.CanReload(p.Unit))
			if m != inst.Type {
				inst.Type = m
				// A running job that must now do more runs again from the start.
				inst.State = Waiting
			}
			if mode == ReplaceIrreversibly {
				inst.Irreversible = true
			}
			return inst
		}
		e.Finish(inst, Canceled)
	}
	e.nextID++
	j := &Job{ID: e.nextID, Unit: p.Unit, Type: p.Type, Irreversible: mode == ReplaceIrreversibly, IgnoreOrder: mode == IgnoreDependencies}
	e.jobs[p.Unit] = j
	return j
}

// Runnable returns the waiting jobs that no other installed job has to precede, ordered by id.
func (e *Engine) Runnable() []*Job {
	var out []*Job
	for _, j := range e.All() {
		if j.State == Waiting && !e.blocked(j) {
			out = append(out, j)
		}
	}
	return out
}

func (e *Engine) blocked(j *Job) bool {
	if j.IgnoreOrder {
		return false
	}
	for _, kind := range []string{"After", "Before"} {
		for _, d := range e.g.Deps(j.Unit, kind) {
			if k := e.jobs[d]; k != nil && !k.IgnoreOrder && waitsFor(e.g, j.Unit, j.Type, d, k.Type) {
				return true
			}
		}
	}
	return false
}

// SetRunning marks j as running: the manager has sent its event.
func (e *Engine) SetRunning(j *Job) { j.State = Running }

// Finish removes j with result r and fails, with result dependency, the waiting jobs that required it to
// succeed.
func (e *Engine) Finish(j *Job, r Result) {
	if e.jobs[j.Unit] != j {
		return
	}
	delete(e.jobs, j.Unit)
	j.finish(r)
	if e.OnFinish != nil {
		e.OnFinish(j, r)
	}
	if r == Done || r == Skipped && j.Type != VerifyActive {
		return
	}
	if j.Type != Start && j.Type != VerifyActive && j.Type != Restart {
		return
	}
	for _, kind := range []string{"RequiredBy", "BoundBy", "RequisiteOf"} {
		for _, d := range e.g.Deps(j.Unit, kind) {
			if k := e.jobs[d]; k != nil && (k.Type == Start || k.Type == VerifyActive || k.Type == Restart) {
				e.Finish(k, Dependency)
			}
		}
	}
}

// Cancel cancels the job with id; it reports false when there is none.
func (e *Engine) Cancel(id uint64) bool {
	j := e.ByID(id)
	if j == nil {
		return false
	}
	e.Finish(j, Canceled)
	return true
}

// UnitChanged finishes or advances the running job of unit after its state went from one state to another.
func (e *Engine) UnitChanged(unit string, to UnitState) {
	j := e.jobs[unit]
	if j == nil || j.State != Running {
		return
	}
	switch j.Type {
	case Start, VerifyActive:
		switch to {
		case Active, Reloading:
			e.Finish(j, Done)
		case Inactive:
			// A unit that starts and ends without failing (a oneshot service) has done its start.
			e.Finish(j, Done)
		case FailedState:
			e.Finish(j, Failed)
		}
	case Stop:
		if to == Inactive || to == FailedState {
			e.Finish(j, Done)
		}
	case Reload:
		switch to {
		case Active:
			e.Finish(j, Done)
		case Inactive, FailedState:
			e.Finish(j, Failed)
		}
	case Restart:
		if to == Inactive || to == FailedState {
			// The stop half is done; the job now starts the unit, in its turn.
			j.Type, j.State, j.Restarting = Start, Waiting, false
		}
	}
}
