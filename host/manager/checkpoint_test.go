package manager

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/sysmaster/sysmaster/host/checkpoint"
	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/unit"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

var (
	pluginsOnce sync.Once
	pluginsDir  string
	pluginsErr  error
)

// buildPlugins builds the image once per test binary and links the service, socket and target plugins to it, as
// make install does.
func buildPlugins(t testing.TB) string {
	t.Helper()
	pluginsOnce.Do(func() {
		if pluginsDir, pluginsErr = os.MkdirTemp("", "manager-plugins-"); pluginsErr != nil {
			return
		}
		image := filepath.Join(pluginsDir, "sysmaster")
		if out, err := exec.Command("go", "build", "-o", image, "../../cmd/sysmaster").CombinedOutput(); err != nil {
			pluginsErr = fmt.Errorf("build the image: %v %s", err, out)
			return
		}
		for _, p := range []string{"service", "socket", "target"} {
			if pluginsErr = os.Symlink("sysmaster", filepath.Join(pluginsDir, p)); pluginsErr != nil {
				return
			}
		}
	})
	if pluginsErr != nil {
		t.Fatal(pluginsErr)
	}
	return pluginsDir
}

// syncLog is a log buffer the manager's goroutines may write while the test reads.
type syncLog struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *syncLog) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *syncLog) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRestoreRelease9a25d52 restores the checkpoint release 9a25d52 wrote (format 1, enums by number; see
// test/system/upgrade_test.go, which wrote it) and checks every unit, process, timer, descriptor and job of it,
// and that the first commit rewrites it in the current format. The descriptors init would hand back are stood
// in for by a listener and pipes of this process.
func TestRestoreRelease9a25d52(t *testing.T) {
	fixture := "testdata/checkpoint-9a25d52"
	dir := t.TempDir()
	run := filepath.Join(dir, "run")
	os.MkdirAll(run, 0o755)
	db, err := os.ReadFile(filepath.Join(fixture, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(run, "state.db"), db, 0o644)
	units, _ := filepath.Abs(filepath.Join(fixture, "units"))
	std, _ := filepath.Abs("../../units") // the targets every system has
	conf := filepath.Join(dir, "system.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("[Manager]\nUnitPaths = [%q, %q]\n[Plugins]\nDir = %q\n", units, std, buildPlugins(t))), 0o644)
	log := &syncLog{}
	m, err := New(Options{ConfigPath: conf, RunDir: run, Log: log, Console: log})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	if m.snapshot == nil || m.snapshot.Version != 1 || len(m.snapshot.Units) != 17 {
		t.Fatalf("snapshot: %+v; log:\n%s", m.snapshot, log)
	}
	// What init would hand back: a listener for each descriptor, a pipe for each log pipe.
	for _, b := range m.snapshot.Units {
		r, err := decodeUnitRecord(b, 1)
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range r.Fds {
			l, err := net.Listen("unix", filepath.Join(dir, f.ID+".sock"))
			if err != nil {
				t.Fatal(err)
			}
			m.fds.kept[f.Store], _ = l.(*net.UnixListener).File()
			l.Close()
		}
		for store := range r.LogPipes {
			pr, pw, _ := os.Pipe()
			defer pw.Close()
			m.fds.kept[store] = pr
		}
	}
	old := m.snapshot
	m.restore()
	if strings.Contains(log.String(), "unreadable") || strings.Contains(log.String(), "ERROR") {
		t.Errorf("restore complained:\n%s", log)
	}

	type want struct {
		active      unit.ActiveState
		sub, result string
		main, ctl   int
		roles       map[int]pb.Role
		timers      []string
		pipes       int
	}
	wants := map[string]want{
		"a.service":     {active: unit.Active, sub: "running", result: "success", main: 61, roles: map[int]pb.Role{61: pb.Role_ROLE_MAIN}, pipes: 1},
		"n.service":     {active: unit.Active, sub: "running", result: "success", main: 62, roles: map[int]pb.Role{62: pb.Role_ROLE_MAIN}, pipes: 1},
		"fork.service":  {active: unit.Active, sub: "running", result: "success", main: 92, roles: map[int]pb.Role{92: pb.Role_ROLE_MAIN}, pipes: 1},
		"once.service":  {active: unit.Active, sub: "exited", result: "success"},
		"bad.service":   {active: unit.Failed, sub: "failed", result: "exit-code"},
		"retry.service": {active: unit.Activating, sub: "auto-restart", result: "exit-code", timers: []string{"restart"}},
		"slow.service":  {active: unit.Activating, sub: "start-pre", result: "success", ctl: 98, roles: map[int]pb.Role{98: pb.Role_ROLE_CONTROL}, timers: []string{"timeout"}, pipes: 1},
		"after.service": {active: unit.Inactive, sub: "dead"},
		"web.socket":    {active: unit.Active, sub: "listening", result: "success"},
		"all.target":    {active: unit.Active, sub: "active", result: "success"},
	}
	for name := range old.Units {
		u := m.units[name]
		if u == nil || u.LoadState != unit.Loaded {
			t.Errorf("%s was not restored", name)
			continue
		}
		w, ok := wants[name]
		if !ok {
			if u.Active != unit.Active || u.Sub != "active" {
				t.Errorf("%s: %v %s, want active active", name, u.Active, u.Sub)
			}
			continue
		}
		if u.Active != w.active || u.Sub != w.sub || u.Result != w.result || u.MainPid != w.main || u.ControlPid != w.ctl {
			t.Errorf("%s: %v %s %q main %d control %d, want %v %s %q main %d control %d", name, u.Active, u.Sub,
				u.Result, u.MainPid, u.ControlPid, w.active, w.sub, w.result, w.main, w.ctl)
		}
		if len(u.children) != len(w.roles) {
			t.Errorf("%s: children %v, want %v", name, u.children, w.roles)
		}
		for pid, role := range w.roles {
			if u.children[pid].role != role || m.procs.owner[pid] != u {
				t.Errorf("%s: child %d is %v (owner %v), want %v", name, pid, u.children[pid].role, m.procs.owner[pid] != nil, role)
			}
		}
		for _, id := range w.timers {
			if m.timers.units[u][id] == nil {
				t.Errorf("%s: timer %s not armed again", name, id)
			}
		}
		if len(m.timers.ids(u)) != len(w.timers) || len(u.logPipes) != w.pipes {
			t.Errorf("%s: %d timers, %d log pipes; want %d, %d", name, len(m.timers.ids(u)), len(u.logPipes), len(w.timers), w.pipes)
		}
	}
	if bad := m.units["bad.service"]; bad.execMain.code != 1 || bad.execMain.status != 3 || bad.execMain.pid != 77 {
		t.Errorf("bad.service ExecMain: %+v", bad.execMain)
	}
	if web := m.units["web.socket"]; len(web.fds) != 1 || web.fds[0].file == nil || web.fds[0].spec.GetAddress() != "/run/web.sock" {
		t.Errorf("web.socket's listener: %+v", web.fds)
	}
	for unitName, w := range map[string]job.Job{
		"slow.service":  {ID: 16, Type: job.Start, State: job.Running},
		"after.service": {ID: 17, Type: job.Start, State: job.Waiting},
	} {
		j := m.engine.Get(unitName)
		if j == nil || j.ID != w.ID || j.Type != w.Type || j.State != w.State {
			t.Errorf("%s's job: %+v, want %d %v %v", unitName, j, w.ID, w.Type, w.State)
		}
	}
	if n := len(m.engine.All()); n != 2 {
		t.Errorf("%d jobs, want 2", n)
	}

	// The first commit writes every record again, by name, in the current format.
	m.commit()
	snap, err := m.store.Load()
	if err != nil || snap.Version != checkpoint.Version {
		t.Fatalf("after commit: version %v, %v", snap, err)
	}
	var rec map[string]any
	json.Unmarshal(snap.Units["slow.service"], &rec)
	if rec["active"] != "activating" || !strings.Contains(string(snap.Units["slow.service"]), `"role":"control"`) {
		t.Errorf("slow.service's record: %s", snap.Units["slow.service"])
	}
	if !strings.Contains(string(snap.Blobs["jobs"]), `"type":"start","state":"running"`) {
		t.Errorf("jobs: %s", snap.Blobs["jobs"])
	}
	for name, b := range snap.Units {
		if _, err := decodeUnitRecord(b, checkpoint.Version); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// A record with a name this core does not know is an error on that record alone.
func TestCheckpointUnknownNames(t *testing.T) {
	for _, c := range []struct {
		name, rec string
		version   int
		bad       string // in the error; "" means no error
	}{
		{"current", `{"active":"active","children":{"7":{"role":"main"}}}`, 2, ""},
		{"unknown active state", `{"active":"sleeping"}`, 2, `"sleeping"`},
		{"unknown role", `{"active":"active","children":{"7":{"role":"boss"}}}`, 2, `"boss"`},
		{"number in format 2", `{"active":2}`, 2, "number"},
		{"format 1", `{"active":4,"children":{"7":{"role":2}}}`, 1, ""},
		{"format 1 active out of range", `{"active":9}`, 1, "active 9"},
		{"format 1 role out of range", `{"active":1,"children":{"7":{"role":8}}}`, 1, "child 7: format 1 role 8"},
		{"format 1 name", `{"active":"active"}`, 1, "active"},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := decodeUnitRecord([]byte(c.rec), c.version)
			if c.bad == "" && err != nil || c.bad != "" && (err == nil || !strings.Contains(err.Error(), c.bad)) {
				t.Errorf("error %v, want one naming %s", err, c.bad)
			}
		})
	}
	log := &syncLog{}
	m := gcManagerLog(t, log)
	jobs := m.decodeJobs([]byte(`[{"id":1,"unit":"a","type":"start","state":"running"},{"id":2,"unit":"b","type":"explode","state":"waiting"},{"id":3,"unit":"c","type":"stop","state":"waiting"}]`), 2)
	if len(jobs) != 2 || jobs[0].ID != 1 || jobs[1].ID != 3 || jobs[1].Type != job.Stop || !strings.Contains(log.String(), "explode") {
		t.Errorf("jobs %+v; log:\n%s", jobs, log)
	}
	v1 := m.decodeJobs([]byte(`[{"id":1,"unit":"a","type":4,"state":1},{"id":2,"unit":"b","type":42,"state":0}]`), 1)
	if len(v1) != 1 || v1[0].Type != job.Restart || v1[0].State != job.Running {
		t.Errorf("format 1 jobs %+v", v1)
	}
}

// A checkpoint with one record this core cannot read restores everything else; the first commit deletes that
// record, so that the store holds only what the core wrote.
func TestRestoreSkipsUnreadableRecord(t *testing.T) {
	dir := t.TempDir()
	run, units := filepath.Join(dir, "run"), filepath.Join(dir, "units")
	os.MkdirAll(run, 0o755)
	os.MkdirAll(units, 0o755)
	for _, n := range []string{"good.target", "bad.target"} {
		os.WriteFile(filepath.Join(units, n), []byte("[Unit]\nDescription="+n+"\n"), 0o644)
	}
	s, _, err := checkpoint.Open(filepath.Join(run, "state.db"))
	if err != nil {
		t.Fatal(err)
	}
	err = s.Commit(checkpoint.Changes{Units: map[string][]byte{
		"good.target": []byte(`{"active":"active","sub":"active","result":"success"}`),
		"bad.target":  []byte(`{"active":"hibernating","sub":"active"}`),
	}, Blobs: map[string][]byte{"jobs": []byte(`[{"id":3,"unit":"good.target","type":"teleport","state":"waiting"}]`)}})
	s.Close()
	if err != nil {
		t.Fatal(err)
	}
	conf := filepath.Join(dir, "system.conf")
	os.WriteFile(conf, []byte(fmt.Sprintf("[Manager]\nUnitPaths = [%q]\n[Plugins]\nDir = %q\n", units, buildPlugins(t))), 0o644)
	log := &syncLog{}
	m, err := New(Options{ConfigPath: conf, RunDir: run, Log: log, Console: log})
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	m.restore()
	if u := m.units["good.target"]; u == nil || u.Active != unit.Active {
		t.Fatalf("good.target not restored; log:\n%s", log)
	}
	if m.units["bad.target"] != nil || !strings.Contains(log.String(), `unknown active state \"hibernating\"`) {
		t.Errorf("bad.target restored, or its record's error not logged:\n%s", log)
	}
	if len(m.engine.All()) != 0 || !strings.Contains(log.String(), `unknown job type \"teleport\"`) {
		t.Errorf("jobs %v; log:\n%s", m.engine.All(), log)
	}
	m.commit()
	snap, err := m.store.Load()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := snap.Units["bad.target"]; ok || snap.Units["good.target"] == nil {
		t.Errorf("records after the first commit: %v", snap.Units)
	}
}
