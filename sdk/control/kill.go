package control

import "github.com/sysmaster/sysmaster/sdk"

// Step is one step of a kill escalation: which of man systemd.kill's signals a killing sub-state sends.
type Step int

// Kill steps.
const (
	// Term sends KillSignal= (SIGTERM): stop-sigterm, final-sigterm, mounting-sigterm, ….
	Term Step = iota
	// RestartTerm sends RestartKillSignal= when it is set, else KillSignal=: the stop half of a restart.
	RestartTerm
	// Abort sends WatchdogSignal= (SIGABRT): a service's stop-watchdog.
	Abort
	// Kill sends FinalKillSignal= (SIGKILL) to every process of the unit, whatever KillMode= says:
	// stop-sigkill, final-sigkill, ….
	Kill
)

// Signal sends step's signal to what is left of the unit as KillMode= says, and arms the phase timer with
// timeout µs (0: none). With KillMode=none nothing is signalled, no timer is armed and Signal returns false:
// the caller goes on at once, as systemd does (the processes stay). Otherwise the caller enters the killing
// sub-state and waits for the processes' exits, or the timeout (see Escalate).
//
// KillMode=control-group signals the whole cgroup (with SIGHUP after the first signal when SendSIGHUP=yes);
// process signals the main and control processes only; mixed does that for every step but Kill, which goes to
// the whole cgroup.
func (r *Runner) Signal(step Step, timeout uint64) bool {
	k := r.Kill
	if k.KillMode == "none" {
		return false
	}
	sig, all := k.KillSignal, step == Kill
	switch step {
	case RestartTerm:
		if k.RestartKillSignal != 0 {
			sig = k.RestartKillSignal
		}
	case Abort:
		sig = k.WatchdogSignal
	case Kill:
		sig = k.FinalKillSignal
	}
	if sig != 0 {
		switch mode := k.KillMode; {
		case mode == "process" || mode == "mixed" && !all:
			if r.HasMain {
				r.Unit.Kill(sdk.WhomMain, sig)
			}
			r.Unit.Kill(sdk.WhomControl, sig)
		default:
			r.Unit.KillWith(&sdk.KillAction{Whom: sdk.WhomAll, Signal: sig, AlsoSighup: k.SendSIGHUP && !all})
		}
	}
	r.ArmTimeout(timeout)
	return true
}

// Escalate is the timeout of killing sub-state sub, which sent step. After a Term, RestartTerm or Abort it
// reports true when SendSIGKILL= allows the Kill step that comes next (the caller signals Kill and enters its
// SIGKILL sub-state), and false when the escalation ends here; after Kill it is always over. It logs systemd's
// words for each case; when it returns false the caller records Timeout and moves on as if the processes were
// gone.
func (r *Runner) Escalate(sub string, step Step) bool {
	switch {
	case step == Kill:
		r.Unit.Logf("Processes still around after SIGKILL. Ignoring.")
		return false
	case r.Kill.SendSIGKILL:
		r.Unit.Logf("State '%s' timed out. Killing.", sub)
		return true
	}
	r.Unit.Logf("State '%s' timed out. Skipping SIGKILL.", sub)
	return false
}
