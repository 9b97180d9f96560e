package job

import "fmt"

// State is whether a job waits for its turn or runs.
type State int

const (
	Waiting State = iota
	Running
)

func (s State) String() string {
	if s == Running {
		return "running"
	}
	return "waiting"
}

// MarshalText saves s by name (the checkpoint).
func (s State) MarshalText() ([]byte, error) {
	if s != Waiting && s != Running {
		return nil, fmt.Errorf("job: no name for job state %d", int(s))
	}
	return []byte(s.String()), nil
}

// UnmarshalText reads a name MarshalText wrote; an unknown one is an error.
func (s *State) UnmarshalText(b []byte) error {
	switch string(b) {
	case "waiting":
		*s = Waiting
	case "running":
		*s = Running
	default:
		return fmt.Errorf("job: unknown job state %q", b)
	}
	return nil
}

// Result is how a job ended.
type Result string

const (
	Done       Result = "done"
	Canceled   Result = "canceled"
	Timeout    Result = "timeout"
	Failed     Result = "failed"
	Dependency Result = "dependency"
	Skipped    Result = "skipped"
)

// Job is one installed job: at most one per unit.
type Job struct {
	ID    uint64
	Unit  string
	Type  Type
	State State
	// Irreversible jobs (replace-irreversibly, shutdown) cannot be replaced by a later transaction.
	Irreversible bool
	// IgnoreOrder jobs run regardless of ordering (ignore-dependencies mode).
	IgnoreOrder bool
	// Restarting is set while the stop half of a restart runs.
	Restarting bool
	// Env are the activation details a triggering unit gave the job (KEY=VALUE); a start hands them to the unit.
	Env []string
	// Noop is set when the job ended without running because its unit already was in the state asked for;
	// nothing is announced for it.
	Noop bool

	done []func(Result)
}

// OnDone registers f to be called once with the job's result. Callbacks run on the manager's loop.
func (j *Job) OnDone(f func(Result)) { j.done = append(j.done, f) }

func (j *Job) finish(r Result) {
	for _, f := range j.done {
		f(r)
	}
	j.done = nil
}
