package manager

import (
	"os"

	"github.com/sysmaster/sysmaster/host/fdwatch"
)

// fdTable owns the descriptors the core holds for units beyond their own lists (Unit.fds, Unit.logPipes): the
// epoll watch and what it has armed, the counters that name new descriptors in init's fd store, and what init
// kept for a previous core until restore claims it. A unit's own part goes into the checkpoint through
// fdtable_checkpoint.go. Only the loop touches it.
type fdTable struct {
	watch   *fdwatch.Watcher // nil if epoll failed: then no fd is ever reported readable
	watched map[int]fdOwner  // the armed fds by number
	gen     uint32           // the generation of the last Arm
	connSeq uint64           // numbers accepted connections' fd ids
	pipeSeq uint64           // numbers log pipes for init's store
	// kept are the descriptors init kept for a previous core, by name, until restore claims them.
	kept map[string]*os.File
}

func newFdTable() fdTable {
	return fdTable{watched: map[int]fdOwner{}, kept: map[string]*os.File{}}
}

// fdOwner names a held fd in the watch table.
type fdOwner struct {
	u  *Unit
	fd *heldFd
}

func (m *Manager) openFdWatch() {
	w, err := fdwatch.New(func(fd int, gen uint32) { m.post(func() { m.onReadable(fd, gen) }) })
	if err != nil {
		m.log.Error("cannot watch descriptors: socket units will not activate", "error", err)
		return
	}
	m.fds.watch = w
}
