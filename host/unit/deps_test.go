package unit

import (
	"slices"
	"testing"
)

// The table is consistent: every kind's reverse names it back, the show order is systemctl's, and the [Unit]
// directives are man systemd.unit's.
func TestDepTable(t *testing.T) {
	show := []DepKind{"Requires", "Requisite", "Wants", "BindsTo", "PartOf", "Upholds",
		"RequiredBy", "RequisiteOf", "WantedBy", "BoundBy", "UpheldBy", "ConsistsOf",
		"Conflicts", "ConflictedBy", "Before", "After", "OnSuccess", "OnSuccessOf", "OnFailure", "OnFailureOf",
		"Triggers", "TriggeredBy", "PropagatesReloadTo", "ReloadPropagatedFrom",
		"PropagatesStopTo", "StopPropagatedFrom", "JoinsNamespaceOf"}
	if !slices.Equal(DepKinds(), show) {
		t.Errorf("show order %v", DepKinds())
	}
	var directives []DepKind
	for _, k := range DepKinds() {
		r, ok := k.Reverse()
		if back, _ := r.Reverse(); !ok || back != k {
			t.Errorf("%s reverses to %s, which reverses to %s", k, r, back)
		}
		if isDirective(string(k)) {
			directives = append(directives, k)
		}
	}
	want := []DepKind{Requires, Requisite, Wants, BindsTo, PartOf, Upholds, Conflicts, Before, After, OnSuccess,
		OnFailure, PropagatesReloadTo, ReloadPropagatedFrom, PropagatesStopTo, StopPropagatedFrom, JoinsNamespaceOf}
	if !slices.Equal(directives, want) {
		t.Errorf("directives %v", directives)
	}
	if _, ok := DepKind("Nonsense").Reverse(); ok || DepKind("Nonsense").Atoms() != 0 {
		t.Error("a kind the table lacks has a row")
	}
	for _, r := range deps {
		if (r.atoms == 0) != (r.visit == 0) {
			t.Errorf("%s: atoms %b but visit rank %d", r.kind, r.atoms, r.visit)
		}
	}
}
