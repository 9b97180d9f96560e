package timer

import "github.com/sysmaster/sysmaster/sdk"

// Sub-states, systemd's names (man systemd.timer, `systemctl --state=help`).
const (
	subDead    = "dead"
	subWaiting = "waiting"
	subRunning = "running"
	subElapsed = "elapsed"
	subFailed  = "failed"
)

// activeOf maps a sub-state to the generic active state, as systemd's state table does.
var activeOf = map[string]sdk.ActiveState{
	subDead: sdk.Inactive, subWaiting: sdk.Active, subRunning: sdk.Active, subElapsed: sdk.Active, subFailed: sdk.Failed,
}

// Results, systemd's names for the Result= property.
const (
	resSuccess   = "success"
	resResources = "resources"
)

// Timer ids: one monotonic and one realtime timer per unit, as systemd's two event sources.
const (
	timerMonotonic = "monotonic"
	timerRealtime  = "realtime"
)

// State is what the plugin keeps about one timer between events; the host stores it. Times are µs, realtime
// (CLOCK_REALTIME since the epoch) or monotonic (CLOCK_MONOTONIC); 0 means never.
type State struct {
	Sub    string `json:",omitempty"`
	Result string `json:",omitempty"`
	// LastReal and LastMono are when the timer last triggered its unit (from the stamp file, for LastReal,
	// with Persistent=).
	LastReal uint64 `json:",omitempty"`
	LastMono uint64 `json:",omitempty"`
	// NextReal and NextMono are the armed elapses (after the random delay, before coalescing).
	NextReal uint64 `json:",omitempty"`
	NextMono uint64 `json:",omitempty"`
	// ActivatedMono is when the timer last started (systemd's inactive exit timestamp), kept only when an
	// OnActiveSec= counts from it: a start without it leaves a state that does not depend on the time.
	ActivatedMono uint64 `json:",omitempty"`
	// UnitUp is the triggered unit's state as last reported; UnitUpMono and UnitDownMono are when this timer saw
	// it leave and enter inactive (OnUnitActiveSec='s and OnUnitInactiveSec='s bases).
	UnitUp       bool   `json:",omitempty"`
	UnitUpMono   uint64 `json:",omitempty"`
	UnitDownMono uint64 `json:",omitempty"`
	// Disabled are the indexes of values that elapsed once and are not to come again.
	Disabled []int `json:",omitempty"`
	// Watching: the host sends this unit TimeChanged events.
	Watching bool `json:",omitempty"`
}

func (s *State) disabled(i int) bool {
	for _, d := range s.Disabled {
		if d == i {
			return true
		}
	}
	return false
}

func (s *State) disable(i int) {
	if !s.disabled(i) {
		s.Disabled = append(s.Disabled, i)
	}
}

// enable re-enables the values of the bases given.
func (s *State) enable(values []Value, bases ...string) {
	kept := s.Disabled[:0]
	for _, d := range s.Disabled {
		keep := true
		for _, b := range bases {
			if d < len(values) && values[d].Base == b {
				keep = false
			}
		}
		if keep {
			kept = append(kept, d)
		}
	}
	s.Disabled = kept
	if len(s.Disabled) == 0 {
		s.Disabled = nil
	}
}
