package manager

import (
	"fmt"
	"os"
)

// logPipe is the read end of a pipe that carries a unit's process output into its log. Init keeps a copy
// (under store), so that the pipe outlives a crash of the core: the next core reads on where this one stopped,
// and the process never sees a broken pipe.
type logPipe struct {
	Source   string `json:"source"`
	Ident    string `json:"ident"`
	Priority int    `json:"priority"`
}

// capture opens a log pipe for one output stream of a process of u and returns its write end.
func (m *Manager) capture(u *Unit, source, ident string, priority int) (*os.File, error) {
	m.fds.pipeSeq++
	store := fmt.Sprintf("log/%s/%s-%d", u.ID, m.instance, m.fds.pipeSeq) // unique across cores: restored pipes keep theirs
	w, r, err := m.unitLogs.Capture(u.ID, source, ident, priority, func() { m.post(func() { m.pipeEnded(u, store) }) })
	if err != nil {
		return nil, err
	}
	u.addLogPipe(store, logPipe{Source: source, Ident: ident, Priority: priority})
	m.keepInInit(store, r)
	return w, nil
}

// pipeEnded forgets a log pipe every writer has closed.
func (m *Manager) pipeEnded(u *Unit, store string) {
	delete(u.logPipes, store)
	if len(u.logPipes) == 0 {
		u.logPipes = nil // a map keeps its room after its last entry goes: 1,000 oneshots kept ≈0.5 KiB each
	}
	m.forgetInInit(store)
	m.markDirty(u)
}

// drainKept goes on reading the log pipes of u that init kept across a crash of the core.
func (m *Manager) drainKept(u *Unit, pipes map[string]logPipe, stored map[string]*os.File) {
	for store, p := range pipes {
		f := stored[store]
		if f == nil {
			continue // the process's writes fail (EPIPE) from now on; nothing else to do
		}
		delete(stored, store)
		u.addLogPipe(store, p)
		m.unitLogs.Drain(f, u.ID, p.Source, p.Ident, p.Priority, func() { m.post(func() { m.pipeEnded(u, store) }) })
	}
}
