package socket

import (
	"maps"
	"slices"

	"github.com/sysmaster/sysmaster/sdk"
)

// onRecover brings the state in line after a restart of the core or the plugin: the host kept the fds, timers
// and processes; the watches are asked again.
func (m *machine) onRecover(r *sdk.EventRecover) {
	m.s.Control = false
	for _, c := range r.Alive {
		if c.Role == sdk.RoleControl {
			m.s.Control = true
		}
	}
	if m.s.PollPaused && !slices.Contains(r.Timers, timerPollLimit) {
		m.s.PollPaused = false
	}
	// A listener the host no longer holds (a core that came back without init's copy) is asked for again;
	// if it cannot be opened, FdOpenFailed fails the socket.
	if m.s.Open {
		for _, l := range m.c.Listen {
			if !slices.Contains(r.Fds, l.ID) && !slices.Contains(m.s.NotOpen, l.ID) {
				m.u.OpenSocket(&sdk.OpenSocket{ID: l.ID, Family: l.Family, Type: l.Type, Address: l.Address, Options: maps.Clone(m.c.Options)})
			}
		}
	}
	if m.s.Sub == subListening {
		m.watchAll()
	}
	if m.s.Sub != "" {
		m.enter(m.s.Sub)
	}
}
