package reaper

import (
	"os"
	"os/signal"
	"sync"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/exitstatus"
)

// Exit is the end of one process: how it ended (Code, Status, and String, which describes it) and when.
type Exit struct {
	Pid int
	exitstatus.Exit
	Time time.Time
}

// Exit codes, with the values of the kernel's CLD_* codes (and of the plugin contract's ExitCode).
const (
	Exited = exitstatus.Exited // Status is the exit status
	Killed = exitstatus.Killed // Status is the signal
	Dumped = exitstatus.Dumped // Status is the signal; a core was dumped
)

// Sink receives exits. It must not block for long: it is called with the reaper's lock held.
type Sink func(Exit)

// Reaper reaps every child of the process.
type Reaper struct {
	mu        sync.Mutex
	owners    map[int]Sink
	unclaimed Sink
	sigs      chan os.Signal
	done      chan struct{}
}

// New makes the calling process a child subreaper (so that orphans of its children are re-parented to it, and
// the main process of a forking service stays its child) and starts reaping. Exits of pids nobody registered go
// to unclaimed.
func New(unclaimed Sink) (*Reaper, error) {
	if err := unix.Prctl(unix.PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); err != nil {
		return nil, err
	}
	r := &Reaper{owners: make(map[int]Sink), unclaimed: unclaimed, sigs: make(chan os.Signal, 16), done: make(chan struct{})}
	signal.Notify(r.sigs, unix.SIGCHLD)
	go r.loop()
	// Children may have exited before we listened.
	r.reap()
	return r, nil
}

// Close stops reaping.
func (r *Reaper) Close() {
	signal.Stop(r.sigs)
	close(r.done)
}

func (r *Reaper) loop() {
	for {
		select {
		case <-r.sigs:
			r.reap()
		case <-r.done:
			return
		}
	}
}

// reap collects every exited child: SIGCHLDs coalesce, so one signal may stand for many exits.
//
// Each exit is handed to its sink before the process is reaped, not after: the core's sink logs the exit for the
// next core (host/manager/replaylog.go), and a core killed between wait4 and that write would lose the exit for
// good, leaving its unit waiting for an end that already came (a stop stuck in stop-sigterm). Peeked with
// WNOWAIT, the child stays a zombie until its sink has returned; a core killed before the reap leaves the zombie
// to init, which reaps it and hands its exit to the next core (a duplicate of the logged one is an exit of no
// unit there, and ignored).
func (r *Reaper) reap() {
	r.mu.Lock()
	defer r.mu.Unlock()
	for {
		e, ok := peek()
		if !ok {
			return
		}
		r.deliver(e)
		for {
			var ws unix.WaitStatus
			if _, err := unix.Wait4(e.Pid, &ws, unix.WNOHANG, nil); err != unix.EINTR {
				break
			}
		}
	}
}

// peek returns the exit of one child that has ended, leaving it a zombie; false when none has.
func peek() (Exit, bool) {
	for {
		var info unix.Siginfo
		err := unix.Waitid(unix.P_ALL, 0, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
		if err == unix.EINTR {
			continue
		}
		code, pid, status := sigchld(&info)
		if err != nil || pid <= 0 {
			return Exit{}, false
		}
		e := Exit{Pid: pid, Time: time.Now(), Exit: exitstatus.Exit{Status: status}}
		switch code {
		case cldExited:
			e.Code = Exited
		case cldDumped:
			e.Code = Dumped
		default: // CLD_KILLED; WEXITED reports nothing else
			e.Code = Killed
		}
		return e, true
	}
}

// sigchld reads si_code, si_pid and si_status from waitid's answer. si_pid, si_uid and si_status open the union
// that follows si_signo, si_errno and si_code, aligned as a pointer is (offset 16 on 64-bit, 12 on 32-bit).
func sigchld(info *unix.Siginfo) (code, pid, status int) {
	b := (*[unsafe.Sizeof(*info)]byte)(unsafe.Pointer(info))
	at := func(off uintptr) int { return int(*(*int32)(unsafe.Pointer(&b[off]))) }
	union := unsafe.Offsetof(struct {
		_, _, _ int32
		u       uintptr
	}{}.u)
	return at(8), at(union), at(union + 8)
}

// The si_code values of waitid's answer (CLD_* in <signal.h>).
const (
	cldExited = 1
	cldDumped = 3
)

// deliver must be called with mu held.
func (r *Reaper) deliver(e Exit) {
	if sink, ok := r.owners[e.Pid]; ok {
		delete(r.owners, e.Pid)
		sink(e)
		return
	}
	r.unclaimed(e)
}

// Start runs start (which forks a process and returns its pid) with the reaping loop held off, and registers
// sink as the owner of the new pid, so that its exit cannot be reaped before the owner is known.
func (r *Reaper) Start(start func() (int, error), sink Sink) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	pid, err := start()
	if err != nil {
		return 0, err
	}
	r.owners[pid] = sink
	return pid, nil
}

// Claim makes sink the owner of an existing child pid (a forking service's daemon, a process re-adopted after
// a restart). It reports false when the pid is not a waitable child of ours any more.
func (r *Reaper) Claim(pid int, sink Sink) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	var info unix.Siginfo
	if err := unix.Waitid(unix.P_PID, pid, &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil); err != nil {
		return false
	}
	r.owners[pid] = sink
	return true
}

// Release forgets the owner of pid; its exit will go to the unclaimed sink.
func (r *Reaper) Release(pid int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.owners, pid)
}
