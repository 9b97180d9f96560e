package service

import "github.com/sysmaster/sysmaster/sdk/control"

func (m *machine) onStop() {
	switch m.s.Sub {
	case "", subDead, subFailed:
		m.enter(orDead(m.s.Sub))
	case subAutoRestart:
		m.u.DisarmTimer(timerRestart)
		m.enter(subDead)
	case subCondition, subStartPre, subStart, subStartPost:
		m.s.Stopping = true
		m.signal(subStopSigterm, resSuccess)
	case subRunning, subExited, subReload, subReloadSignal, subReloadNotify:
		m.s.Stopping = true
		m.stop(resSuccess)
	default:
		m.s.Stopping = true // already on its way down
	}
}

// stop runs ExecStop=, then signals what is left.
func (m *machine) stop(res string) {
	m.s.Record(res)
	m.u.DisarmTimer(timerWatchdog)
	m.armPhase(m.c.TimeoutStopUSec)
	if m.run(phaseStop, 0, subStop) {
		return
	}
	m.signal(subStopSigterm, resSuccess)
}

// killStep is the kill step a killing sub-state takes: SIGKILL for the sigkill states, the watchdog signal for
// stop-watchdog, else SIGTERM (RestartKillSignal= for the stop half of a restart).
func (m *machine) killStep(sub string) control.Step {
	switch sub {
	case subStopWatchdog:
		return control.Abort
	case subStopSigkill, subFinalSigkill:
		return control.Kill
	}
	if m.s.RestartQueued {
		return control.RestartTerm
	}
	return control.Term
}

// signal enters one of the killing sub-states: what is left of the service gets the signal KillMode= and the
// sub-state ask for, with a timeout; when nothing is left (or KillMode=none signals nothing) it goes straight
// on.
func (m *machine) signal(sub, res string) {
	m.s.Record(res)
	m.s.Phase = ""
	timeout := m.c.TimeoutStopUSec
	if sub == subStopWatchdog {
		timeout = m.c.TimeoutAbortUSec
	}
	if m.gone(sub) || !m.r.Signal(m.killStep(sub), timeout) {
		m.afterSignal(sub)
		return
	}
	m.enter(sub)
}

// afterSignal is where a killing sub-state leads once nothing is left (or its timeout passed).
func (m *machine) afterSignal(sub string) {
	switch sub {
	case subStopWatchdog, subStopSigterm, subStopSigkill:
		m.stopPost()
	case subFinalSigterm:
		// KillMode=mixed: the main process is gone; what remains of the cgroup gets SIGKILL now, as systemd
		// does when final-sigterm has nothing to wait for.
		if m.c.KillMode == "mixed" && !m.s.CgroupEmpty && m.c.SendSIGKILL {
			m.signal(subFinalSigkill, resSuccess)
			return
		}
		m.dead()
	default:
		m.dead()
	}
}

// gone reports whether nothing of the service runs any more, as far as KillMode= cares.
func (m *machine) gone(sub string) bool {
	if m.rt.MainPid > 0 && !m.s.MainExited || m.rt.ControlPid > 0 || m.s.Phase != "" {
		return false
	}
	switch m.c.KillMode {
	case "control-group", "":
		return m.s.CgroupEmpty
	case "mixed":
		// Only the SIGKILL states signal the whole cgroup and wait for it; before them the main process is
		// all there is to wait for, and the rest gets SIGKILL in final-sigkill (see afterSignal).
		if sub == subStopSigkill || sub == subFinalSigkill {
			return m.s.CgroupEmpty
		}
	}
	return true
}

// maybeGone moves a killing sub-state on when the last process ended.
func (m *machine) maybeGone() {
	switch m.s.Sub {
	case subStopWatchdog, subStopSigterm, subStopSigkill, subFinalSigterm, subFinalSigkill:
		if m.gone(m.s.Sub) {
			m.afterSignal(m.s.Sub)
		}
	}
}

func (m *machine) onCgroupEmpty() {
	m.s.CgroupEmpty = true
	switch m.s.Sub {
	case subRunning:
		if m.s.MainExited || m.rt.MainPid == 0 {
			m.running()
		}
	default:
		m.maybeGone()
	}
}

func (m *machine) stopPost() {
	m.armPhase(m.c.TimeoutStopUSec)
	if m.run(phaseStopPost, 0, subStopPost) {
		return
	}
	m.signal(subFinalSigterm, resSuccess)
}

// dead ends the service: failed or dead, and, when Restart= says so, auto-restart after RestartSec=.
func (m *machine) dead() {
	m.s.Phase = ""
	m.r.DisarmTimeout()
	m.u.DisarmTimer(timerWatchdog)
	sub := subDead
	if m.s.Failed() {
		sub = subFailed
	}
	restart := m.shouldRestart()
	m.enter(sub)
	if restart {
		m.u.ArmTimer(timerRestart, max(m.restartDelay(), 1))
		m.enter(subAutoRestart)
	}
}
