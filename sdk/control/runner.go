package control

import (
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// DefaultTimer is the id of the timer that bounds a phase when Runner.Timer is empty.
const DefaultTimer = "timeout"

// Runner applies the kit's lifecycle machinery to the unit of one event. Every field but Timer and HasMain must
// be set; the Runner lives as long as the Handle call that made it.
type Runner struct {
	Unit  *sdk.Unit
	State *State
	// Commands returns the command list of a phase (nil for a phase the unit has no commands in).
	Commands func(phase string) []exec.Command
	Exec     *exec.ExecSettings
	Kill     *exec.KillSettings
	Cgroup   *sdk.CgroupSettings
	// Enter moves the unit to a sub-state and reports it (the plugin's own properties included).
	Enter func(sub string)

	// Timer is the id of the timer that bounds each phase and killing sub-state; DefaultTimer when empty.
	Timer string
	// HasMain says that the type's units have a main process (services): KillMode=process and mixed then
	// signal it as well as the control process.
	HasMain bool
}

func (r *Runner) timer() string {
	if r.Timer == "" {
		return DefaultTimer
	}
	return r.Timer
}

// ArmTimeout (re-)arms the phase timer to fire after usec µs; 0 means no timeout and disarms it.
func (r *Runner) ArmTimeout(usec uint64) {
	if usec == 0 {
		r.Unit.DisarmTimer(r.timer())
		return
	}
	r.Unit.ArmTimer(r.timer(), usec)
}

// DisarmTimeout disarms the phase timer.
func (r *Runner) DisarmTimeout() { r.Unit.DisarmTimer(r.timer()) }

// Process is how Run spawns a command beyond its command line.
type Process struct {
	Role sdk.Role // RoleControl when zero
	// Env is added to the command's environment, after INVOCATION_ID and the activation details (MAINPID=,
	// SERVICE_RESULT=, …).
	Env []string
	// Fds and FdNames are host fds the process gets from fd 3 on (LISTEN_FDS=).
	Fds, FdNames []string
	NotifySocket bool
}

// Run spawns command i of phase and points the state at it (Phase, Index). It returns false when the phase has
// no command i: the phase is over. A non-nil error means the command could not be prepared (an environment file
// is missing): nothing was spawned, no command runs, and the caller fails the phase with Resources.
func (r *Runner) Run(phase string, i int, p Process) (bool, error) {
	cmds := r.Commands(phase)
	if i < 0 || i >= len(cmds) {
		return false, nil
	}
	cmd := cmds[i]
	var env []string
	if id := r.Unit.Runtime.InvocationID; id != "" {
		env = append(env, "INVOCATION_ID="+id)
	}
	env = append(env, r.Unit.Runtime.ActivationEnv...)
	ec, argv, err := r.Exec.SpawnContext(cmd, append(env, p.Env...), r.Exec.NoCapabilities)
	if err != nil {
		r.State.Phase, r.State.Index = "", 0
		return true, err
	}
	role := p.Role
	if role == 0 {
		role = sdk.RoleControl
	}
	r.State.Phase, r.State.Index = phase, i
	r.Unit.Spawn(&sdk.Spawn{
		ID: ID(phase, i), Role: role, Path: cmd.Path, Argv: argv, Exec: ec, Cgroup: r.Cgroup,
		Fds: p.Fds, FdNames: p.FdNames, NotifySocket: p.NotifySocket,
	})
	return true, nil
}

// Done matches the end of a process (its ChildExited or SpawnFailed, by spawn id) against the running command.
// When it is that command, Done clears the running command and returns its phase, index and command line, for
// the caller to judge (Result) and go on: Run(phase, i+1, …), or the next phase when that returns false. A
// process of an earlier run (killed since) or of no phase gives ok false and changes nothing.
func (r *Runner) Done(id string) (phase string, i int, cmd exec.Command, ok bool) {
	phase, i, ok = ParseID(id)
	if !ok || phase != r.State.Phase || i != r.State.Index {
		return "", 0, exec.Command{}, false
	}
	cmds := r.Commands(phase)
	if i >= len(cmds) {
		return "", 0, exec.Command{}, false
	}
	r.State.Phase, r.State.Index = "", 0
	return phase, i, cmds[i], true
}

// Result is how a control command ended, as systemd judges one (EXIT_CLEAN_COMMAND): exit status 0 is
// success, anything else a failure (a command killed by SIGTERM failed too), unless its line has the "-"
// prefix, which makes any end a success.
func Result(cmd exec.Command, code sdk.ExitCode, status int32) string {
	res := Outcome(code, status)
	if cmd.IgnoreFailure {
		return Success
	}
	return res
}

// Outcome names how a process ended without any setting's say: success for exit status 0, else exit-code,
// signal or core-dump.
func Outcome(code sdk.ExitCode, status int32) string {
	switch {
	case code == sdk.Exited && status == 0:
		return Success
	case code == sdk.Exited:
		return ExitCode
	case code == sdk.Killed:
		return Signal
	}
	return CoreDump
}

// OnKill answers a Kill event (sctl kill): the signal goes to whom the event names, to every process of the
// unit when it names none.
func (r *Runner) OnKill(e *sdk.EventKill) {
	whom := e.Whom
	if whom == 0 {
		whom = sdk.WhomAll
	}
	r.Unit.Kill(whom, e.Signal)
}

// ResetFailed answers a ResetFailed event: a unit in the failed sub-state forgets its result and enters dead;
// in any other sub-state nothing happens. It reports whether the unit was reset.
func (r *Runner) ResetFailed(failed, dead string) bool {
	if r.State.Sub != failed {
		return false
	}
	r.State.Result = Success
	r.Enter(dead)
	return true
}
