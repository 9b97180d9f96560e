package job

import (
	"fmt"
	"sort"

	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
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
	// dirty holds the units whose waiting job must be checked again: a job can only become runnable when it is
	// installed or changed, or when a job of a unit it is ordered against ends or changes. Checking only those
	// keeps a transaction of n jobs linear instead of rescanning every job each round.
	dirty map[string]bool
	// OnFinish, when set, is called for every job that ends, after its own callbacks.
	OnFinish func(j *Job, r Result)
	// OnCycleBroken, when set, is called for every job a transaction leaves out to break an ordering cycle:
	// such a job is never dropped without a word.
	OnCycleBroken func(d Dropped)
}

// NewEngine returns an engine with no jobs.
func NewEngine(g Graph) *Engine {
	return &Engine{g: g, jobs: map[string]*Job{}, dirty: map[string]bool{}}
}

// touch marks unit and the units ordered against it as worth checking again.
func (e *Engine) touch(unit string) {
	e.dirty[unit] = true
	for _, kind := range []string{"After", "Before"} {
		for _, d := range e.g.Deps(unit, kind) {
			if e.jobs[d] != nil {
				e.dirty[d] = true
			}
		}
	}
}

// Get returns the job installed for unit, or nil.
func (e *Engine) Get(unit string) *Job { return e.jobs[unit] }

// Len is the number of installed jobs.
func (e *Engine) Len() int { return len(e.jobs) }

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
	e.dropRedundant(t)
	t.collectGarbage()
	dropped, err := t.breakCycles()
	if e.OnCycleBroken != nil {
		for _, d := range dropped {
			e.OnCycleBroken(d)
		}
	}
	if err != nil {
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

// dropRedundant removes the jobs that would change nothing (systemd's transaction_drop_redundant): a stop of a
// unit that is down, a start or verify of one that is active, unless the unit's installed job conflicts with
// it. Besides saving work, it keeps units that are down out of the ordering check: a shutdown must not be
// refused because some inactive units are ordered in a cycle. What only those jobs pulled in goes with them
// (collectGarbage): a restart of a service does not start sysinit.target's inactive wants again.
func (e *Engine) dropRedundant(t *Transaction) {
	for u, j := range t.jobs {
		if j.anchor {
			continue
		}
		if inst := e.jobs[u]; inst != nil && Conflicting(inst.Type, j.typ) {
			continue
		}
		switch {
		case j.typ == Stop && !e.g.Up(u), (j.typ == Start || j.typ == VerifyActive) && e.g.Active(u), j.typ == Nop:
			delete(t.jobs, u)
		}
	}
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
		if err := t.add(u, Stop, true, false, false, ""); err != nil {
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
				e.touch(p.Unit)
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
	e.touch(p.Unit)
	return j
}

// Runnable returns the waiting jobs that no other installed job has to precede, ordered by id. It looks only at
// the jobs that changed, or whose neighbours in the ordering did, since the last call.
func (e *Engine) Runnable() []*Job {
	var out []*Job
	for u := range e.dirty {
		delete(e.dirty, u)
		if j := e.jobs[u]; j != nil && j.State == Waiting && !e.blocked(j) {
			out = append(out, j)
		}
	}
	sort.Slice(out, func(a, b int) bool { return out[a].ID < out[b].ID })
	return out
}

func (e *Engine) blocked(j *Job) bool {
	if j.IgnoreOrder {
		return false
	}
	for _, kind := range []string{"After", "Before"} {
		for _, d := range e.g.Deps(j.Unit, kind) {
			if k := e.jobs[d]; k != nil && d != j.Unit && !k.IgnoreOrder && waitsFor(kind, j.Type, k.Type) {
				return true
			}
		}
	}
	return false
}

// StartInstead turns a waiting restart job of a unit that is already stopped into the start it still has to do.
func (e *Engine) StartInstead(j *Job) {
	j.Type, j.State = Start, Waiting
	e.touch(j.Unit)
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
	e.touch(j.Unit)
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
	for _, d := range Reached(e.g, j.Unit, PropagateStartFailure) {
		if k := e.jobs[d]; k != nil && (k.Type == Start || k.Type == VerifyActive || k.Type == Restart) {
			e.Finish(k, Dependency)
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

// UnitChanged finishes or advances the running job of the unit name after its state went from one state to another.
func (e *Engine) UnitChanged(name string, to unit.ActiveState) {
	j := e.jobs[name]
	if j == nil || j.State != Running {
		return
	}
	switch j.Type {
	case Start, VerifyActive:
		switch to {
		case unit.Active, unit.Reloading:
			e.Finish(j, Done)
		case unit.Inactive:
			// A unit that starts and ends without failing (a oneshot service) has done its start.
			e.Finish(j, Done)
		case unit.Failed:
			e.Finish(j, Failed)
		}
	case Stop:
		switch to {
		case unit.Inactive, unit.Failed:
			e.Finish(j, Done)
		case unit.Active:
			// The unit came back up instead (an umount that failed leaves the mount mounted): the stop failed,
			// as systemd's unit_process_job judges an unexpected state.
			e.Finish(j, Failed)
		}
	case Reload:
		switch to {
		case unit.Active:
			e.Finish(j, Done)
		case unit.Inactive, unit.Failed:
			e.Finish(j, Failed)
		}
	case Restart:
		if to == unit.Inactive || to == unit.Failed {
			// The stop half is done; the job now starts the unit, in its turn.
			j.Type, j.State, j.Restarting = Start, Waiting, false
			e.touch(name)
		}
	}
}
