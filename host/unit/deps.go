package unit

// DepKind is a kind of dependency, named as the directive (or, for the reverse kinds, the property).
type DepKind string

// Dependency kinds a unit file can declare.
const (
	Requires             DepKind = "Requires"
	Requisite            DepKind = "Requisite"
	Wants                DepKind = "Wants"
	BindsTo              DepKind = "BindsTo"
	PartOf               DepKind = "PartOf"
	Upholds              DepKind = "Upholds"
	Conflicts            DepKind = "Conflicts"
	Before               DepKind = "Before"
	After                DepKind = "After"
	OnFailure            DepKind = "OnFailure"
	OnSuccess            DepKind = "OnSuccess"
	PropagatesReloadTo   DepKind = "PropagatesReloadTo"
	ReloadPropagatedFrom DepKind = "ReloadPropagatedFrom"
	PropagatesStopTo     DepKind = "PropagatesStopTo"
	StopPropagatedFrom   DepKind = "StopPropagatedFrom"
	JoinsNamespaceOf     DepKind = "JoinsNamespaceOf"
	Triggers             DepKind = "Triggers"
	TriggeredBy          DepKind = "TriggeredBy"
)

// Reverse names the kind the other end of a dependency gets (systemd's unit_dependency_table): a.Requires(b)
// means b.RequiredBy(a).
var Reverse = map[DepKind]DepKind{
	Requires:             "RequiredBy",
	Requisite:            "RequisiteOf",
	Wants:                "WantedBy",
	BindsTo:              "BoundBy",
	PartOf:               "ConsistsOf",
	Upholds:              "UpheldBy",
	Conflicts:            "ConflictedBy",
	"ConflictedBy":       Conflicts,
	Before:               After,
	After:                Before,
	OnFailure:            "OnFailureOf",
	OnSuccess:            "OnSuccessOf",
	PropagatesReloadTo:   ReloadPropagatedFrom,
	ReloadPropagatedFrom: PropagatesReloadTo,
	PropagatesStopTo:     StopPropagatedFrom,
	StopPropagatedFrom:   PropagatesStopTo,
	JoinsNamespaceOf:     JoinsNamespaceOf,
	Triggers:             TriggeredBy,
	TriggeredBy:          Triggers,
}

// unitDeps are the [Unit] directives that name other units.
var unitDeps = []DepKind{Requires, Requisite, Wants, BindsTo, PartOf, Upholds, Conflicts, Before, After, OnFailure,
	OnSuccess, PropagatesReloadTo, ReloadPropagatedFrom, PropagatesStopTo, StopPropagatedFrom, JoinsNamespaceOf}
