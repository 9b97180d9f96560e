package unit

// DepKind is a kind of dependency, named as the directive (or, for the reverse kinds, the property).
type DepKind string

// Dependency kinds a unit file can declare, and the reverse kinds the other end gets.
const (
	Requires             DepKind = "Requires"
	Requisite            DepKind = "Requisite"
	Wants                DepKind = "Wants"
	BindsTo              DepKind = "BindsTo"
	PartOf               DepKind = "PartOf"
	Upholds              DepKind = "Upholds"
	RequiredBy           DepKind = "RequiredBy"
	RequisiteOf          DepKind = "RequisiteOf"
	WantedBy             DepKind = "WantedBy"
	BoundBy              DepKind = "BoundBy"
	UpheldBy             DepKind = "UpheldBy"
	ConsistsOf           DepKind = "ConsistsOf"
	Conflicts            DepKind = "Conflicts"
	ConflictedBy         DepKind = "ConflictedBy"
	Before               DepKind = "Before"
	After                DepKind = "After"
	OnSuccess            DepKind = "OnSuccess"
	OnSuccessOf          DepKind = "OnSuccessOf"
	OnFailure            DepKind = "OnFailure"
	OnFailureOf          DepKind = "OnFailureOf"
	Triggers             DepKind = "Triggers"
	TriggeredBy          DepKind = "TriggeredBy"
	PropagatesReloadTo   DepKind = "PropagatesReloadTo"
	ReloadPropagatedFrom DepKind = "ReloadPropagatedFrom"
	PropagatesStopTo     DepKind = "PropagatesStopTo"
	StopPropagatedFrom   DepKind = "StopPropagatedFrom"
	JoinsNamespaceOf     DepKind = "JoinsNamespaceOf"
)

// depRow is what the core knows of one kind.
type depRow struct {
	kind DepKind
	// reverse is the kind the other end gets (systemd's unit_dependency_table): a.Requires(b) means
	// b.RequiredBy(a).
	reverse DepKind
	// directive: a [Unit] directive of this name lists units.
	directive bool
	atoms     Atom
	// visit ranks the kinds with atoms in the order the job engine walks them, which keeps transactions
	// deterministic (and as they were before this table).
	visit int
}

// deps is the dependency table, one row per kind, in systemctl show's order of the properties.
var deps = [...]depRow{
	{Requires, RequiredBy, true, PullInStart | RetroactiveStartReplace | PinsStopWhenUnneeded, 1},
	{Requisite, RequisiteOf, true, PullInVerify | PinsStopWhenUnneeded, 3},
	{Wants, WantedBy, true, PullInStartIgnored | RetroactiveStartFail | PinsStopWhenUnneeded, 4},
	{BindsTo, BoundBy, true, PullInStart | RetroactiveStartReplace | PinsStopWhenUnneeded, 2},
	{PartOf, ConsistsOf, true, 0, 0},
	{Upholds, UpheldBy, true, PullInStartIgnored | StartSteadily | PinsStopWhenUnneeded, 5},
	{RequiredBy, Requires, false, PropagateStop | PropagateRestart | PropagateStartFailure | Needs, 8},
	{RequisiteOf, Requisite, false, PropagateStartFailure | Needs, 12},
	{WantedBy, Wants, false, Needs, 13},
	{BoundBy, BindsTo, false, PropagateStop | PropagateRestart | PropagateStartFailure | RetroactiveStopOnStop | Needs, 9},
	{UpheldBy, Upholds, false, Needs | StartedSteadilyBy, 14},
	{ConsistsOf, PartOf, false, PropagateStop | PropagateRestart, 10},
	{Conflicts, ConflictedBy, true, PullInStop | RetroactiveStopOnStart, 6},
	{ConflictedBy, Conflicts, false, PullInStop | RetroactiveStopOnStart, 7},
	{Before, After, true, 0, 0},
	{After, Before, true, 0, 0},
	{OnSuccess, OnSuccessOf, true, 0, 0},
	{OnSuccessOf, OnSuccess, false, 0, 0},
	{OnFailure, OnFailureOf, true, 0, 0},
	{OnFailureOf, OnFailure, false, 0, 0},
	{Triggers, TriggeredBy, false, 0, 0},
	{TriggeredBy, Triggers, false, StopOnTriggering, 16},
	{PropagatesReloadTo, ReloadPropagatedFrom, true, PropagateReload, 15},
	{ReloadPropagatedFrom, PropagatesReloadTo, true, 0, 0},
	{PropagatesStopTo, StopPropagatedFrom, true, PropagateStop | RetroactiveStopOnStop, 11},
	{StopPropagatedFrom, PropagatesStopTo, true, 0, 0},
	{JoinsNamespaceOf, JoinsNamespaceOf, true, 0, 0},
}

var (
	depIndex = func() map[DepKind]int {
		m := make(map[DepKind]int, len(deps))
		for i, r := range deps {
			m[r.kind] = i
		}
		return m
	}()
	allKinds = func() []DepKind {
		out := make([]DepKind, len(deps))
		for i, r := range deps {
			out[i] = r.kind
		}
		return out
	}()
	// kindsWith caches, per atom, the kinds that have it in the engine's visiting order.
	kindsWith = func() map[Atom][]DepKind {
		byVisit := map[int]DepKind{}
		for _, r := range deps {
			if r.atoms != 0 {
				byVisit[r.visit] = r.kind
			}
		}
		m := map[Atom][]DepKind{}
		for a := Atom(1); a != 0 && a <= lastAtom; a <<= 1 {
			for v := 1; v <= len(byVisit); v++ {
				if k := byVisit[v]; deps[depIndex[k]].atoms&a != 0 {
					m[a] = append(m[a], k)
				}
			}
		}
		return m
	}()
)

// DepKinds returns every kind, in systemctl show's order. The caller must not change the slice.
func DepKinds() []DepKind { return allKinds }

// Reverse returns the kind the other end of a dependency of kind k gets, and false for a kind the table lacks.
func (k DepKind) Reverse() (DepKind, bool) {
	i, ok := depIndex[k]
	if !ok {
		return "", false
	}
	return deps[i].reverse, true
}

// Atoms returns the effects of kind k.
func (k DepKind) Atoms() Atom {
	if i, ok := depIndex[k]; ok {
		return deps[i].atoms
	}
	return 0
}

// KindsWith returns the kinds that have atom a, in a fixed order. The caller must not change the slice.
func KindsWith(a Atom) []DepKind { return kindsWith[a] }

// isDirective reports whether a [Unit] directive named k lists units.
func isDirective(k string) bool {
	i, ok := depIndex[DepKind(k)]
	return ok && deps[i].directive
}
