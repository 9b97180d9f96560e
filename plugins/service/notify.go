package service

import (
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/notify"
)

func (m *machine) notifyAccess() string {
	if m.c.NotifyAccess != "" {
		return m.c.NotifyAccess
	}
	if m.notifyType() || m.c.WatchdogUSec > 0 {
		return "main"
	}
	return "none"
}

// onNotify applies one sd_notify message from pid, if NotifyAccess= lets pid speak (man sd_notify), in the
// order systemd's service_notify_message does: the main pid, the state changes (RELOADING=1, READY=1,
// STOPPING=1), the status, the timeouts and the watchdog.
func (m *machine) onNotify(pid int64, fields []string) {
	mainPid, controlPid := m.rt.MainPid, m.rt.ControlPid
	allowed := false
	switch m.notifyAccess() {
	case "all":
		allowed = true
	case "exec":
		allowed = pid == mainPid || pid == controlPid
	case "main":
		allowed = pid == mainPid
	}
	if !allowed {
		m.u.Logf("Got notification message from PID %d, but reception only permitted for %s (main PID %d)", pid, m.notifyAccess(), mainPid)
		return
	}
	n, problems := notify.Parse(fields)
	for _, err := range problems {
		m.u.Logf("Failed to parse notification message, ignoring the field: %v", err)
	}
	if p := n.MainPID; p != nil {
		switch {
		case *p <= 1:
			m.u.Logf("Failed to parse MAINPID=%d, ignoring", *p)
		case int64(*p) != mainPid:
			m.u.SetMainPid(int64(*p))
			m.s.MainExited = false
		}
	}
	report := false
	if n.Status != nil {
		m.s.StatusText, report = *n.Status, true
	}
	if n.Errno != nil {
		m.s.StatusErrno, report = *n.Errno, true
	}
	if m.notifyStateChange(n) {
		report = false // the new sub-state was reported with the status
	}
	if u := n.ExtendTimeoutUSec; u != nil && *u > 0 {
		switch activeOf[m.s.Sub] {
		case sdk.Activating, sdk.Deactivating, sdk.Reloading:
			m.u.ArmTimer(timerPhase, *u)
		}
	}
	if n.Watchdog && m.watchdogUSec() > 0 {
		m.u.ArmTimer(timerWatchdog, m.watchdogUSec())
	}
	if u := n.WatchdogUSec; u != nil && *u > 0 {
		m.s.WatchdogUSec = *u
		m.u.ArmTimer(timerWatchdog, *u)
	}
	if n.WatchdogTrigger {
		m.onTimer(timerWatchdog)
		return
	}
	if report {
		m.enter(m.s.Sub)
	}
}

// notifyStateChange applies RELOADING=1, READY=1 and STOPPING=1, in that order, and reports whether the
// service moved to another sub-state.
func (m *machine) notifyStateChange(n notify.Notice) bool {
	moved := false
	if n.Reloading && (m.s.Sub == subRunning || m.s.Sub == subReloadSignal) {
		m.armPhase(m.c.TimeoutStartUSec)
		m.enter(subReloadNotify)
		moved = true
	}
	if n.Ready {
		m.s.ReadySeen = true
		switch m.s.Sub {
		case subStart:
			if m.notifyType() {
				m.startPost()
				moved = true
			}
		case subReloadSignal, subReloadNotify:
			m.s.ReloadResult = resSuccess
			m.running()
			moved = true
		}
	}
	if n.Stopping && (m.s.Sub == subRunning || m.s.Sub == subReload || m.s.Sub == subReloadSignal || m.s.Sub == subReloadNotify) {
		m.armPhase(m.c.TimeoutStopUSec)
		m.enter(subStopSigterm)
		moved = true
	}
	return moved
}
