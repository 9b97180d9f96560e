package job

// Atom is one effect a dependency has (systemd's UNIT_ATOM_*). Each dependency kind is a set of atoms; the
// transaction and the manager ask "which units does u reach through atom A" instead of listing directives, so
// that a kind's meaning is written once, here.
type Atom uint32

const (
	// PullInStart: a start of u starts it too, and fails if that cannot be (Requires=, BindsTo=).
	PullInStart Atom = 1 << iota
	// PullInVerify: a start of u needs it active already (Requisite=).
	PullInVerify
	// PullInStartIgnored: a start of u starts it too; its failure is ignored (Wants=, Upholds=).
	PullInStartIgnored
	// PullInStop: a start of u stops it (Conflicts=, both ways).
	PullInStop
	// PropagateStop: a stop of u stops it (RequiredBy, BoundBy, ConsistsOf, PropagatesStopTo=).
	PropagateStop
	// PropagateRestart: a restart of u try-restarts it (RequiredBy, BoundBy, ConsistsOf).
	PropagateRestart
	// PropagateReload: a reload of u try-reloads it (PropagatesReloadTo=).
	PropagateReload
	// PropagateStartFailure: a failed start of u fails its pending start with result dependency (RequiredBy,
	// BoundBy, RequisiteOf).
	PropagateStartFailure
	// RetroactiveStartReplace: u becoming active without a job starts it (Requires=, BindsTo=).
	RetroactiveStartReplace
	// RetroactiveStartFail: likewise, in mode fail (Wants=).
	RetroactiveStartFail
	// RetroactiveStopOnStart: u becoming active without a job stops it (Conflicts=, both ways).
	RetroactiveStopOnStart
	// RetroactiveStopOnStop: u going down without a job stops it (BoundBy: what is bound to u).
	RetroactiveStopOnStop
	// StartSteadily: while u is active, it is started again whenever it goes down unasked (Upholds=).
	StartSteadily
	// StartedSteadilyBy: u is started again when it goes down unasked while it is active (UpheldBy).
	StartedSteadilyBy
	// PinsStopWhenUnneeded: u going down may leave it unneeded (Requires=, Requisite=, Wants=, BindsTo=,
	// Upholds=): it is checked for StopWhenUnneeded=.
	PinsStopWhenUnneeded
	// Needs: it needs u, so that u is not unneeded while it is up or has a job (the reverse kinds of the above).
	Needs
	// StopOnTriggering: a start in mode triggering stops it (TriggeredBy).
	StopOnTriggering
)

// atoms is the table: every kind a unit can have, forward (from its file) and reverse (derived), and its effects.
var atoms = map[string]Atom{
	"Requires":           PullInStart | RetroactiveStartReplace | PinsStopWhenUnneeded,
	"BindsTo":            PullInStart | RetroactiveStartReplace | PinsStopWhenUnneeded,
	"Requisite":          PullInVerify | PinsStopWhenUnneeded,
	"Wants":              PullInStartIgnored | RetroactiveStartFail | PinsStopWhenUnneeded,
	"Upholds":            PullInStartIgnored | StartSteadily | PinsStopWhenUnneeded,
	"Conflicts":          PullInStop | RetroactiveStopOnStart,
	"ConflictedBy":       PullInStop | RetroactiveStopOnStart,
	"RequiredBy":         PropagateStop | PropagateRestart | PropagateStartFailure | Needs,
	"BoundBy":            PropagateStop | PropagateRestart | PropagateStartFailure | RetroactiveStopOnStop | Needs,
	"ConsistsOf":         PropagateStop | PropagateRestart,
	"PropagatesStopTo":   PropagateStop | RetroactiveStopOnStop,
	"RequisiteOf":        PropagateStartFailure | Needs,
	"WantedBy":           Needs,
	"UpheldBy":           Needs | StartedSteadilyBy,
	"PropagatesReloadTo": PropagateReload,
	"TriggeredBy":        StopOnTriggering,
}

// kindOrder fixes the order in which kinds are visited, so that transactions are deterministic.
var kindOrder = []string{"Requires", "BindsTo", "Requisite", "Wants", "Upholds", "Conflicts", "ConflictedBy",
	"RequiredBy", "BoundBy", "ConsistsOf", "PropagatesStopTo", "RequisiteOf", "WantedBy", "UpheldBy",
	"PropagatesReloadTo", "TriggeredBy"}

// kindsOf caches, per atom, the kinds that have it.
var kindsOf = func() map[Atom][]string {
	m := map[Atom][]string{}
	for a := Atom(1); a != 0 && a <= StopOnTriggering; a <<= 1 {
		for _, k := range kindOrder {
			if atoms[k]&a != 0 {
				m[a] = append(m[a], k)
			}
		}
	}
	return m
}()

// Kinds returns the dependency kinds that have atom a, in a fixed order.
func Kinds(a Atom) []string { return kindsOf[a] }

// Reached returns the units g says u reaches through atom a, each once, in the order of Kinds(a).
func Reached(g Graph, u string, a Atom) []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range kindsOf[a] {
		for _, d := range g.Deps(u, k) {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	return out
}
