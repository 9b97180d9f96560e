package socket

import (
	"strings"

	"github.com/sysmaster/sysmaster/sdk"
)

func (m *machine) onStart() {
	switch m.s.Sub {
	case "", subDead, subFailed:
		m.start()
	case subStartPre, subStartPost, subListening, subRunning:
		m.enter(m.s.Sub) // already on it, or up: the job is done
	default:
		m.u.Logf("Start asked while %s; ignored", m.s.Sub)
	}
}

// start begins ExecStartPre=, then opens the listeners. The counters survive a restart, as in systemd.
func (m *machine) start() {
	m.s.Result, m.s.Phase, m.s.Index, m.s.NotOpen, m.s.PollPaused, m.s.Control = resSuccess, "", 0, nil, false, false
	if len(m.c.Unsupported) > 0 {
		m.u.Logf("Failed to listen on sockets: %s is not supported by sysmaster", strings.Join(m.c.Unsupported, ", "))
		m.dead(resResources)
		return
	}
	m.u.DisarmTimer(timerPollLimit)
	m.armPhase()
	if m.run(phaseStartPre, 0, subStartPre) {
		return
	}
	m.open()
}

// open asks the host to open every listener, then goes on with ExecStartPost=. A listener that cannot be opened
// comes back as FdOpenFailed.
func (m *machine) open() {
	for _, l := range m.c.Listen {
		opts := make(map[string]string, len(m.c.Options))
		for k, v := range m.c.Options {
			opts[k] = v
		}
		m.u.OpenSocket(&sdk.OpenSocket{ID: l.ID, Family: l.Family, Type: l.Type, Address: l.Address, Options: opts})
	}
	m.s.Open = true
	m.startPost()
}

func (m *machine) startPost() {
	m.armPhase()
	if m.run(phaseStartPost, 0, subStartPost) {
		return
	}
	m.listening()
}

// listening settles a started socket: it watches its listeners, unless the service it triggers is up already
// and owns them (Accept=no).
func (m *machine) listening() {
	m.s.Phase = ""
	m.u.DisarmTimer(timerPhase)
	if !m.c.Accept && m.s.ServiceActive {
		m.enter(subRunning)
		return
	}
	m.watchAll()
	m.enter(subListening)
}
