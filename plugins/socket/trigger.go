package socket

import "github.com/sysmaster/sysmaster/sdk"

func (m *machine) onEnqueueFailed(unit, msg string) {
	if _, ok := m.s.Conns[unit]; ok {
		delete(m.s.Conns, unit)
		m.s.NConnections--
		m.u.Logf("Failed to queue service startup job (Maybe the service is missing or is a template unit?): %s", msg)
	} else if unit == m.c.Service {
		m.u.Logf("Failed to queue service startup job: %s", msg)
	} else {
		return
	}
	switch m.s.Sub {
	case subListening, subRunning:
		m.stopPre(resResources)
	}
}

// onUnitChanged follows the units this socket triggers: an Accept=yes instance that ended frees its connection
// slot; the Accept=no service's state moves the socket between listening and running (socket_trigger_notify).
func (m *machine) onUnitChanged(uc *sdk.EventUnitChanged) {
	down := uc.Active == sdk.Inactive || uc.Active == sdk.Failed
	if _, ok := m.s.Conns[uc.Unit]; ok {
		if down {
			delete(m.s.Conns, uc.Unit)
			m.s.NConnections--
			if m.s.Sub != "" {
				m.enter(m.s.Sub)
			}
		}
		return
	}
	if m.c.Accept || uc.Unit != m.c.Service {
		return
	}
	// auto-restart and the final kill states count as down, as in systemd: the socket listens again.
	switch uc.Sub {
	case "auto-restart", "final-sigterm", "final-sigkill":
		down = true
	}
	up := !down && (uc.Active == sdk.Active || uc.Active == sdk.Activating || uc.Active == sdk.Reloading)
	m.s.ServiceActive = up
	m.s.ServiceStarting = up && uc.Active == sdk.Activating
	if m.s.Sub != subListening && m.s.Sub != subRunning {
		return
	}
	switch {
	case uc.Active == sdk.Failed && uc.Result == serviceStartLimitHit:
		m.u.Logf("Service %s hit its start limit.", uc.Unit)
		m.stopPre(resServiceStartLimitHit)
	case down && m.s.Sub == subRunning:
		m.listening()
	case up && m.s.Sub == subListening:
		m.unwatchAll()
		m.enter(subRunning)
	}
}
