package socket

import "github.com/sysmaster/sysmaster/sdk/control"

func (m *machine) onTimer(id string) {
	switch id {
	case timerPollLimit:
		m.s.PollPaused = false
		if m.s.Sub == subListening {
			m.watchAll()
		}
	case timerPhase:
		m.phaseTimeout()
	}
}

// phaseTimeout is TimeoutSec= running out in the current sub-state (socket_dispatch_timer).
func (m *machine) phaseTimeout() {
	switch sub := m.s.Sub; sub {
	case subStartPre:
		m.u.Logf("Starting timed out. Terminating.")
		m.signal(subFinalSigterm, resTimeout)
	case subStartChown, subStartPost:
		m.u.Logf("Starting timed out. Stopping.")
		m.stopPre(resTimeout)
	case subStopPre:
		m.u.Logf("Stopping timed out. Terminating.")
		m.signal(subStopPreSigterm, resTimeout)
	case subStopPreSigterm, subStopPreSigkill:
		if m.r.TimedOut(control.Escalation{Term: subStopPreSigterm, Kill: subStopPreSigkill, Timeout: m.c.TimeoutUSec}, sub) {
			m.s.Control = false
			m.stopPost(resTimeout)
		}
	case subStopPost:
		m.u.Logf("Stopping timed out (2). Terminating.")
		m.signal(subFinalSigterm, resTimeout)
	case subFinalSigterm, subFinalSigkill:
		if m.r.TimedOut(control.Escalation{Term: subFinalSigterm, Kill: subFinalSigkill, Final: true, Timeout: m.c.TimeoutUSec}, sub) {
			m.s.Control = false
			m.dead(resTimeout)
		}
	}
}
