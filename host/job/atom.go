package job

import "github.com/sysmaster/sysmaster/host/unit"

// Atom is a dependency's effect; the atoms and the kinds that have them are host/unit's dependency table. The
// names are repeated here (the same type and values) for the engine's code.
type Atom = unit.Atom

// The atoms, as in host/unit.
const (
	PullInStart             = unit.PullInStart
	PullInVerify            = unit.PullInVerify
	PullInStartIgnored      = unit.PullInStartIgnored
	PullInStop              = unit.PullInStop
	PropagateStop           = unit.PropagateStop
	PropagateRestart        = unit.PropagateRestart
	PropagateReload         = unit.PropagateReload
	PropagateStartFailure   = unit.PropagateStartFailure
	RetroactiveStartReplace = unit.RetroactiveStartReplace
	RetroactiveStartFail    = unit.RetroactiveStartFail
	RetroactiveStopOnStart  = unit.RetroactiveStopOnStart
	RetroactiveStopOnStop   = unit.RetroactiveStopOnStop
	StartSteadily           = unit.StartSteadily
	StartedSteadilyBy       = unit.StartedSteadilyBy
	PinsStopWhenUnneeded    = unit.PinsStopWhenUnneeded
	Needs                   = unit.Needs
	StopOnTriggering        = unit.StopOnTriggering
)

// Kinds returns the dependency kinds that have atom a, in a fixed order.
func Kinds(a Atom) []string {
	var out []string
	for _, k := range unit.KindsWith(a) {
		out = append(out, string(k))
	}
	return out
}

// Reached returns the units g says u reaches through atom a, each once, in the order of Kinds(a).
func Reached(g Graph, u string, a Atom) []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range unit.KindsWith(a) {
		for _, d := range g.Deps(u, string(k)) {
			if !seen[d] {
				seen[d] = true
				out = append(out, d)
			}
		}
	}
	return out
}
