package manager

import (
	"bufio"
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sysmaster/sysmaster/host/notify"
	"github.com/sysmaster/sysmaster/host/reaper"
)

// The checkpoint is written at the end of a turn; a core killed in the middle of one loses that turn. What the
// lost turn decided is decided again by the next core, from the checkpoint and the same inputs, if the inputs
// were kept and what the turn did to the world is undone:
//
//   - inputs: every exit (from the reaper or init) and every sd_notify message is appended to a replay log under
//     /run/sysmaster before the loop sees it, and dropped from it once a commit covers it. A core that comes back
//     queues what is left first. (Timers are in the checkpoint with their deadlines; a job a client enqueued in
//     the lost turn is lost with the client's connection, and the client sees the error; descriptors are level
//     triggered.)
//   - effects: every process a turn spawns is noted in spawns.log until the commit. The next core kills what is
//     left there (the turn will spawn it again), so that no process runs that no unit knows of.
//
// A write costs one write(2) to a tmpfs; no sync is needed against a crash of the process.

// replayLog is a file of the inputs not yet covered by a commit, in the order the loop takes them.
type replayLog[T any] struct {
	mu   sync.Mutex
	path string
	f    *os.File
	enc  func(T) string
	// pending are the inputs logged and not yet known to be committed, in the order logged (which is the order
	// of the loop's queue: add logs and queues under mu).
	pending []T
}

// openReplayLog opens the log at path and hands what a previous core logged and never committed to queue, first
// of all (it stays in the log until a commit covers it). Without a file the log only queues.
func openReplayLog[T any](path string, log *slog.Logger, enc func(T) string, dec func(string) (T, bool), queue func(T)) *replayLog[T] {
	l := &replayLog[T]{path: path, enc: enc}
	if f, err := os.Open(path); err == nil {
		sc := bufio.NewScanner(f)
		sc.Buffer(make([]byte, 64*1024), 1<<20)
		for sc.Scan() {
			if v, ok := dec(sc.Text()); ok {
				l.pending = append(l.pending, v)
				queue(v)
			}
		}
		f.Close()
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		log.Error("no replay log: what a core crash interrupts may be lost", "path", path, "error", err)
		return l
	}
	l.f = f
	return l
}

// add logs v, then hands it to queue; called by the goroutines that receive exits and notifications.
func (l *replayLog[T]) add(v T, queue func(T)) {
	if l == nil || l.f == nil {
		queue(v)
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.f, l.enc(v))
	l.pending = append(l.pending, v)
	queue(v)
}

// committed drops the first n inputs logged: the loop took them and a commit wrote what they did.
func (l *replayLog[T]) committed(n int) {
	if l == nil || l.f == nil || n == 0 {
		return
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	n = min(n, len(l.pending))
	l.pending = l.pending[n:]
	if len(l.pending) == 0 {
		l.f.Truncate(0)
		return
	}
	// Inputs arrived after the loop took its batch; init may have forgotten them already (acked exits). Emptied
	// and written again, the log would lose them to a crash in between: a file that holds only them replaces it.
	var b strings.Builder
	for _, v := range l.pending {
		b.WriteString(l.enc(v))
		b.WriteByte('\n')
	}
	tmp := l.path + ".new"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC|os.O_APPEND, 0o600)
	if err == nil {
		if _, err = f.WriteString(b.String()); err == nil {
			err = os.Rename(tmp, l.path)
		}
		if err != nil {
			f.Close()
		}
	}
	if err != nil {
		// The log then keeps what the commit covered too, which a crash would replay: an exit of a pid that no
		// unit has any more, ignored. Better than losing what it did not cover.
		os.Remove(tmp)
		return
	}
	l.f.Close()
	l.f = f
}

func encExit(e reaper.Exit) string {
	return fmt.Sprintf("%d %d %d %d", e.Pid, e.Code, e.Status, e.Time.UnixNano())
}

func decExit(s string) (reaper.Exit, bool) {
	var e reaper.Exit
	var nsec int64
	if n, _ := fmt.Sscanf(s, "%d %d %d %d", &e.Pid, &e.Code, &e.Status, &nsec); n != 4 || e.Pid <= 0 {
		return e, false
	}
	e.Time = time.Unix(0, nsec)
	return e, true
}

// Notifications are logged without their descriptors (FDSTORE=1 is not served).
func encNote(n notify.Message) string {
	return fmt.Sprintf("%d %d %d %s", n.Pid, n.Uid, n.Gid, strconv.Quote(strings.Join(n.Fields, "\n")))
}

func decNote(s string) (notify.Message, bool) {
	var n notify.Message
	f := strings.SplitN(s, " ", 4)
	if len(f) != 4 {
		return n, false
	}
	var err error
	if n.Pid, err = strconv.Atoi(f[0]); err != nil || n.Pid <= 0 {
		return n, false
	}
	n.Uid, _ = strconv.Atoi(f[1])
	n.Gid, _ = strconv.Atoi(f[2])
	text, err := strconv.Unquote(f[3])
	if err != nil {
		return n, false
	}
	n.Fields = strings.Split(text, "\n")
	return n, true
}

// pushExit is the sink of every exit the core learns of (from its reaper and from init): logged, then queued
// for the loop.
func (m *Manager) pushExit(e reaper.Exit) {
	m.crashPoint("exit", strconv.Itoa(e.Pid))
	m.procs.exitLog.add(e, m.procs.exits.push)
}

// pushNote queues an sd_notify message for the loop, logged first.
func (m *Manager) pushNote(n notify.Message) { m.noteLog.add(n, m.notes.push) }

// spawnLog notes the processes spawned since the last commit, one line each: "PID START UNIT", START being the
// process's start time (field 22 of /proc/PID/stat, clock ticks after boot). It belongs to the loop.
type spawnLog struct {
	f     *os.File
	dirty bool
	// leftover are the processes a previous core spawned in the turn it did not commit.
	leftover []spawned
}

// spawned is a process noted in the spawn log. A line of an older core holds the pid alone.
type spawned struct {
	pid   int
	start uint64 // 0 when not noted
	unit  string // "" when not noted
}

// close closes the file; what comes later is only queued.
func (l *replayLog[T]) close() {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
}

func openSpawnLog(path string, log *slog.Logger) *spawnLog {
	l := &spawnLog{}
	if b, err := os.ReadFile(path); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			f := strings.Fields(line)
			if len(f) == 0 {
				continue
			}
			pid, err := strconv.Atoi(f[0])
			if err != nil || pid <= 1 {
				continue
			}
			sp := spawned{pid: pid}
			if len(f) == 3 {
				sp.start, _ = strconv.ParseUint(f[1], 10, 64)
				sp.unit = f[2]
			}
			l.leftover = append(l.leftover, sp)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		log.Error("no spawn log: a process spawned just before a core crash may run unknown to the next core", "path", path, "error", err)
		return l
	}
	l.f = f
	return l
}

func (l *spawnLog) close() {
	if l.f != nil {
		l.f.Close()
		l.f = nil
	}
}

// add notes pid, a process of unit that has not run yet (exec.Options.Forked): its start time is read now, while
// it cannot have ended.
func (l *spawnLog) add(pid int, unit string) {
	if l == nil || l.f == nil {
		return
	}
	start, _ := startTime(pid)
	fmt.Fprintln(l.f, pid, start, unit)
	l.dirty = true
}

func (l *spawnLog) committed() {
	if l == nil || l.f == nil || !l.dirty {
		return
	}
	l.f.Truncate(0)
	l.dirty = false
}

// killUncommitted kills the processes the previous core spawned in the turn it lost, and what they started: the
// turn is decided again, and spawns them anew. What they started (the daemon a Type=forking start command forks,
// already re-parented to init when the command ended) is every process of their unit's cgroup that started no
// earlier than they did and that the checkpoint does not know; left alone, it would run unknown to the unit, whose
// cgroup would then never empty (a stop stuck in stop-sigterm).
func (m *Manager) killUncommitted() {
	if m.procs.spawnLog == nil {
		return
	}
	kill := func(pid int, why string) {
		m.log.Warn("killing "+why+" in a turn the previous core did not commit; the turn spawns anew", "pid", pid)
		syscall.Kill(pid, syscall.SIGKILL)
	}
	for _, sp := range m.procs.spawnLog.leftover {
		if m.procs.owner[sp.pid] != nil {
			continue // the checkpoint knows it after all
		}
		if sp.start == 0 {
			// An older core's line: only a process still in a unit's cgroup, the pid may have been reused.
			if m.cg == nil {
				continue
			}
			if rel, ok := m.cg.UnitOf(sp.pid); ok && unitOfCgroup(rel) != "" {
				kill(sp.pid, "a process spawned")
			}
			continue
		}
		if start, ok := startTime(sp.pid); ok && start == sp.start {
			kill(sp.pid, "a process spawned")
		}
		if m.cg == nil {
			continue
		}
		pids, _ := m.cg.Pids(m.cgroupOfName(sp.unit))
		for _, pid := range pids {
			if start, ok := startTime(pid); ok && start >= sp.start && m.procs.owner[pid] == nil && pid != sp.pid {
				kill(pid, "a process started by one spawned")
			}
		}
	}
	m.procs.spawnLog.leftover = nil
}

// startTime is pid's start time, field 22 of /proc/PID/stat (clock ticks after boot), which tells a process from
// a later one with the same pid.
func startTime(pid int) (uint64, bool) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, false
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0, false
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 20 {
		return 0, false
	}
	n, err := strconv.ParseUint(f[19], 10, 64)
	return n, err == nil
}
