package job

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// graph is a pure in-memory Graph: deps[unit][kind] with reverse kinds derived as the manager does.
type graph struct {
	deps    map[string]map[string][]string
	active  map[string]bool
	missing map[string]bool
	ignore  map[string]bool
}

var reverse = map[string]string{"Requires": "RequiredBy", "Wants": "WantedBy", "BindsTo": "BoundBy", "PartOf": "ConsistsOf",
	"Requisite": "RequisiteOf", "Conflicts": "ConflictedBy", "After": "Before", "Before": "After",
	"PropagatesStopTo": "StopPropagatedFrom", "StopPropagatedFrom": "PropagatesStopTo", "Triggers": "TriggeredBy"}

func newGraph(edges ...string) *graph {
	g := &graph{deps: map[string]map[string][]string{}, active: map[string]bool{}, missing: map[string]bool{}, ignore: map[string]bool{}}
	for _, e := range edges { // "a Requires b"
		f := strings.Fields(e)
		g.add(f[0], f[1], f[2])
		g.add(f[2], reverse[f[1]], f[0])
	}
	return g
}

func (g *graph) add(u, kind, v string) {
	if g.deps[u] == nil {
		g.deps[u] = map[string][]string{}
	}
	if !slices.Contains(g.deps[u][kind], v) {
		g.deps[u][kind] = append(g.deps[u][kind], v)
	}
}

func (g *graph) Deps(u, kind string) []string { return g.deps[u][kind] }
func (g *graph) Loadable(u string) error {
	if g.missing[u] {
		return errdefs.NotFound(fmt.Errorf("unit %s not found", u))
	}
	return nil
}
func (g *graph) Active(u string) bool          { return g.active[u] }
func (g *graph) Up(u string) bool              { return g.active[u] }
func (g *graph) CanReload(string) bool         { return true }
func (g *graph) IgnoreOnIsolate(u string) bool { return g.ignore[u] }
func (g *graph) Isolatable() []string {
	var out []string
	for u, a := range g.active {
		if a {
			out = append(out, u)
		}
	}
	slices.Sort(out)
	return out
}

func units(jobs []*Job) []string {
	var out []string
	for _, j := range jobs {
		out = append(out, j.Unit+"/"+j.Type.String())
	}
	return out
}

func TestTrivialTransaction(t *testing.T) {
	e := NewEngine(newGraph())
	jobs, err := e.Enqueue("a.target", Start, Replace)
	if err != nil || !slices.Equal(units(jobs), []string{"a.target/start"}) {
		t.Fatalf("jobs=%v err=%v", units(jobs), err)
	}
	if r := e.Runnable(); len(r) != 1 || r[0] != jobs[0] {
		t.Fatalf("runnable %v", units(r))
	}
}

func TestPullInAndOrdering(t *testing.T) {
	g := newGraph("a Requires b", "a Wants c", "a After b", "c After a", "a Conflicts d")
	g.active["d"] = true
	e := NewEngine(g)
	jobs, err := e.Enqueue("a", Start, Replace)
	if err != nil {
		t.Fatal(err)
	}
	got := units(jobs)
	slices.Sort(got)
	if !slices.Equal(got, []string{"a/start", "b/start", "c/start", "d/stop"}) {
		t.Fatalf("jobs %v", got)
	}
	// b and d may run; a waits for b; c waits for a.
	run := units(e.Runnable())
	slices.Sort(run)
	if !slices.Equal(run, []string{"b/start", "d/stop"}) {
		t.Fatalf("runnable %v", run)
	}
	e.SetRunning(e.Get("b"))
	e.UnitChanged("b", unit.Active)
	if run := units(e.Runnable()); !slices.Contains(run, "a/start") || slices.Contains(run, "c/start") {
		t.Fatalf("after b: runnable %v", run)
	}
}

func TestRequiredFailureFailsDependents(t *testing.T) {
	e := NewEngine(newGraph("a Requires b", "a After b", "x Wants b"))
	var result Result
	jobs, _ := e.Enqueue("a", Start, Replace)
	jobs[0].OnDone(func(r Result) { result = r })
	b := e.Get("b")
	e.SetRunning(b)
	e.UnitChanged("b", unit.Failed)
	if result != Dependency || e.Get("a") != nil {
		t.Fatalf("a's job: result %q, still installed %v", result, e.Get("a") != nil)
	}
}

func TestMissingRequirementRefusesWantedIsIgnored(t *testing.T) {
	g := newGraph("a Requires b", "c Wants b")
	g.missing["b"] = true
	e := NewEngine(g)
	if _, err := e.Enqueue("a", Start, Replace); !errdefs.IsNotFound(err) || len(e.All()) != 0 {
		t.Fatalf("err=%v jobs=%v", err, units(e.All()))
	}
	if jobs, err := e.Enqueue("c", Start, Replace); err != nil || len(jobs) != 1 {
		t.Fatalf("wanted missing unit: jobs=%v err=%v", units(jobs), err)
	}
}

func TestUnfixableCycleRefused(t *testing.T) {
	e := NewEngine(newGraph("a Requires b", "b Requires a", "a After b", "b After a"))
	_, err := e.Enqueue("a", Start, Replace)
	if !errors.Is(err, ErrCyclic) || !strings.Contains(err.Error(), "a") || !strings.Contains(err.Error(), "b") {
		t.Fatalf("err = %v", err)
	}
	if len(e.All()) != 0 {
		t.Fatal("a refused transaction installed jobs")
	}
}

func TestFixableCycleBrokenByDroppingWantedJob(t *testing.T) {
	e := NewEngine(newGraph("a Wants b", "b Requires a", "a After b", "b After a"))
	jobs, err := e.Enqueue("a", Start, Replace)
	if err != nil || !slices.Equal(units(jobs), []string{"a/start"}) {
		t.Fatalf("jobs=%v err=%v", units(jobs), err)
	}
}

func TestIdenticalTransactionIsNoop(t *testing.T) {
	e := NewEngine(newGraph("a Requires b"))
	first, _ := e.Enqueue("a", Start, Replace)
	second, err := e.Enqueue("a", Start, Replace)
	if err != nil || len(second) != len(first) || second[0] != first[0] || len(e.All()) != 2 {
		t.Fatalf("second=%v err=%v all=%v", units(second), err, units(e.All()))
	}
}

func TestCollidingTransactionFailVsReplace(t *testing.T) {
	e := NewEngine(newGraph())
	start, _ := e.Enqueue("a", Start, Replace)
	var res Result
	start[0].OnDone(func(r Result) { res = r })
	if _, err := e.Enqueue("a", Stop, Fail); !errdefs.IsFailedPrecondition(err) || !strings.Contains(err.Error(), "destructive") {
		t.Fatalf("fail mode: %v", err)
	}
	if e.Get("a") != start[0] {
		t.Fatal("fail mode changed the installed job")
	}
	stop, err := e.Enqueue("a", Stop, Replace)
	if err != nil || e.Get("a") != stop[0] || res != Canceled {
		t.Fatalf("replace: err=%v res=%q", err, res)
	}
}

func TestStopRunsInReverseOrder(t *testing.T) {
	g := newGraph("a Requires b", "a After b")
	g.active["a"], g.active["b"] = true, true
	e := NewEngine(g)
	if _, err := e.Enqueue("b", Stop, Replace); err != nil {
		t.Fatal(err)
	}
	if run := units(e.Runnable()); !slices.Equal(run, []string{"a/stop"}) {
		t.Fatalf("runnable %v: a (after b) must stop first", run)
	}
}

func TestIsolateStopsOthers(t *testing.T) {
	g := newGraph("t Wants a")
	g.active["x"], g.active["keep"] = true, true
	g.ignore["keep"] = true
	e := NewEngine(g)
	jobs, err := e.Enqueue("t", Start, Isolate)
	if err != nil {
		t.Fatal(err)
	}
	got := units(jobs)
	slices.Sort(got)
	if !slices.Equal(got, []string{"a/start", "t/start", "x/stop"}) {
		t.Fatalf("isolate jobs %v", got)
	}
}

var merging = []Type{Start, VerifyActive, Stop, Reload, Restart}

func TestMergeIsCommutative(t *testing.T) {
	for _, a := range merging {
		for _, b := range merging {
			ab, ok1 := Merge(a, b)
			ba, ok2 := Merge(b, a)
			if ok1 != ok2 || ab != ba {
				t.Errorf("Merge(%v,%v)=%v,%v but Merge(%v,%v)=%v,%v", a, b, ab, ok1, b, a, ba, ok2)
			}
		}
	}
}

// Associativity and transitivity hold where systemd's table defines them: over the types whose merges stay
// within the merging set (reload-or-start leaves it and is collapsed by unit state first).
func TestMergeIsAssociativeWhereDefined(t *testing.T) {
	for _, a := range merging {
		for _, b := range merging {
			for _, c := range merging {
				ab, ok1 := Merge(a, b)
				bc, ok2 := Merge(b, c)
				if !ok1 || !ok2 || ab > Restart || bc > Restart {
					continue
				}
				l, okl := Merge(ab, c)
				r, okr := Merge(a, bc)
				if okl != okr || l != r {
					t.Errorf("(%v∘%v)∘%v=%v,%v but %v∘(%v∘%v)=%v,%v", a, b, c, l, okl, a, b, c, r, okr)
				}
			}
		}
	}
}

func TestSupersetIsTransitive(t *testing.T) {
	for _, a := range merging {
		for _, b := range merging {
			for _, c := range merging {
				if IsSuperset(a, b) && IsSuperset(b, c) && !IsSuperset(a, c) {
					t.Errorf("%v ⊇ %v ⊇ %v but not %v ⊇ %v", a, b, c, a, c)
				}
			}
		}
	}
	if !IsSuperset(Restart, Start) || IsSuperset(Start, Stop) || !IsSuperset(Start, VerifyActive) {
		t.Error("superset table wrong")
	}
}

func TestStopPropagation(t *testing.T) {
	g := newGraph("a Requires x", "b BindsTo x", "c PartOf x", "x PropagatesStopTo d", "e StopPropagatedFrom x", "w Wants x")
	for _, u := range []string{"a", "b", "c", "d", "e", "w", "x"} {
		g.active[u] = true
	}
	e := NewEngine(g)
	jobs, err := e.Enqueue("x", Stop, Replace)
	if err != nil {
		t.Fatal(err)
	}
	got := units(jobs)
	slices.Sort(got)
	if !slices.Equal(got, []string{"a/stop", "b/stop", "c/stop", "d/stop", "e/stop", "x/stop"}) {
		t.Fatalf("stopping x: %v (w only wants x and must stay)", got)
	}
}

// The cost of building and installing a transaction grows about linearly with its size.
func benchTransaction(b *testing.B, n int) {
	var edges []string
	for i := 0; i < n; i++ {
		edges = append(edges, fmt.Sprintf("big Wants u%d", i))
		if next := (i/100 + 1) * 100; next < n {
			for k := 0; k < 3; k++ {
				d := next + (i*7+k*13)%100
				edges = append(edges, fmt.Sprintf("u%d Requires u%d", i, d), fmt.Sprintf("u%d After u%d", i, d))
			}
		}
	}
	g := newGraph(edges...)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		e := NewEngine(g)
		jobs, err := e.Enqueue("big", Start, Replace)
		if err != nil || len(jobs) != n+1 {
			b.Fatalf("%d jobs, %v", len(jobs), err)
		}
		if len(e.Runnable()) == 0 {
			b.Fatal("nothing runnable")
		}
	}
}

func BenchmarkTransaction1k(b *testing.B)  { benchTransaction(b, 1000) }
func BenchmarkTransaction3k(b *testing.B)  { benchTransaction(b, 3000) }
func BenchmarkTransaction10k(b *testing.B) { benchTransaction(b, 10000) }
func BenchmarkTransaction30k(b *testing.B) { benchTransaction(b, 30000) }

func TestRedundantJobsAreDropped(t *testing.T) {
	// A shutdown-like transaction: stopping units that are already down adds nothing, even when those units
	// are ordered in a cycle among themselves.
	g := newGraph("down Conflicts r1", "down Conflicts r2", "r1 After r2", "r2 After r1", "down Requires up", "down Conflicts live")
	g.active["up"], g.active["live"] = true, true
	e := NewEngine(g)
	jobs, err := e.Enqueue("down", Start, Replace)
	if err != nil {
		t.Fatalf("a cycle among inactive units refused the transaction: %v", err)
	}
	got := units(jobs)
	slices.Sort(got)
	if !slices.Equal(got, []string{"down/start", "live/stop"}) {
		t.Fatalf("jobs %v: the stop of inactive units and the start of an active one are redundant", got)
	}
}

func TestTriggeringAndRestartDependenciesModes(t *testing.T) {
	g := newGraph("sock Triggers svc", "idle Triggers svc", "app Requires db", "web BindsTo db", "off Requires db")
	for _, u := range []string{"sock", "svc", "app", "web", "db"} {
		g.active[u] = true
	}
	e := NewEngine(g)
	jobs, err := e.Enqueue("svc", Stop, Triggering)
	if got := units(jobs); err != nil || !slices.Equal(got, []string{"svc/stop", "sock/stop"}) {
		t.Errorf("triggering: %v %v (idle is down and needs nothing)", got, err)
	}
	e = NewEngine(g)
	jobs, err = e.Enqueue("db", Start, RestartDependencies)
	got := units(jobs)
	slices.Sort(got)
	if err != nil || !slices.Equal(got, []string{"app/restart", "db/start", "web/restart"}) {
		t.Errorf("restart-dependencies: %v %v (off is down: its try-restart is nothing)", got, err)
	}
	for _, c := range []struct {
		typ  Type
		mode Mode
	}{{Start, Triggering}, {Stop, RestartDependencies}} {
		if _, err := NewEngine(g).Enqueue("db", c.typ, c.mode); !errdefs.IsInvalidArgument(err) {
			t.Errorf("%v with %s: %v", c.typ, c.mode, err)
		}
	}
}

// Issue 15, bug 10: a restart of a service on a booted system pulls in a start of sysinit.target, which is
// active: that job is redundant and dropped, and so is every job only it pulled in (its inactive wants: a
// condition-skipped unit, a failed one), as systemd's transaction_drop_redundant and
// transaction_collect_garbage do. A want that the restarted unit pulls in itself stays.
func TestJobsPulledInOnlyByRedundantJobsRunAgain(t *testing.T) {
	g := newGraph("cron Requires sysinit", "cron After sysinit", "sysinit Wants modprobe@fuse", "sysinit Wants skipped",
		"sysinit Wants failed", "cron Wants failed", "skipped Wants deeper", "modprobe@fuse Wants skipped")
	g.active["cron"], g.active["sysinit"] = true, true
	e := NewEngine(g)
	jobs, err := e.Enqueue("cron", Restart, Replace)
	got := units(jobs)
	if err != nil || !slices.Equal(got, []string{"cron/restart", "failed/start"}) {
		t.Fatalf("restart cron: jobs %v err %v, want cron/restart and failed/start only", got, err)
	}
	// Two jobs that want each other do not keep each other once what pulled them in is gone.
	g = newGraph("svc Requires up", "up Wants x", "x Wants y", "y Wants x")
	g.active["up"] = true
	if jobs, err := NewEngine(g).Enqueue("svc", Start, Replace); err != nil || !slices.Equal(units(jobs), []string{"svc/start"}) {
		t.Fatalf("start svc: jobs %v err %v", units(jobs), err)
	}
	// Isolate collects nothing: its stops are pulled in by no job.
	g = newGraph("rescue Requires up")
	g.active["up"], g.active["other"] = true, true
	jobs, err = NewEngine(g).Enqueue("rescue", Start, Isolate)
	if got := units(jobs); err != nil || !slices.Equal(got, []string{"rescue/start", "other/stop"}) {
		t.Fatalf("isolate: jobs %v err %v", got, err)
	}
}

// Issue 15, bug 11: a job dropped to break an ordering cycle is reported, naming the cycle, and what only it
// pulled in goes with it.
func TestCycleBreakIsReported(t *testing.T) {
	e := NewEngine(newGraph("a Wants b", "b Requires a", "a After b", "b After a", "b Wants c"))
	var reports []string
	e.OnCycleBroken = func(d Dropped) { reports = append(reports, d.String()) }
	jobs, err := e.Enqueue("a", Start, Replace)
	if err != nil || !slices.Equal(units(jobs), []string{"a/start"}) {
		t.Fatalf("jobs=%v err=%v (c was pulled in by b alone)", units(jobs), err)
	}
	if len(reports) != 1 || !strings.Contains(reports[0], "job b/start deleted to break ordering cycle") ||
		!strings.Contains(reports[0], "a/start") {
		t.Fatalf("reports %q", reports)
	}
}
