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
// words for each case, those of a final escalation (after which the unit fails) when final is set; when it
// returns false the caller records Timeout and moves on as if the processes were gone.
func (r *Runner) Escalate(sub string, step Step, final bool) bool {
	switch {
	case step == Kill && final:
		r.Unit.Logf("Processes still around after final SIGKILL. Entering failed mode.")
		return false
	case step == Kill:
		r.Unit.Logf("Processes still around after SIGKILL. Ignoring.")
		return false
	case r.Kill.SendSIGKILL:
		r.Unit.Logf("State '%s' timed out. Killing.", sub)
		return true
	case final:
		r.Unit.Logf("State '%s' timed out. Skipping SIGKILL. Entering failed mode.", sub)
		return false
	}
	r.Unit.Logf("State '%s' timed out. Skipping SIGKILL.", sub)
	return false
}

// Escalation is one stop's pair of killing sub-states, as man systemd.kill describes a stop: Term is entered
// with KillSignal=; when its timeout passes, Kill is entered with FinalKillSignal= (SendSIGKILL=yes); when that
// one's passes too, or Term's with SendSIGKILL=no, the processes are given up on. A type has one for each
// point where it kills ("stop-sigterm"/"stop-sigkill" and "final-sigterm"/"final-sigkill" for a service,
// "unmounting-sigterm"/"unmounting-sigkill" for a mount).
type Escalation struct {
	Term, Kill string
	// Final marks the unit's last escalation, after which it fails (final-sigterm, final-sigkill): the log
	// says so.
	Final bool
	// Timeout bounds each of the two sub-states, in µs (TimeoutStopSec=, TimeoutSec=); 0 waits for ever.
	Timeout uint64
}

// Begin signals what is left of the unit with step (Term, RestartTerm or Abort) and enters e.Term. With
// KillMode=none it does nothing and returns false: the caller goes on at once.
func (r *Runner) Begin(e Escalation, step Step) bool {
	if !r.Signal(step, e.Timeout) {
		return false
	}
	r.Enter(e.Term)
	return true
}

// TimedOut is the phase timer firing in sub-state sub; it records Timeout. In e.Term it goes on to e.Kill
// (SIGKILL, entered) when SendSIGKILL= allows, and returns false; in e.Kill, or in e.Term with SendSIGKILL=no,
// the escalation is over: it returns true and the caller moves on as if the processes were gone. In any other
// sub-state it does nothing and returns false.
func (r *Runner) TimedOut(e Escalation, sub string) bool {
	var step Step
	switch sub {
	case e.Term:
		step = Term
	case e.Kill:
		step = Kill
	default:
		return false
	}
	r.State.Record(Timeout)
	if r.Escalate(sub, step, e.Final) {
		r.State.Phase = ""
		r.Signal(Kill, e.Timeout)
		r.Enter(e.Kill)
		return false
	}
	return true
}
