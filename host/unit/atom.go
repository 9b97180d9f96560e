package unit

// Atom is one effect a dependency has (systemd's UNIT_ATOM_*). Each dependency kind is a set of atoms (its row in
// the dependency table, deps.go); the job engine and the manager ask "which units does u reach through atom A"
// instead of listing directives, so that a kind's meaning is written once.
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

	lastAtom = StopOnTriggering
)
