package service

import (
	"strings"

	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/control"
)

func (m *machine) onTimer(id string) {
	switch id {
	case timerRestart:
		if m.s.Sub != subAutoRestart {
			return
		}
		m.s.RestartQueued = true
		m.u.Logf("Scheduled restart job, restart counter is at %d.", m.s.NRestarts+1)
		m.u.EnqueueJob(m.u.Name, "restart", "replace")
	case timerWatchdog:
		if m.s.Sub != subRunning && m.s.Sub != subStart && m.s.Sub != subStartPost && !strings.HasPrefix(m.s.Sub, "reload") {
			return
		}
		m.u.Logf("Watchdog timeout (limit %dus)!", m.watchdogUSec())
		m.signal(subStopWatchdog, resWatchdog)
	case timerPhase:
		m.phaseTimeout()
	}
}

// phaseTimeout is the phase timer running out in the current sub-state (service_dispatch_timer): a command
// phase is cut short, a killing sub-state escalates.
func (m *machine) phaseTimeout() {
	switch sub := m.s.Sub; sub {
	case subCondition, subStartPre, subStart:
		m.u.Logf("%s operation timed out. Terminating.", startOrCondition(sub))
		m.signal(subStopSigterm, resTimeout)
	case subStartPost:
		m.u.Logf("Start-post operation timed out. Stopping.")
		m.stop(resTimeout)
	case subRunning:
		m.u.Logf("Service reached runtime time limit. Stopping.")
		m.stop(resTimeout)
	case subReload, subReloadSignal, subReloadNotify:
		m.u.Logf("Reload operation timed out. Killing reload process.")
		m.u.Kill(sdk.WhomControl, 9)
		m.s.Phase = ""
		m.s.ReloadResult = resTimeout
		m.running()
	case subStop:
		m.u.Logf("Stopping timed out. Terminating.")
		m.signal(subStopSigterm, resTimeout)
	case subStopWatchdog:
		if m.r.Escalate(sub, control.Abort, false) {
			m.signal(subStopSigkill, resTimeout)
			return
		}
		m.s.Record(resTimeout)
		m.stopPost()
	case subStopSigterm, subStopSigkill:
		if m.r.TimedOut(control.Escalation{Term: subStopSigterm, Kill: subStopSigkill, Timeout: m.c.TimeoutStopUSec}, sub) {
			m.stopPost()
		}
	case subStopPost:
		m.u.Logf("Stopping timed out (2). Terminating.")
		m.signal(subFinalSigterm, resTimeout)
	case subFinalSigterm, subFinalSigkill:
		if m.r.TimedOut(control.Escalation{Term: subFinalSigterm, Kill: subFinalSigkill, Final: true, Timeout: m.c.TimeoutStopUSec}, sub) {
			m.dead()
		}
	}
}

func startOrCondition(sub string) string {
	switch sub {
	case subCondition:
		return "Condition check"
	case subStartPre:
		return "Start-pre"
	}
	return "Start"
}
