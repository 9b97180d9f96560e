package socket

import "slices"

// listeners returns the listeners the host holds (all but those whose open failed).
func (m *machine) listeners() []Listener {
	var out []Listener
	for _, l := range m.c.Listen {
		if !slices.Contains(m.s.NotOpen, l.ID) {
			out = append(out, l)
		}
	}
	return out
}

func (m *machine) watchAll() {
	if m.s.PollPaused {
		return
	}
	for _, l := range m.listeners() {
		m.watch(l.ID)
	}
}

func (m *machine) watch(id string) {
	if m.c.Accept {
		m.u.AcceptFd(id)
	} else {
		m.u.WatchFd(id, true)
	}
}

func (m *machine) unwatchAll() {
	for _, l := range m.listeners() {
		m.u.WatchFd(l.ID, false)
	}
}

func (m *machine) closeAll() {
	if !m.s.Open {
		return
	}
	m.s.Open = false
	for _, l := range m.listeners() {
		m.u.CloseFd(l.ID)
	}
}

func (m *machine) onOpenFailed(id, msg string) {
	m.u.Logf("Failed to listen on sockets: %s", msg)
	if !slices.Contains(m.s.NotOpen, id) {
		m.s.NotOpen = append(m.s.NotOpen, id)
	}
	switch m.s.Sub {
	case subStartPost:
		m.signal(subStopPreSigterm, resResources)
	case subListening, subRunning:
		m.stopPre(resResources)
	}
}
