package manager

import (
	"log/slog"

	"github.com/sysmaster/sysmaster/host/exec"
	"github.com/sysmaster/sysmaster/host/reaper"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// procTable owns the units' processes as the loop sees them: which unit each live pid belongs to, the exits
// and exec reports other goroutines handed in and the loop has not taken yet, the exit log that keeps those
// exits across a core crash, and the spawn log of the turn not yet committed. A unit's own part (its children,
// main and control pid, ExecMain*) lives on the Unit and goes into the checkpoint through proctable_checkpoint.go.
// The process table is only touched on the loop, but for exits and executed, which are safe for any goroutine.
type procTable struct {
	// exec starts the units' processes: forkExec in the core, a fake that forks nothing in the loop's tests.
	exec executor
	// owner maps every live process a unit spawned or adopted to its unit.
	owner map[int]*Unit
	// exits holds reaped exits until the loop takes them. The reaper must never block on the loop (the loop
	// spawns through the reaper), so this queue is unbounded rather than a channel.
	exits exitQueue
	// executed holds the executor's reports that a process exec'd its command.
	executed queue[executed]
	exitLog  *replayLog[reaper.Exit] // nil without a checkpoint
	spawnLog *spawnLog               // nil without a checkpoint
	// exitsTaken counts the exits the loop took since the last commit, which the exit log may then forget.
	exitsTaken int
}

func newProcTable() procTable {
	return procTable{owner: map[int]*Unit{}, exits: exitQueue{kick: make(chan struct{}, 1)}}
}

// executor starts the process of a Spawn for a unit and returns its pid; its exit must reach the loop through
// the exit queue (Manager.pushExit). opts carries the callbacks the real one calls: Forked once the pid exists,
// before the process may run; OnExec once it executed its command; OnFailure when the setup failed.
type executor interface {
	Start(s *pb.Spawn, opts exec.Options) (int, error)
}

// forkExec is the core's executor: host/exec forks the core through the reaper, whose sink gets the exit, and
// execs the executor.
type forkExec struct {
	reaper *reaper.Reaper
	sink   reaper.Sink
}

// newForkExec opens the small executor beside the core, held for the core's life (an upgrade that replaces it
// on disk leaves this core with its own release's); without it the core is its own executor, as it was before
// there was one, and says so.
func newForkExec(r *reaper.Reaper, sink reaper.Sink, log *slog.Logger) forkExec {
	if err := exec.UseExecutor(exec.ExecutorPath()); err != nil {
		log.Warn("every process is started by a re-exec of the core", "err", err)
	}
	return forkExec{reaper: r, sink: sink}
}

func (f forkExec) Start(s *pb.Spawn, opts exec.Options) (int, error) {
	return exec.Start(f.reaper, s, f.sink, opts)
}

type executed struct {
	unit *Unit
	pid  int
	id   string
	role pb.Role
}

// exitQueue is the FIFO of reaped exits (the queue the loop drains) with the loop's wake-up channel.
type exitQueue struct {
	queue[reaper.Exit]
	kick chan struct{}
}

func (q *exitQueue) push(e reaper.Exit) {
	q.queue.push(e)
	q.wake()
}

// has reports whether an exit of pid waits in the queue: the pid is free again and may belong to a new process.
func (q *exitQueue) has(pid int) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	for _, e := range q.list {
		if e.Pid == pid {
			return true
		}
	}
	return false
}

// wake makes the loop drain its queues.
func (q *exitQueue) wake() {
	select {
	case q.kick <- struct{}{}:
	default:
	}
}
