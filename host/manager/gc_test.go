package manager

import (
	"io"
	"log/slog"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/host/unitlog"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// gcManager is a manager with units in memory and no processes, plugins or sockets: enough for the collector.
func gcManager(t *testing.T) *Manager { return gcManagerLog(t, io.Discard) }

// gcManagerLog is gcManager logging to w.
func gcManagerLog(t *testing.T, w io.Writer) *Manager {
	t.Helper()
	logs, err := unitlog.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	m := &Manager{units: map[string]*Unit{}, procs: newProcTable(),
		timers: newTimerTable(func(func()) {}),
		log:    slog.New(slog.NewTextHandler(w, nil)), unitLogs: logs,
		pg: newPluginGlue(nil, func(func()) {})}
	m.cfg.DefaultUnit = "default.target"
	m.life = newLifecycle(m)
	m.engine = job.NewEngine(graph{m})
	return m
}

// spec is "name dep-kind=other,other …", e.g. "a.target Wants=b.service After=b.service".
func (m *Manager) addSpec(t *testing.T, specs ...string) {
	t.Helper()
	var fresh []*Unit
	for _, s := range specs {
		f := strings.Fields(s)
		u := newUnit(f[0], f[0][strings.LastIndexByte(f[0], '.')+1:])
		u.Frag = &unit.Fragment{Name: u.ID, Names: []string{u.ID}, LoadState: unit.Loaded,
			Unit: unit.UnitSection{CollectMode: "inactive", DefaultDependencies: true}}
		u.LoadState = unit.Loaded
		for _, d := range f[1:] {
			kind, others, _ := strings.Cut(d, "=")
			switch kind {
			case "Alias":
				u.Names = append(u.Names, others)
				m.units[others] = u
				continue
			case "CollectMode":
				u.Frag.Unit.CollectMode = others
				continue
			}
			u.fwd.add(kind, strings.Split(others, ",")...)
		}
		m.units[u.ID] = u
		fresh = append(fresh, u)
	}
	for _, u := range fresh {
		m.link(u)
	}
}

func (m *Manager) set(t *testing.T, state unit.ActiveState, names ...string) {
	t.Helper()
	for _, n := range names {
		u := m.units[n]
		if u == nil {
			t.Fatalf("%s is not loaded", n)
		}
		u.Active = state
	}
}

// sweepAll queues every unit and sweeps, as if each had just changed.
func (m *Manager) sweepAll() {
	for _, u := range m.unique() {
		m.queueGC(u)
	}
	m.sweepGC()
}

func (m *Manager) loaded() string {
	var ids []string
	for name := range m.units {
		ids = append(ids, name)
	}
	sort.Strings(ids)
	return strings.Join(ids, " ")
}

func TestGCCollectsUnreferencedInactiveUnits(t *testing.T) {
	m := gcManager(t)
	m.addSpec(t, "a.service Alias=alias.service", "b.service")
	m.set(t, unit.Active, "b.service")
	m.sweepAll()
	if got := m.loaded(); got != "b.service" {
		t.Fatalf("loaded after the sweep: %q, want b.service (a.service and its alias collected)", got)
	}
}

func TestGCFailedUnitsAndCollectMode(t *testing.T) {
	m := gcManager(t)
	m.addSpec(t, "failed.service", "gone.service CollectMode=inactive-or-failed")
	m.set(t, unit.Failed, "failed.service", "gone.service")
	m.sweepAll()
	if got := m.loaded(); got != "failed.service" {
		t.Fatalf("loaded: %q, want failed.service only (CollectMode=inactive keeps a failed unit)", got)
	}
	// reset-failed: the unit goes inactive and is collected.
	m.life.setState(m.units["failed.service"], &pb.SetState{Active: pb.ActiveState_ACTIVE_STATE_INACTIVE, Sub: "dead"})
	m.sweepGC()
	if got := m.loaded(); got != "" {
		t.Fatalf("loaded after reset-failed: %q", got)
	}
}

func TestGCKeepsWhatKeptUnitsReference(t *testing.T) {
	m := gcManager(t)
	m.addSpec(t,
		"keeper.target Wants=a.service After=ordered.service",
		"a.service Requires=b.service", // kept through a.service, which keeper.target keeps
		"b.service",
		"ordered.service",                      // an ordering is a reference too, as in systemd
		"reverse.service Before=keeper.target", // only keeper.target's implied After= names it: not kept
		"other.service Wants=keeper.target",    // references a kept unit, which keeps nothing
	)
	m.set(t, unit.Active, "keeper.target")
	m.sweepAll()
	if got, want := m.loaded(), "a.service b.service keeper.target ordered.service"; got != want {
		t.Fatalf("loaded: %q, want %q", got, want)
	}
	k := m.units["keeper.target"]
	if len(k.deps.get("WantedBy")) != 0 || len(k.deps.get("After")) != 1 || k.depSet[depKey{"WantedBy", "other.service"}] ||
		k.depSet[depKey{"After", "reverse.service"}] {
		t.Errorf("keeper.target still linked to collected units: %v", k.deps)
	}
	// The keeper goes down: everything it alone kept goes with it, in one sweep.
	m.set(t, unit.Inactive, "keeper.target")
	m.queueGC(k)
	m.sweepGC()
	if got := m.loaded(); got != "" {
		t.Fatalf("loaded after the keeper went down: %q", got)
	}
}

func TestGCCycles(t *testing.T) {
	m := gcManager(t)
	m.addSpec(t, "a.service Wants=b.service", "b.service Wants=a.service")
	m.sweepAll()
	if got := m.loaded(); got != "" {
		t.Fatalf("an unreferenced cycle stayed: %q", got)
	}
	// A cycle that a kept unit reaches stays, whichever of its units the sweep looks at first.
	for _, first := range []string{"a.service", "b.service", "c.service"} {
		m := gcManager(t)
		m.addSpec(t, "k.target Wants=c.service", "c.service Wants=a.service", "a.service Wants=b.service", "b.service Wants=a.service,c.service")
		m.set(t, unit.Active, "k.target")
		m.queueGC(m.units[first])
		for _, u := range m.unique() {
			m.queueGC(u)
		}
		m.sweepGC()
		if got, want := m.loaded(), "a.service b.service c.service k.target"; got != want {
			t.Errorf("sweep from %s: loaded %q, want %q", first, got, want)
		}
	}
}

func TestGCPins(t *testing.T) {
	m := gcManager(t)
	m.addSpec(t, "job.service", "proc.service", "timer.service", "multi-user.target Alias=default.target",
		"notfound.service", "wanted-by-job.service", "jobholder.target Wants=wanted-by-job.service", "big.target")
	m.units["notfound.service"].LoadState = unit.NotFound
	if _, err := m.engine.Enqueue("job.service", job.Start, job.Replace); err != nil {
		t.Fatal(err)
	}
	if _, err := m.engine.Enqueue("jobholder.target", job.Start, job.IgnoreDependencies); err != nil {
		t.Fatal(err)
	}
	m.units["proc.service"].addChild(4242, child{})
	m.armTimerAt(m.units["timer.service"], "x", now().mono+time.Hour)
	defer m.timers.stop()
	m.sweepAll()
	want := "default.target job.service jobholder.target multi-user.target proc.service timer.service wanted-by-job.service"
	if got := m.loaded(); got != want {
		t.Fatalf("loaded: %q, want %q", got, want)
	}
}

func TestGCManyReferences(t *testing.T) {
	m := gcManager(t)
	var wants []string
	for i := 0; i < 40; i++ {
		wants = append(wants, "u"+string(rune('a'+i%26))+string(rune('a'+i/26))+".service")
	}
	specs := append([]string{"big.target Wants=" + strings.Join(wants, ",")}, wants...)
	m.addSpec(t, append(specs, "stray.service Before=big.target")...)
	m.set(t, unit.Active, "big.target")
	m.sweepAll()
	if n := len(m.units); n != 41 {
		t.Fatalf("%d units loaded, want big.target and its 40 wants: %s", n, m.loaded())
	}
}

func TestGCWaitsForQueuedEvents(t *testing.T) {
	m := gcManager(t)
	m.addSpec(t, "a.service")
	a := m.units["a.service"]
	m.queueGC(a)
	m.send(a, &pb.Event{})
	m.sweepGC()
	if m.units["a.service"] == nil {
		t.Fatal("collected a unit with an event still to deliver")
	}
	// Handed to the plugin: the unit stays until the answer is applied.
	m.pg.inflight["service"] = &call{batch: m.pg.queue["service"]}
	delete(m.pg.queue, "service")
	m.sweepGC()
	if m.units["a.service"] == nil {
		t.Fatal("collected a unit whose event is in a call in flight")
	}
	delete(m.pg.inflight, "service")
	m.done1(a)
	m.sweepGC()
	if m.units["a.service"] != nil {
		t.Fatal("the queue was not kept for the next sweep")
	}
}

func TestSkippedLine(t *testing.T) {
	u := newUnit("x.service", "service")
	u.Frag = &unit.Fragment{Unit: unit.UnitSection{Description: "X"}}
	for _, c := range []struct {
		kind string
		r    checkResult
		want string
	}{
		{"condition", checkResult{failed: "ConditionPathExists=/nonexistent"},
			"x.service - X was skipped because of an unmet condition check (ConditionPathExists=/nonexistent)."},
		{"condition", checkResult{failed: "ConditionPathExists=|/a", trigger: true},
			"x.service - X was skipped because no trigger condition checks were met."},
		{"assertion", checkResult{failed: "AssertPathExists=!/run"},
			"x.service - X was skipped because of a failed assertion check (AssertPathExists=!/run)."},
	} {
		if got := skippedLine(u, c.kind, c.r); got != c.want {
			t.Errorf("got %q\nwant %q", got, c.want)
		}
	}
}
