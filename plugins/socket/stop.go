package socket

import "github.com/sysmaster/sysmaster/sdk/control"

func (m *machine) onStop() {
	if !m.c.Accept && m.s.ServiceStarting && m.s.Sub != "" && m.s.Sub != subDead && m.s.Sub != subFailed {
		// The service's start took the listeners this stop closes (and unlinks): left alone, it would come up
		// serving sockets no client can reach while a restarted socket listens on new ones nobody accepts on.
		// Its pending start is replaced by a stop, so that it is started again with the socket's next
		// listeners.
		m.u.Logf("Stopping %s, whose start was pending on this socket's listeners.", m.c.Service)
		m.u.EnqueueJob(m.c.Service, "stop", "replace")
		m.s.ServiceStarting = false
	}
	switch m.s.Sub {
	case "", subDead, subFailed:
		m.enter(orDead(m.s.Sub))
	case subStartPre, subStartChown, subStartPost:
		m.signal(subStopPreSigterm, resSuccess)
	case subListening, subRunning:
		m.stopPre(resSuccess)
	default:
		m.enter(m.s.Sub) // already on its way down
	}
}

// stopPre stops watching and runs ExecStopPre=; the listeners stay open until stop-post.
func (m *machine) stopPre(res string) {
	m.s.Record(res)
	m.unwatchAll()
	m.u.DisarmTimer(timerPollLimit)
	m.s.PollPaused = false
	m.armPhase()
	if m.run(phaseStopPre, 0, subStopPre) {
		return
	}
	m.stopPost(resSuccess)
}

// stopPost closes the listeners (the host removes their files with RemoveOnStop=) and runs ExecStopPost=.
func (m *machine) stopPost(res string) {
	m.s.Record(res)
	m.closeAll()
	m.armPhase()
	if m.run(phaseStopPost, 0, subStopPost) {
		return
	}
	m.signal(subFinalSigterm, resSuccess)
}

// signal enters one of the killing sub-states: what is left of the control process gets the signal KillMode=
// and the sub-state ask for, with TimeoutSec=; when nothing is left it goes straight on.
func (m *machine) signal(sub, res string) {
	m.s.Record(res)
	m.s.Phase = ""
	if !m.s.Control || !m.r.Signal(killStep(sub), m.c.TimeoutUSec) {
		m.afterSignal(sub, resSuccess)
		return
	}
	m.enter(sub)
}

// killStep is the kill step of a killing sub-state.
func killStep(sub string) control.Step {
	if sub == subStopPreSigkill || sub == subFinalSigkill {
		return control.Kill
	}
	return control.Term
}

// afterSignal is where a killing sub-state leads once the control process is gone (with res, how it ended).
func (m *machine) afterSignal(sub, res string) {
	switch sub {
	case subStopPreSigterm, subStopPreSigkill:
		m.stopPost(res)
	default:
		m.dead(res)
	}
}

// dead ends the socket: dead, or failed when a failure was recorded.
func (m *machine) dead(res string) {
	m.s.Record(res)
	m.s.Phase, m.s.PollPaused = "", false
	m.closeAll()
	m.u.DisarmTimer(timerPhase)
	m.u.DisarmTimer(timerPollLimit)
	if !m.s.Failed() {
		m.enter(subDead)
		return
	}
	m.enter(subFailed)
}
