package manager

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/host/api"
	"github.com/sysmaster/sysmaster/host/exec"
	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/reaper"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/pkg/exitstatus"
	"github.com/sysmaster/sysmaster/sdk"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// The loop in one process: a real Manager (its loop, job engine, lifecycle, plugin glue, process, descriptor and
// timer tables, checkpoint) whose plugins are in-memory unit types served through the SDK's own server code
// (sdk.InProcess) and whose executor forks nothing. Only the plugin process and the fork are replaced.

// toy is a unit type small enough to read at a glance. [Toy] Run=yes spawns a main process at start and
// becomes active once it executed (with Quiet=yes once it is spawned, and the exec report changes nothing, as
// for a Type=simple service); without it a start is immediate. Listen=PATH holds a unix listener. A main
// process that exits makes the unit inactive (status 0) or failed. Every event it handles is appended to its
// state, so tests see what reached the plugin, in order.
type toy struct{ typ string }

type toyConfig struct {
	Run    bool
	Quiet  bool
	Listen string
}

type toyState struct {
	Sub    string
	Events []string
}

func (t toy) Describe() sdk.Description {
	return sdk.Description{Type: t.typ, Sections: []string{"Toy"}, Version: "test", StateVersion: 1}
}

func (t toy) Parse(req *sdk.ParseRequest) *sdk.ParseResult {
	var c toyConfig
	if s := req.Section("Toy"); s != nil {
		for _, e := range s.Entries {
			switch e.Key {
			case "Run":
				c.Run = e.Value == "yes"
			case "Quiet":
				c.Quiet = e.Value == "yes"
			case "Listen":
				c.Listen = e.Value
			}
		}
	}
	return &sdk.ParseResult{Config: sdk.EncodeJSON(c)}
}

func (t toy) Handle(u *sdk.Unit, ev *sdk.Event) error {
	return sdk.HandleJSON(u, func(c *toyConfig, st *toyState) error {
		set := func(a sdk.ActiveState, sub, result string) { st.Sub = sub; u.SetState(a, sub, result) }
		switch e := ev.Kind.(type) {
		case *sdk.EventStart:
			st.Events = append(st.Events, "start")
			if c.Listen != "" {
				u.OpenSocket(&sdk.OpenSocket{ID: "listen", Family: "unix", Type: "stream", Address: c.Listen})
			}
			if !c.Run {
				set(sdk.Active, "on", "success")
				return nil
			}
			u.Spawn(&sdk.Spawn{ID: "main", Role: sdk.RoleMain, Path: "/bin/toy", Argv: []string{"toy", u.Name}})
			u.ArmTimer("watchdog", uint64(time.Hour/time.Microsecond))
			set(sdk.Activating, "start", "")
		case *sdk.EventSpawned:
			st.Events = append(st.Events, "spawned")
			if c.Quiet {
				set(sdk.Active, "running", "success")
			}
		case *sdk.EventExecuted:
			if c.Quiet {
				return nil
			}
			st.Events = append(st.Events, "executed")
			set(sdk.Active, "running", "success")
		case *sdk.EventChildExited:
			st.Events = append(st.Events, fmt.Sprintf("exited %d", e.Status))
			u.DisarmTimer("watchdog")
			if e.Code == sdk.Exited && e.Status == 0 || st.Sub == "stop" {
				set(sdk.Inactive, "dead", "success")
			} else {
				set(sdk.Failed, "failed", "exit-code")
			}
		case *sdk.EventStop:
			st.Events = append(st.Events, "stop")
			if c.Listen != "" {
				u.CloseFd("listen")
			}
			if u.Runtime.MainPid != 0 {
				u.Kill(sdk.WhomMain, 15)
				set(sdk.Deactivating, "stop", "")
				return nil
			}
			set(sdk.Inactive, "dead", "success")
		case *sdk.EventRecover:
			st.Events = append(st.Events, fmt.Sprintf("recover alive=%d timers=%v fds=%v", len(e.Alive), e.Timers, e.Fds))
		case *sdk.EventCgroupEmpty:
			st.Events = append(st.Events, "cgroup-empty")
		default:
			st.Events = append(st.Events, fmt.Sprintf("%T", e))
		}
		return nil
	})
}

// memTypes is a pluginHost that serves in-memory unit types. A type can be made to fail its next calls (a
// plugin that crashes on them) or to be not ready until told (a plugin backed off or still launching, asking to
// be tried again every 50 ms).
type memTypes struct {
	mu      sync.Mutex
	clients map[string]*sdk.Client
	fail    map[string]int  // Handle calls of the type that fail from now on
	down    map[string]bool // the type is not ready
	calls   map[string]int  // Handle calls that reached the type
}

func newMemTypes(types ...sdk.UnitType) *memTypes {
	h := &memTypes{clients: map[string]*sdk.Client{}, fail: map[string]int{}, down: map[string]bool{}, calls: map[string]int{}}
	for _, t := range types {
		h.clients[t.Describe().Type] = sdk.InProcess(t)
	}
	return h
}

func (h *memTypes) client(typ string) (*sdk.Client, error) {
	h.mu.Lock()
	defer h.mu.Unlock()
	c := h.clients[typ]
	if c == nil {
		return nil, fmt.Errorf("no plugin for %s", typ)
	}
	return c, nil
}

func (h *memTypes) Known(typ string) bool { _, err := h.client(typ); return err == nil }
func (h *memTypes) Launch(typ string) error {
	_, err := h.client(typ)
	return err
}
func (h *memTypes) Describe(typ string) (*pb.DescribeResponse, error) {
	c, err := h.client(typ)
	if err != nil {
		return nil, err
	}
	return c.Describe(context.Background(), "test")
}
func (h *memTypes) Parse(typ string, units []*pb.UnitFile) ([]*pb.Parsed, error) {
	c, err := h.client(typ)
	if err != nil {
		return nil, err
	}
	return c.Parse(context.Background(), units)
}
func (h *memTypes) Handle(typ string, items []*pb.Item) ([]*pb.Result, error) {
	c, err := h.client(typ)
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	h.calls[typ]++
	failing := h.fail[typ] > 0
	if failing {
		h.fail[typ]--
	}
	h.mu.Unlock()
	if failing {
		return nil, errors.New("plugin crashed")
	}
	return c.Handle(context.Background(), items)
}
func (h *memTypes) Ready(typ string) (bool, time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.down[typ] {
		return false, time.Now().Add(50 * time.Millisecond)
	}
	return true, time.Time{}
}
func (h *memTypes) Passive(string) bool      { return false }
func (h *memTypes) State(typ string) string  { return "loaded (in memory)" }
func (h *memTypes) StopAll()                 {}
func (h *memTypes) set(f func(h *memTypes))  { h.mu.Lock(); f(h); h.mu.Unlock() }
func (h *memTypes) count(typ string) (n int) { h.set(func(h *memTypes) { n = h.calls[typ] }); return }

// fakeExec is an executor that forks nothing: it hands out pids no process can have (above the kernel's
// PID_MAX_LIMIT), calls the callbacks the real one calls, and records what it was asked to run.
type fakeExec struct {
	next   int
	spawns []string // "UNIT ARGV…"
}

const fakePidBase = 5_000_000

func (f *fakeExec) Start(s *pb.Spawn, o exec.Options) (int, error) {
	f.next++
	pid := fakePidBase + f.next
	f.spawns = append(f.spawns, o.Unit+" "+strings.Join(s.Argv, " "))
	if o.Forked != nil {
		o.Forked(pid)
	}
	if o.OnExec != nil {
		o.OnExec(pid)
	}
	return pid, nil
}

// loopManager makes a manager over run (its run directory, where the checkpoint lives) reading the unit files
// of units, with in-memory types and the fake executor. It holds no cgroups: a unit's processes are the
// children the loop knows.
func loopManager(t *testing.T, run, units string, h *memTypes, fx *fakeExec) *Manager {
	m, _ := loopManagerClose(t, run, units, h, fx)
	return m
}

// loopManagerClose is loopManager with a function that closes the manager before the test's end.
func loopManagerClose(t *testing.T, run, units string, h *memTypes, fx *fakeExec) (*Manager, func()) {
	t.Helper()
	conf := filepath.Join(filepath.Dir(run), "system.conf")
	if err := os.WriteFile(conf, []byte(fmt.Sprintf("[Manager]\nUnitPaths = [%q]\n", units)), 0o644); err != nil {
		t.Fatal(err)
	}
	m, err := New(Options{ConfigPath: conf, RunDir: run, Log: io.Discard, Console: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	var once sync.Once
	closeIt := func() { once.Do(func() { m.Close() }) }
	t.Cleanup(closeIt)
	m.plugins, m.pg.host, m.procs.exec = h, h, fx
	if m.cg != nil {
		m.cg.Close()
		m.cg = nil
	}
	m.loader = m.newLoader()
	return m, closeIt
}

// writeUnits writes "name: [Section] Key=Value …" specs, one file each; a line break is written as " | ".
func writeUnits(t *testing.T, dir string, specs map[string]string) {
	t.Helper()
	for name, body := range specs {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(strings.ReplaceAll(body, " | ", "\n")+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// settle runs the loop as Run does until cond holds: what other goroutines handed in (answers, timers, exits),
// then a turn.
func (m *Manager) settle(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		m.drain()
		m.turn()
		if cond() {
			return
		}
		select {
		case f := <-m.calls:
			f()
		case <-m.procs.exits.kick:
		case <-deadline:
			t.Fatal("the loop did not get there")
		}
	}
}

func (m *Manager) start(t *testing.T, name string) uint64 {
	t.Helper()
	jobs, err := m.enqueue(m.load(name), job.Start, job.Replace, false)
	if err != nil {
		t.Fatal(err)
	}
	return jobs[0].ID
}

func (m *Manager) stop(t *testing.T, name string) uint64 {
	t.Helper()
	jobs, err := m.enqueue(m.load(name), job.Stop, job.Replace, false)
	if err != nil {
		t.Fatal(err)
	}
	return jobs[0].ID
}

// result is a finished job's result, "" while it runs.
func (m *Manager) result(id uint64) job.Result {
	f, _ := m.life.finished.get(id)
	return f.result
}

// seen is what u's plugin handled, in order.
func seen(t *testing.T, u *Unit) []string {
	t.Helper()
	var st toyState
	if err := json.Unmarshal(u.State, &st); err != nil {
		t.Fatalf("%s: state %q: %v", u.ID, u.State, err)
	}
	return st.Events
}

func exited(pid, status int) reaper.Exit {
	return reaper.Exit{Pid: pid, Exit: exitstatus.Exit{Code: exitstatus.Exited, Status: status}, Time: time.Now()}
}

// turnAnswered runs a turn and then applies the answers of the calls it left in flight, as the loop does when
// they come after answerWait: on a loaded machine the in-memory plugin's answer can miss the wait, and the cases
// check what a turn does with its answers, not how fast they come.
func (m *Manager) turnAnswered(t *testing.T) {
	t.Helper()
	m.turn()
	deadline := time.After(10 * time.Second)
	for len(m.pg.inflight) > 0 {
		select {
		case f := <-m.calls:
			f()
		case <-deadline:
			t.Fatal("a call's answer did not come")
		}
	}
}

func TestLoopTurns(t *testing.T) {
	for _, tc := range []struct {
		name  string
		units map[string]string
		run   func(t *testing.T, m *Manager, fx *fakeExec)
	}{
		{
			name:  "a start spawns, the exec report makes it active and finishes the job",
			units: map[string]string{"a.toy": "[Toy] | Run=yes"},
			run: func(t *testing.T, m *Manager, fx *fakeExec) {
				id := m.start(t, "a.toy")
				m.turnAnswered(t)
				a := m.units["a.toy"]
				if a.Active != unit.Activating || a.MainPid != fakePidBase+1 || m.procs.owner[a.MainPid] != a {
					t.Fatalf("after the first turn: %s, main pid %d", a.Active, a.MainPid)
				}
				if !slices.Equal(m.timers.ids(a), []string{"watchdog"}) || m.result(id) != "" {
					t.Fatalf("timers %v, job result %q", m.timers.ids(a), m.result(id))
				}
				m.settle(t, func() bool { return a.Active == unit.Active })
				if m.result(id) != job.Done || !slices.Equal(seen(t, a), []string{"start", "spawned", "executed"}) {
					t.Errorf("job %q, plugin saw %v", m.result(id), seen(t, a))
				}
				if !slices.Equal(fx.spawns, []string{"a.toy toy a.toy"}) {
					t.Errorf("spawns %v", fx.spawns)
				}
			},
		},
		{
			name: "a failed exit runs OnFailure= and leaves the pid table",
			units: map[string]string{"a.toy": "[Unit] | OnFailure=rescue.toy | [Toy] | Run=yes",
				"rescue.toy": "[Toy]"},
			run: func(t *testing.T, m *Manager, _ *fakeExec) {
				m.start(t, "a.toy")
				a := m.units["a.toy"]
				m.settle(t, func() bool { return a.Active == unit.Active })
				pid := a.MainPid
				m.pushExit(exited(pid, 3))
				rescue := m.load("rescue.toy")
				m.settle(t, func() bool { return rescue.Active == unit.Active })
				if a.Active != unit.Failed || a.Result != "exit-code" || a.MainPid != 0 || m.procs.owner[pid] != nil {
					t.Errorf("a.toy %s %s, main pid %d, owner %v", a.Active, a.Result, a.MainPid, m.procs.owner[pid])
				}
				if len(m.timers.ids(a)) != 0 {
					t.Errorf("timers left: %v", m.timers.ids(a))
				}
			},
		},
		{
			name:  "a stop kills the main process and ends with its exit",
			units: map[string]string{"a.toy": "[Toy] | Run=yes"},
			run: func(t *testing.T, m *Manager, _ *fakeExec) {
				m.start(t, "a.toy")
				a := m.units["a.toy"]
				m.settle(t, func() bool { return a.Active == unit.Active })
				id := m.stop(t, "a.toy")
				m.turnAnswered(t)
				if a.Active != unit.Deactivating || m.result(id) != "" {
					t.Fatalf("after stop: %s, job %q", a.Active, m.result(id))
				}
				m.pushExit(reaper.Exit{Pid: a.MainPid, Exit: exitstatus.Exit{Code: exitstatus.Killed, Status: 15}, Time: time.Now()})
				m.settle(t, func() bool { return m.result(id) != "" })
				if m.result(id) != job.Done || a.Active != unit.Inactive {
					t.Errorf("job %q, unit %s", m.result(id), a.Active)
				}
				if got := seen(t, a); !slices.Equal(got[3:], []string{"stop", "exited 15", "cgroup-empty"}) {
					t.Errorf("plugin saw %v", got)
				}
			},
		},
		{
			name: "Requires= and After= start the dependency first, in one batch per turn",
			units: map[string]string{"db.toy": "[Toy] | Run=yes",
				"web.toy": "[Unit] | Requires=db.toy | After=db.toy | [Toy] | Run=yes"},
			run: func(t *testing.T, m *Manager, fx *fakeExec) {
				id := m.start(t, "web.toy")
				web := m.units["web.toy"]
				m.turnAnswered(t)
				if len(fx.spawns) != 1 || !strings.HasPrefix(fx.spawns[0], "db.toy") || web.Active != unit.Inactive {
					t.Fatalf("first turn spawned %v, web %s", fx.spawns, web.Active)
				}
				m.settle(t, func() bool { return m.result(id) != "" })
				if m.result(id) != job.Done || len(fx.spawns) != 2 || !strings.HasPrefix(fx.spawns[1], "web.toy") {
					t.Errorf("job %q, spawns %v", m.result(id), fx.spawns)
				}
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeUnits(t, dir, tc.units)
			fx := &fakeExec{}
			m := loopManager(t, filepath.Join(t.TempDir(), "run"), dir, newMemTypes(toy{"toy"}), fx)
			tc.run(t, m, fx)
		})
	}
}

// Events for a type whose plugin cannot take them are held, in order, with what comes for the type meanwhile,
// and delivered in that order once it is back; a unit's job waits for them, other types go on.
func TestLoopHeldEvents(t *testing.T) {
	for _, tc := range []struct {
		name   string
		outage func(h *memTypes)
		// Handle calls that reached the plugin during the outage: a crashing plugin gets the batch and a retry
		// (and a retry every 100 ms); one that is not ready gets none.
		minCalls, maxCalls int
	}{
		{"crashing on every call", func(h *memTypes) { h.fail["toy"] = 1 << 30 }, 2, 1 << 30},
		// The retry timer brings the events back when the backoff ends.
		{"backed off or launching", func(h *memTypes) { h.down["toy"] = true }, 0, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			writeUnits(t, dir, map[string]string{"a.toy": "[Toy] | Run=yes", "b.toy": "[Toy] | Run=yes", "c.other": "[Toy]"})
			h, fx := newMemTypes(toy{"toy"}, toy{"other"}), &fakeExec{}
			m := loopManager(t, filepath.Join(t.TempDir(), "run"), dir, h, fx)
			h.set(tc.outage)
			ja := m.start(t, "a.toy")
			m.turn()
			jb, jc := m.start(t, "b.toy"), m.start(t, "c.other")
			// A unit with a job or an event on its way is not collected: these stay the units of the names.
			a, b, c := m.units["a.toy"], m.units["b.toy"], m.units["c.other"]
			m.settle(t, func() bool { return len(m.pg.held["toy"]) == 2 && m.pg.inflight["toy"] == nil })
			if c.Active != unit.Active || m.result(jc) != job.Done {
				t.Errorf("another type waited: c.other %s, job %q", c.Active, m.result(jc))
			}
			if !strings.Contains(m.pg.unitState(a), "1 events held for this unit") {
				t.Errorf("PluginState %q", m.pg.unitState(a))
			}
			if n := h.count("toy"); n < tc.minCalls || n > tc.maxCalls {
				t.Errorf("%d calls reached the plugin during the outage, want %d to %d", n, tc.minCalls, tc.maxCalls)
			}
			if m.result(ja) != "" || a.Active != unit.Inactive {
				t.Fatalf("a.toy moved without its plugin: %s, job %q", a.Active, m.result(ja))
			}
			h.set(func(h *memTypes) { h.fail["toy"], h.down["toy"] = 0, false })
			m.settle(t, func() bool { return m.result(ja) != "" && m.result(jb) != "" })
			if m.result(ja) != job.Done || m.result(jb) != job.Done || len(m.pg.held) != 0 {
				t.Errorf("jobs %q %q, held %v", m.result(ja), m.result(jb), m.pg.held)
			}
			want := []string{"start", "spawned", "executed"}
			if !slices.Equal(seen(t, a), want) || !slices.Equal(seen(t, b), want) {
				t.Errorf("a saw %v, b saw %v", seen(t, a), seen(t, b))
			}
			// In the order they were sent: a's start before b's.
			if !slices.Equal(fx.spawns, []string{"a.toy toy a.toy", "b.toy toy b.toy"}) {
				t.Errorf("spawns %v", fx.spawns)
			}
		})
	}
}

// Every owner's part goes through the checkpoint into a new manager: units (state, plugin state bytes,
// results), the process table (children, main pid, ExecMain*), the timer table (deadlines), the descriptor
// table (a listener, re-opened without init), the jobs, and the events held for a plugin that was down.
func TestLoopSaveRestore(t *testing.T) {
	dir, run := t.TempDir(), filepath.Join(t.TempDir(), "run")
	sock := filepath.Join(t.TempDir(), "toy.sock")
	writeUnits(t, dir, map[string]string{
		"a.toy":    "[Toy] | Run=yes | Listen=" + sock,
		"slow.toy": "[Toy] | Run=yes",
		"b.other":  "[Toy]",
	})
	h, fx := newMemTypes(toy{"toy"}, toy{"other"}), &fakeExec{}
	m, closeM := loopManagerClose(t, run, dir, h, fx)
	m.start(t, "a.toy")
	a := m.units["a.toy"]
	m.settle(t, func() bool { return a.Active == unit.Active })
	js := m.start(t, "slow.toy")
	m.turnAnswered(t) // activating, its job running: the exec report is not taken yet
	h.set(func(h *memTypes) { h.down["other"] = true })
	m.start(t, "b.other")
	b := m.units["b.other"]
	m.turnAnswered(t)
	m.commit()

	// snapshot is what a unit and the owners hold for it, as JSON (times lose their monotonic reading on the
	// way through the checkpoint, as they should).
	snapshot := func(m *Manager, u *Unit) string {
		o := struct {
			Active      unit.ActiveState
			Sub, Result string
			State       []byte
			Procs       procRecord
			Timers      timerRecord
			Fds         []string
		}{Active: u.Active, Sub: u.Sub, Result: u.Result, State: u.State, Procs: m.procs.save(u), Timers: m.timers.save(u)}
		for _, f := range u.fds {
			o.Fds = append(o.Fds, f.id+" "+f.spec.GetAddress())
		}
		b, err := json.Marshal(o)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	names := []string{"a.toy", "slow.toy", "b.other"}
	was := map[string]string{}
	for _, n := range names {
		was[n] = snapshot(m, m.units[n])
	}
	wasJobs := m.engine.All()
	if len(wasJobs) != 2 || m.pg.heldFor(b) != 1 {
		t.Fatalf("before: jobs %v, %d held for b.other", wasJobs, m.pg.heldFor(b))
	}
	closeM()

	h2 := newMemTypes(toy{"toy"}, toy{"other"})
	// The type is still down: what was held is held again, behind the unit's Recover.
	h2.set(func(h *memTypes) { h.down["other"] = true })
	n := loopManager(t, run, dir, h2, &fakeExec{next: 100})
	if n.snapshot == nil {
		t.Fatal("no checkpoint")
	}
	n.restore()
	for _, name := range names {
		u := n.units[name]
		if u == nil {
			t.Fatalf("%s not restored", name)
		}
		if got := snapshot(n, u); got != was[name] {
			t.Errorf("%s restored as\n%s\nsaved\n%s", name, got, was[name])
		}
		for pid := range u.children {
			if n.procs.owner[pid] != u {
				t.Errorf("%s: pid %d has no owner", name, pid)
			}
		}
	}
	gotJobs := n.engine.All()
	if len(gotJobs) != len(wasJobs) {
		t.Fatalf("jobs %v, saved %v", gotJobs, wasJobs)
	}
	for i := range gotJobs {
		g, w := gotJobs[i], wasJobs[i]
		if g.ID != w.ID || g.Unit != w.Unit || g.Type != w.Type || g.State != w.State {
			t.Errorf("job %+v restored, saved %+v", g, w)
		}
	}
	// The restored units hear Recover with what is alive; the restored job finishes as before.
	slow := n.units["slow.toy"]
	n.settle(t, func() bool { return len(seen(t, slow)) == 3 })
	if got := seen(t, slow)[2]; got != "recover alive=1 timers=[watchdog] fds=[]" {
		t.Errorf("slow.toy recovered with %q", got)
	}
	n.pushExit(exited(slow.MainPid, 3))
	n.settle(t, func() bool { return n.result(js) != "" })
	if n.result(js) != job.Failed || slow.Active != unit.Failed {
		t.Errorf("restored job ended %q, unit %s", n.result(js), slow.Active)
	}
	if got := seen(t, n.units["a.toy"]); got[len(got)-1] != "recover alive=1 timers=[watchdog] fds=[listen]" {
		t.Errorf("a.toy recovered with %q", got[len(got)-1])
	}
	// The held start of b.other is delivered once its plugin is back, after its Recover.
	nb := n.units["b.other"]
	if nb.Active != unit.Inactive || n.pg.heldFor(nb) != 2 {
		t.Fatalf("b.other %s with %d events held while its plugin is down", nb.Active, n.pg.heldFor(nb))
	}
	h2.set(func(h *memTypes) { h.down["other"] = false })
	n.settle(t, func() bool { return nb.Active == unit.Active })
	if got := seen(t, nb); !slices.Equal(got, []string{"recover alive=0 timers=[] fds=[]", "start"}) {
		t.Errorf("b.other saw %v", got)
	}
}

// A WaitJobs caller hears a job's result only once the turn that finished it is committed (Run calls
// answerWaiters after commit): what it is told survives a core crash.
func TestWaitJobsAnswersAfterTheCommit(t *testing.T) {
	dir := t.TempDir()
	writeUnits(t, dir, map[string]string{"a.toy": "[Toy]"})
	m := loopManager(t, filepath.Join(t.TempDir(), "run"), dir, newMemTypes(toy{"toy"}), &fakeExec{})
	id := m.start(t, "a.toy")
	done := m.life.wait(id)
	m.turnAnswered(t)
	if m.result(id) != job.Done {
		t.Fatalf("job %q", m.result(id))
	}
	select {
	case r := <-done:
		t.Fatalf("answered %q before the commit", r)
	default:
	}
	m.commit()
	m.life.answerWaiters()
	select {
	case r := <-done:
		if r != job.Done {
			t.Errorf("answered %q", r)
		}
	default:
		t.Fatal("not answered after the commit")
	}
}

// An Enqueue caller (`sctl start --no-block`) hears of its job only once the checkpoint holds it: a core that
// crashes right after the answer comes back with the job the caller was told of.
func TestEnqueueAnswersAfterTheCommit(t *testing.T) {
	dir := t.TempDir()
	writeUnits(t, dir, map[string]string{"a.toy": "[Toy]"})
	m := loopManager(t, filepath.Join(t.TempDir(), "run"), dir, newMemTypes(toy{"toy"}), &fakeExec{})
	before, err := m.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	type answer struct {
		jobs []api.JobInfo
		err  error
	}
	answered := make(chan answer, 1)
	go func() {
		jobs, err := local{m}.Enqueue(context.Background(), []string{"a.toy"}, job.Start, job.Replace, true)
		answered <- answer{jobs, err}
	}()
	// The loop's part, as Run does it: the call, the commit for its caller, then the turn. Other calls may come
	// first (the manager's own, at its start): the loop runs them all, and Enqueue's is the one that waits for a
	// commit.
	for len(m.committed) == 0 {
		select {
		case call := <-m.calls:
			call()
		case <-time.After(10 * time.Second):
			t.Fatal("Enqueue's call never reached the loop")
		}
	}
	m.drain()
	select {
	case a := <-answered:
		t.Fatalf("answered %+v before the commit", a)
	case <-time.After(200 * time.Millisecond):
	}
	m.commitForCallers()
	after, err := m.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	var jobs []jobRecord
	if err := json.Unmarshal(after.Blobs["jobs"], &jobs); err != nil {
		t.Fatal(err)
	}
	if after.Turn <= before.Turn || len(jobs) != 1 || jobs[0].Unit != "a.toy" {
		t.Fatalf("the job was not committed (turn %d → %d, jobs %+v)", before.Turn, after.Turn, jobs)
	}
	a := <-answered
	if a.err != nil || len(a.jobs) != 1 || a.jobs[0].Unit != "a.toy" || a.jobs[0].Type != "start" {
		t.Fatalf("Enqueue answered %+v, %v", a.jobs, a.err)
	}
}

// An exec report its plugin ignores (a Type=simple service's) changes nothing: its turn commits nothing. One that
// is still pending when a turn commits (its plugin down) is in the checkpoint's held events, and its answer then
// changes what the checkpoint holds: that turn commits.
func TestLoopIgnoredExecutedCommitsNothing(t *testing.T) {
	dir := t.TempDir()
	writeUnits(t, dir, map[string]string{"a.toy": "[Toy] | Run=yes | Quiet=yes"})
	h := newMemTypes(toy{"toy"})
	m := loopManager(t, filepath.Join(t.TempDir(), "run"), dir, h, &fakeExec{})
	turn := func() uint64 {
		t.Helper()
		s, err := m.store.Load()
		if err != nil {
			t.Fatal(err)
		}
		return s.Turn
	}
	held := func() string {
		t.Helper()
		s, err := m.store.Load()
		if err != nil {
			t.Fatal(err)
		}
		return string(s.Blobs["held"])
	}
	// quiet waits for the end of the spawned process's log pipes (the fake executor closed their write ends: the
	// loop hears of it from their readers) and runs turns until one commits nothing. The exec report, which only
	// drain takes, still waits.
	quiet := func() {
		t.Helper()
		a := m.units["a.toy"]
		deadline := time.After(10 * time.Second)
		for len(a.logPipes) > 0 {
			select {
			case f := <-m.calls:
				f()
			case <-deadline:
				t.Fatal("the log pipes did not end")
			}
		}
		for range 20 {
			before := turn()
			m.turnAnswered(t)
			m.commit()
			if turn() == before {
				return
			}
		}
		t.Fatal("the loop does not come to rest")
	}
	exec := func() {
		t.Helper()
		m.drain() // the exec report the fake executor gave at the spawn
		if len(m.pg.queue["toy"]) != 1 || m.pg.queue["toy"][0].ev.GetExecuted() == nil {
			t.Fatalf("no exec report queued: %v", m.pg.queue["toy"])
		}
	}

	id := m.start(t, "a.toy")
	a := m.units["a.toy"]
	m.turnAnswered(t)
	if a.Active != unit.Active || m.result(id) != job.Done {
		t.Fatalf("a.toy %s, job %q", a.Active, m.result(id))
	}
	quiet()
	t0, calls := turn(), h.count("toy")
	exec()
	m.turnAnswered(t)
	m.commit()
	if h.count("toy") != calls+1 {
		t.Fatalf("the exec report did not reach the plugin (%d calls, then %d)", calls, h.count("toy"))
	}
	if got := turn(); got != t0 {
		t.Errorf("the ignored exec report was committed: turn %d → %d", t0, got)
	}

	// Again, with the plugin down while the report waits.
	m.stop(t, "a.toy")
	m.settle(t, func() bool { return a.MainPid != 0 && a.Sub == "stop" })
	m.pushExit(exited(a.MainPid, 0))
	m.settle(t, func() bool { return a.Active == unit.Inactive })
	m.start(t, "a.toy")
	quiet()
	h.set(func(h *memTypes) { h.down["toy"] = true })
	exec()
	m.turnAnswered(t)
	t1 := turn()
	m.commit()
	if got := turn(); got != t1+1 || !strings.Contains(held(), `"a.toy"`) {
		t.Fatalf("the pending exec report was not committed: turn %d → %d, held %s", t1, got, held())
	}
	h.set(func(h *memTypes) { h.down["toy"] = false })
	m.settle(t, func() bool { return len(m.pg.pending) == 0 })
	m.commit()
	if got := turn(); got != t1+2 || held() != "null" {
		t.Errorf("the answer to the held exec report was not committed: turn %d → %d, held %s", t1+1, got, held())
	}
}
