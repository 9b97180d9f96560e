package manager

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/transient"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// memScope is the scope lifecycle in a few lines: a start asks the host to attach the processes, the answer
// makes it running (or failed without any), an empty cgroup dead. Attached records what the host reported.
type memScope struct{}

type memScopeState struct {
	Attached []int64
	Errors   []string
}

func (memScope) Describe() sdk.Description {
	return sdk.Description{Type: "scope", Sections: []string{"Scope"}, Version: "test", StateVersion: 1}
}

func (memScope) Parse(*sdk.ParseRequest) *sdk.ParseResult {
	return &sdk.ParseResult{Config: []byte("{}")}
}

func (memScope) Handle(u *sdk.Unit, ev *sdk.Event) error {
	return sdk.HandleJSON(u, func(_ *struct{}, st *memScopeState) error {
		switch e := ev.Kind.(type) {
		case *sdk.EventStart:
			u.Do(&sdk.AttachProcesses{})
			u.SetState(sdk.Activating, "start-chown", "success")
		case *sdk.EventProcessesAttached:
			st.Attached, st.Errors = e.Pids, e.Errors
			if len(e.Pids) == 0 {
				u.SetState(sdk.Failed, "failed", "resources")
			} else {
				u.SetState(sdk.Active, "running", "success")
			}
		case *sdk.EventResetFailed:
			u.SetState(sdk.Inactive, "dead", "success")
		}
		return nil
	})
}

// StartTransient writes the unit file into the transient directory, loads and starts the unit, hands the
// scope's PIDs to its plugin's AttachProcesses (without cgroups, as here, none can be moved: the plugin hears
// why), and the file goes when the unit is collected.
func TestStartTransientScope(t *testing.T) {
	dir := t.TempDir()
	run, units := filepath.Join(dir, "run"), filepath.Join(dir, "units")
	if err := os.MkdirAll(units, 0o755); err != nil {
		t.Fatal(err)
	}
	writeUnits(t, units, map[string]string{"file.scope": "[Scope]", "taken.scope": "[Unit] | Description=x"})
	m := loopManager(t, run, units, newMemTypes(memScope{}), &fakeExec{})
	path := filepath.Join(run, "transient", "x.scope")

	j, err := m.startTransient("x.scope", job.Replace, []transient.Property{{Name: "Description", Value: "a test scope"},
		{Name: "PIDs", Value: []uint32{uint32(os.Getpid())}}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(path)
	if err != nil || !strings.HasPrefix(string(b), transient.Header) || !strings.Contains(string(b), "Description=a test scope") {
		t.Fatalf("transient file: %q, %v", b, err)
	}
	u := m.units["x.scope"]
	m.settle(t, func() bool { return m.result(j.ID) != "" })
	if m.result(j.ID) != job.Failed || u.Sub != "failed" {
		t.Fatalf("job %s, unit %s/%s", m.result(j.ID), u.Active, u.Sub)
	}
	var st memScopeState
	if err := sdk.DecodeJSON(u.State, &st); err != nil || len(st.Errors) != 1 || !strings.Contains(st.Errors[0], "no cgroup") {
		t.Fatalf("plugin heard %+v (%v)", st, err)
	}
	if !m.isTransient(u) || u.description() != "a test scope" {
		t.Errorf("transient %v, description %q", m.isTransient(u), u.description())
	}
	// The name is taken while the unit is loaded.
	if _, err := m.startTransient("x.scope", job.Replace, []transient.Property{{Name: "PIDs", Value: []uint32{1}}}, nil); !errdefs.IsAlreadyExists(err) {
		t.Errorf("second StartTransient: %v", err)
	}
	// Reset, the unit is collected and its file removed.
	m.resetFailed(u)
	m.settle(t, func() bool { return m.units["x.scope"] == nil })
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("transient file left after collection: %v", err)
	}

	// A unit with a file, an unknown property, a scope without PIDs: refused, nothing written.
	for _, c := range []struct {
		name  string
		props []transient.Property
		check func(error) bool
	}{
		{"taken.scope", []transient.Property{{Name: "PIDs", Value: []uint32{1}}}, errdefs.IsAlreadyExists},
		{"y.scope", []transient.Property{{Name: "Frobnicate", Value: true}}, errdefs.IsInvalidArgument},
		{"y.scope", nil, errdefs.IsInvalidArgument},
		{"y@.scope", nil, errdefs.IsInvalidArgument},
	} {
		if _, err := m.startTransient(c.name, job.Replace, c.props, nil); !c.check(err) {
			t.Errorf("%s %v: %v", c.name, c.props, err)
		}
	}
	m.settle(t, func() bool { return m.units["y.scope"] == nil })
	if _, err := os.Stat(filepath.Join(run, "transient", "y.scope")); err == nil && m.units["y.scope"] != nil {
		t.Errorf("a refused scope is left loaded")
	}

	// A scope read from a unit directory is not found, as systemd refuses non-transient scopes.
	if f := m.load("file.scope"); f.LoadState != unit.NotFound || f.LoadError == nil {
		t.Errorf("file.scope: %s %v", f.LoadState, f.LoadError)
	}
}

// AttachProcesses and AbandonScope refuse what systemd refuses: an unknown unit, a unit that is down, a unit
// that is not a scope, a scope that does not run.
func TestAttachAndAbandonRefusals(t *testing.T) {
	dir := t.TempDir()
	run, units := filepath.Join(dir, "run"), filepath.Join(dir, "units")
	if err := os.MkdirAll(units, 0o755); err != nil {
		t.Fatal(err)
	}
	writeUnits(t, units, map[string]string{"a.toy": "[Toy]"})
	m := loopManager(t, run, units, newMemTypes(memScope{}, toy{"toy"}), &fakeExec{})
	m.load("a.toy")
	l := local{m}
	go func() {
		for f := range m.calls {
			f()
		}
	}()
	ctx := t.Context()
	if err := l.AttachProcesses(ctx, "none.toy", "", []uint32{1}); !errdefs.IsNotFound(err) {
		t.Errorf("attach to an unknown unit: %v", err)
	}
	if err := l.AttachProcesses(ctx, "a.toy", "", []uint32{1}); !errdefs.IsFailedPrecondition(err) {
		t.Errorf("attach to a unit that is down: %v", err)
	}
	if err := l.AbandonScope(ctx, "a.toy"); !errdefs.IsInvalidArgument(err) {
		t.Errorf("abandon a toy: %v", err)
	}
	if err := l.AbandonScope(ctx, "none.scope"); !errdefs.IsNotFound(err) {
		t.Errorf("abandon an unknown scope: %v", err)
	}
}
