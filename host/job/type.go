package job

import "fmt"

// Type is what a job does to its unit.
type Type int

// The job types. The first five merge with each other by systemd's table; Nop is a placeholder job; the last
// three collapse into one of the others once the unit's state is known.
const (
	Start Type = iota
	VerifyActive
	Stop
	Reload
	Restart
	Nop
	TryRestart
	TryReload
	ReloadOrStart
)

var typeNames = [...]string{"start", "verify-active", "stop", "reload", "restart", "nop", "try-restart", "try-reload", "reload-or-start"}

func (t Type) String() string {
	if t >= 0 && int(t) < len(typeNames) {
		return typeNames[t]
	}
	return fmt.Sprintf("job-type(%d)", int(t))
}

// MarshalText saves t by name (the checkpoint).
func (t Type) MarshalText() ([]byte, error) {
	if t < 0 || int(t) >= len(typeNames) {
		return nil, fmt.Errorf("job: no name for job type %d", int(t))
	}
	return []byte(typeNames[t]), nil
}

// UnmarshalText reads a name MarshalText wrote; an unknown one is an error.
func (t *Type) UnmarshalText(b []byte) error {
	for i, n := range typeNames {
		if n == string(b) {
			*t = Type(i)
			return nil
		}
	}
	return fmt.Errorf("job: unknown job type %q", b)
}

// ParseType accepts the names sctl and plugins use, including systemctl's verbs that alias job types.
func ParseType(s string) (Type, error) {
	switch s {
	case "reload-or-restart":
		// A restart: whether the unit can reload is known above the job engine, where D-Bus ReloadOrRestartUnit
		// and sctl reload-or-restart choose a reload first, as systemd's bus_unit_queue_job does.
		return Restart, nil
	case "isolate":
		return Start, nil
	}
	for i, n := range typeNames {
		if n == s {
			return Type(i), nil
		}
	}
	return 0, fmt.Errorf("job: unknown job type %q", s)
}

// mergeTable is systemd's job_merging_table: the type two jobs for one unit merge into, or -1 when they cannot
// merge (a stop and a start conflict). It covers the five merging types and is symmetric.
var mergeTable = [5][5]Type{
	/*               start          verify-active  stop  reload         restart */
	/* start */ {Start, Start, -1, ReloadOrStart, Restart},
	/* verify */ {Start, VerifyActive, -1, Reload, Restart},
	/* stop */ {-1, -1, Stop, -1, -1},
	/* reload */ {ReloadOrStart, Reload, -1, Reload, Restart},
	/* restart */ {Restart, Restart, -1, Restart, Restart},
}

// Merge returns the type a and b merge into, and false when they conflict. Nop merges into anything. Types that
// still need collapsing (try-*, reload-or-start) must be collapsed first.
func Merge(a, b Type) (Type, bool) {
	if a == Nop {
		return b, true
	}
	if b == Nop {
		return a, true
	}
	if a > Restart || b > Restart {
		if a == b {
			return a, true
		}
		return -1, false
	}
	t := mergeTable[a][b]
	return t, t >= 0
}

// IsSuperset reports whether a job of type a does everything one of type b would (systemd's
// job_type_is_superset): then b merged into a installed a is a no-op.
func IsSuperset(a, b Type) bool {
	m, ok := Merge(a, b)
	return ok && m == a
}

// Conflicting reports whether a and b cannot merge.
func Conflicting(a, b Type) bool {
	_, ok := Merge(a, b)
	return !ok
}

// Collapse turns the conditional types into what they mean for a unit that is (or is not) active: try-restart
// of an inactive unit is a nop, reload-or-start of an active unit a reload, and so on. canReload says whether
// the unit supports reload at all.
func Collapse(t Type, active, canReload bool) Type {
	switch t {
	case TryRestart:
		if active {
			return Restart
		}
		return Nop
	case TryReload:
		if active {
			return Reload
		}
		return Nop
	case ReloadOrStart:
		if active {
			return Reload
		}
		return Start
	}
	return t
}

// isStopLike: stop jobs run in reverse order (see Runnable).
func (t Type) isStopLike() bool { return t == Stop }
