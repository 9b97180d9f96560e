package job

import (
	"reflect"
	"testing"
)

// Every kind the manager derives or reads has a row, and the rows say what man systemd.unit says.
func TestAtomTable(t *testing.T) {
	for _, tc := range []struct {
		atom  Atom
		kinds []string
	}{
		{PullInStart, []string{"Requires", "BindsTo"}},
		{PullInVerify, []string{"Requisite"}},
		{PullInStartIgnored, []string{"Wants", "Upholds"}},
		{PullInStop, []string{"Conflicts", "ConflictedBy"}},
		{PropagateStop, []string{"RequiredBy", "BoundBy", "ConsistsOf", "PropagatesStopTo"}},
		{PropagateRestart, []string{"RequiredBy", "BoundBy", "ConsistsOf"}},
		{PropagateReload, []string{"PropagatesReloadTo"}},
		{PropagateStartFailure, []string{"RequiredBy", "BoundBy", "RequisiteOf"}},
		{RetroactiveStartReplace, []string{"Requires", "BindsTo"}},
		{RetroactiveStartFail, []string{"Wants"}},
		{RetroactiveStopOnStart, []string{"Conflicts", "ConflictedBy"}},
		{RetroactiveStopOnStop, []string{"BoundBy", "PropagatesStopTo"}},
		{StartSteadily, []string{"Upholds"}},
		{StartedSteadilyBy, []string{"UpheldBy"}},
		{PinsStopWhenUnneeded, []string{"Requires", "BindsTo", "Requisite", "Wants", "Upholds"}},
		{Needs, []string{"RequiredBy", "BoundBy", "RequisiteOf", "WantedBy", "UpheldBy"}},
		{StopOnTriggering, []string{"TriggeredBy"}},
	} {
		if got := Kinds(tc.atom); !reflect.DeepEqual(got, tc.kinds) {
			t.Errorf("atom %b: kinds %v, want %v", tc.atom, got, tc.kinds)
		}
	}
}

func TestReachedDeduplicates(t *testing.T) {
	g := &fakeGraph{deps: map[string]map[string][]string{"a": {"Requires": {"b", "c"}, "BindsTo": {"b"}, "Wants": {"d"}}}}
	if got := Reached(g, "a", PullInStart); !reflect.DeepEqual(got, []string{"b", "c"}) {
		t.Fatalf("Reached %v", got)
	}
}

type fakeGraph struct {
	deps map[string]map[string][]string
}

func (g *fakeGraph) Deps(u, kind string) []string { return g.deps[u][kind] }
func (g *fakeGraph) Loadable(string) error        { return nil }
func (g *fakeGraph) Active(string) bool           { return false }
func (g *fakeGraph) Up(string) bool               { return false }
func (g *fakeGraph) CanReload(string) bool        { return false }
