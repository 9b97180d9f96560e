package control

import (
	"strconv"
	"strings"
)

// Results, systemd's names for the Result= property, shared by every type whose units run processes.
const (
	Success   = "success"
	Resources = "resources"
	Timeout   = "timeout"
	ExitCode  = "exit-code"
	Signal    = "signal"
	CoreDump  = "core-dump"
)

// State is the part of a unit's state the kit keeps: the sub-state, the result, and where the unit is in its
// control commands. A plugin embeds it in its own state; the zero value is a unit that never started, with no
// command running.
type State struct {
	Sub    string
	Result string // the first failure since the start; success (or "") while none

	// Phase is the command list being run ("start-pre", "stop", …; "" when none runs) and Index the command in
	// it; together they are the running command's spawn id (see ID).
	Phase string `json:",omitempty"`
	Index int    `json:",omitempty"`
}

// Record keeps the first failure since the start: a later success or failure does not hide it.
func (s *State) Record(res string) {
	if res != Success && (s.Result == "" || s.Result == Success) {
		s.Result = res
	}
}

// Failed reports whether a failure was recorded.
func (s *State) Failed() bool { return s.Result != "" && s.Result != Success }

// ResultName is the result as systemd shows it: success while no failure was recorded.
func (s *State) ResultName() string {
	if s.Result == "" {
		return Success
	}
	return s.Result
}

// ID is the spawn id of command i of phase, "start-pre/0": the host hands it back with the process's Spawned,
// SpawnFailed and ChildExited events.
func ID(phase string, i int) string { return phase + "/" + strconv.Itoa(i) }

// ParseID splits a spawn id made by ID; ok is false for any other id.
func ParseID(id string) (phase string, i int, ok bool) {
	phase, idx, found := strings.Cut(id, "/")
	n, err := strconv.Atoi(idx)
	if !found || err != nil || n < 0 {
		return "", 0, false
	}
	return phase, n, true
}
