package manager

import (
	"bufio"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"github.com/sysmaster/sysmaster/host/reaper"
)

// exitLog closes the one gap the checkpoint leaves for exits (design.md invariant 4): an exit the core reaped in
// a turn that has not been committed yet. The reaper appends each exit to /run/sysmaster/exits.log before the
// loop sees it; a commit empties the file. A core that comes back finds there the exits a crash caught between
// reaping and committing, and applies them after the checkpoint. (Exits of processes that outlive the core are
// init's to keep.) A write costs one write(2) to a tmpfs; no sync is needed against a crash of the process.
type exitLog struct {
	mu sync.Mutex
	f  *os.File
	// pending are the exits logged and not yet known to be committed, in the order logged (which is the order
	// of the loop's exit queue: add logs and queues under mu).
	pending []reaper.Exit
}

// openExitLog opens the log and hands the exits a previous core logged and never committed to queue, first of
// all (they stay in the log until a commit covers them).
func openExitLog(path string, log *slog.Logger, queue func(reaper.Exit)) *exitLog {
	l := &exitLog{}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			var e reaper.Exit
			var nsec int64
			if n, _ := fmt.Sscanf(sc.Text(), "%d %d %d %d", &e.Pid, &e.Code, &e.Status, &nsec); n == 4 && e.Pid > 0 {
				e.Time = time.Unix(0, nsec)
				l.pending = append(l.pending, e)
				queue(e)
			}
		}
		f.Close()
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		log.Error("no exit log: an exit reaped just before a core crash may be lost", "path", path, "error", err)
		return l
	}
	l.f = f
	return l
}

// add logs an exit, then hands it to queue; called by the reaper's and the init link's goroutines.
func (l *exitLog) add(e reaper.Exit, queue func(reaper.Exit)) {
	if l == nil || l.f == nil {
		queue(e)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	write(l.f, e)
	l.pending = append(l.pending, e)
	queue(e)
}

func write(f *os.File, e reaper.Exit) {
	fmt.Fprintf(f, "%d %d %d %d\n", e.Pid, e.Code, e.Status, e.Time.UnixNano())
}

// committed drops the first n exits logged: the loop applied them and a commit wrote the result.
func (l *exitLog) committed(n int) {
	if l == nil || l.f == nil || n == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n = min(n, len(l.pending))
	l.pending = l.pending[n:]
	l.f.Truncate(0)
	for _, e := range l.pending { // exits that arrived after the loop took its batch
		write(l.f, e)
	}
}

// pushExit is the sink of every exit the core learns of (from its reaper and from init): logged, then queued
// for the loop.
func (m *Manager) pushExit(e reaper.Exit) { m.exitLog.add(e, m.exits.push) }
