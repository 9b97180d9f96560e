package exec

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/exec/executor"
	"github.com/sysmaster/sysmaster/host/reaper"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// Console is where "journal", "kmsg" and "syslog" output goes when Options carries no capture fd: the core's own
// standard error.
var Console = os.Stderr

// DefaultNotifySocket is NOTIFY_SOCKET for a Spawn that asks for it when Options.NotifySocket is empty.
const DefaultNotifySocket = "/run/sysmaster/notify"

// Options is what the host adds to a Spawn. The zero value starts the process in the core's cgroup, with no
// fds passed, output for the journal going to Console, and no one told about failures but the reaper's sink.
type Options struct {
	// CgroupProcs are cgroup.procs files the process joins (it writes "0" to each) before anything else.
	CgroupProcs []string
	// Fds are passed from fd 3 on, named by the Spawn's fd_names (LISTEN_FDS, LISTEN_PID, LISTEN_FDNAMES). The
	// caller keeps them: Start duplicates them into the child only.
	Fds []*os.File
	// Unit and InvocationID name the unit and its current activation; INVOCATION_ID is set from the latter, and
	// both name the unit's PrivateTmp= directories.
	Unit, InvocationID string
	// NamespaceUnit and NamespaceInvocation, when set, name another unit's activation whose PrivateTmp=
	// directories and PrivateNetwork=/PrivateIPC= namespaces the process shares (JoinsNamespaceOf=).
	NamespaceUnit, NamespaceInvocation string
	// Environment is the manager environment (sctl set-environment): NAME=VALUE entries the process gets after
	// the manager's own variables and before the unit's Environment=, as systemd orders them.
	Environment []string
	// Stdout and Stderr, when set, receive output that StandardOutput=/StandardError= send to journal, kmsg or
	// syslog. The caller keeps them.
	Stdout, Stderr *os.File
	// NotifySocket is NOTIFY_SOCKET for a Spawn with notify_socket set; empty means DefaultNotifySocket.
	NotifySocket string
	// OnFailure, when set, is called once, from a goroutine of its own, when the process failed between fork and
	// exec, always before the reaper's sink hears of its exit (whose status is then f.Code). It must not block
	// for long: the exit waits for it.
	OnFailure func(f *Failure)
	// OnExec, when set, is called once, from a goroutine of its own, when the process has executed its command;
	// like OnFailure it comes before the exit reaches the sink.
	OnExec func(pid int)
	// Forked, when set, is called by Start once the process exists and before it may do anything: it waits
	// for Forked to return before it joins its cgroup or runs its command. The core notes the pid in its spawn
	// log there (host/manager/replaylog.go): a core killed before that leaves a process that ends at once, as
	// if never started, instead of one that runs unknown to the next core (which would never see the unit's
	// cgroup empty, and leave a stop waiting in stop-sigterm for its timeout).
	Forked func(pid int)
}

// Failure is a failure to start a process: before fork (Pid 0, returned by Start) or in the executor (reported
// to Options.OnFailure). Step is systemd's name for what failed ("EXEC", "USER", "CHDIR"…), Code its exit status.
type Failure = executor.Failure

func fail(step, format string, args ...any) *Failure {
	return &Failure{Step: step, Code: ExitCode(step), Message: fmt.Sprintf(format, args...)}
}

// ExitCode is systemd's exit status for a failed step of the executor ("EXEC" 203, "USER" 217…).
func ExitCode(step string) int { return executor.ExitCode(step) }

// Start starts s through r: it forks the core and execs the executor (executable.go) with argv[0]
// "sysmaster-executor", which applies s's ExecContext and execs the command. It returns as soon as the executor
// is forked; sink owns the pid from then on. Settings that are wrong whatever the machine (an unknown limit or
// capability name, a setting this host refuses) are refused before fork with a *Failure.
func Start(r *reaper.Reaper, s *pb.Spawn, sink reaper.Sink, o Options) (int, error) {
	if f := check(s); f != nil {
		return 0, f
	}
	sp := toSpec(s)
	sp.CgroupProcs, sp.Unit, sp.InvocationID, sp.ManagerEnv = o.CgroupProcs, o.Unit, o.InvocationID, o.Environment
	sp.Fds, sp.SystemCredentials, sp.UtmpFile, sp.WtmpFile = len(o.Fds), executor.SystemCredentialsDir(), UtmpFile, WtmpFile
	sp.NamespaceUnit, sp.NamespaceInvocation = o.Unit, o.InvocationID
	if o.NamespaceUnit != "" {
		sp.NamespaceUnit, sp.NamespaceInvocation = o.NamespaceUnit, o.NamespaceInvocation
	}
	userns, uid, gid, f := privateUsersAttr(s.GetExec())
	if f != nil {
		return 0, f
	}
	if userns != nil {
		executor.PrepareCredentials(sp, uid, gid)
	}
	if s.NotifySocket {
		sp.NotifySocket = o.NotifySocket
		if sp.NotifySocket == "" {
			sp.NotifySocket = DefaultNotifySocket
		}
	}
	if f := executor.Check(sp); f != nil {
		return 0, f
	}
	specFile, err := memfd(sp.Encode())
	if err != nil {
		return 0, err
	}
	defer specFile.Close()
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	defer statusW.Close()
	// The go-ahead (Options.Forked): one byte, or EOF when the core died first.
	goR, goW, err := os.Pipe()
	if err != nil {
		statusR.Close()
		return 0, err
	}
	defer goR.Close()
	defer goW.Close()
	null, err := os.OpenFile(os.DevNull, os.O_RDWR, 0)
	if err != nil {
		statusR.Close()
		return 0, err
	}
	defer null.Close()
	out, errw := Console, Console
	if o.Stdout != nil {
		out = o.Stdout
	}
	if o.Stderr != nil {
		errw = o.Stderr
	}
	var files []uintptr
	for _, f := range append([]*os.File{null, out, errw}, o.Fds...) {
		fd, err := rawFd(f)
		if err != nil {
			statusR.Close()
			return 0, fmt.Errorf("exec: %s: %w", f.Name(), err)
		}
		files = append(files, fd)
	}
	specFd, statusFd, goFd := len(files), len(files)+1, len(files)+2
	files = append(files, specFile.Fd(), statusW.Fd(), goR.Fd())
	attr := &syscall.ProcAttr{
		Sys:   userns,
		Env:   []string{executor.FdsEnv + "=" + strconv.Itoa(specFd) + "," + strconv.Itoa(statusFd) + "," + strconv.Itoa(goFd)},
		Files: files,
		Dir:   "/",
	}
	exe, done, err := executable(files)
	if err != nil {
		statusR.Close()
		return 0, err
	}
	defer done()
	t := &tracker{sink: utmpDead(s.GetExec(), sink), onFailure: o.OnFailure, onExec: o.OnExec, read: make(chan struct{})}
	pid, err := r.Start(func() (int, error) {
		return syscall.ForkExec(exe, []string{executor.Arg0}, attr)
	}, t.exit)
	if err != nil {
		statusR.Close()
		return 0, fmt.Errorf("exec: fork executor: %w", err)
	}
	t.pid = pid
	if userns != nil {
		executor.ApplyPrivileged(pid, &sp.Exec) // before the go-ahead: the executor has not begun its setup
	}
	joinCgroups(pid, sp.CgroupProcs)
	go t.readStatus(statusR)
	if o.Forked != nil {
		o.Forked(pid)
	}
	_, _ = goW.Write([]byte{1}) // fails only when the process is gone already (killed): its exit says so
	return pid, nil
}

// joinCgroups moves pid into its cgroups from the core's side too, before the go-ahead, as systemd attaches its
// child in both processes: the executor joins them itself first thing (so no code of the unit runs outside
// them), and this makes the process a member by the time Spawn returns, when a Type=simple unit counts as started
// and a client may look its pid up (`sctl status PID`, GetUnitByPID). A failure is the executor's to report.
func joinCgroups(pid int, procs []string) {
	for _, p := range procs {
		_ = os.WriteFile(p, []byte(strconv.Itoa(pid)), 0)
	}
}

// tracker hands the exit to the sink once the status pipe has been read, so that OnFailure and OnExec come
// before it.
type tracker struct {
	pid       int
	sink      reaper.Sink
	onFailure func(*Failure)
	onExec    func(int)
	read      chan struct{} // closed once the status pipe is read and reported

	mu     sync.Mutex
	exited *reaper.Exit
}

// statusWait bounds how long an exit waits for its status pipe. The process is gone, so its end of the pipe is
// closed and EOF is at hand; the bound only keeps a leaked write end from stalling the reaper.
const statusWait = 5 * time.Second

// exit runs on the reaper's goroutine, before the process is reaped: it hands the exit on only after the status
// is reported, and returns only once the sink has it (the core logs it there), so that a core killed meanwhile
// leaves the zombie to init instead of losing the exit.
func (t *tracker) exit(e reaper.Exit) {
	t.mu.Lock()
	t.exited = &e
	t.mu.Unlock()
	select {
	case <-t.read:
	case <-time.After(statusWait):
	}
	t.sink(e)
}

// readStatus reads the status pipe to EOF: EOF alone means the exec succeeded (the pipe is close-on-exec).
func (t *tracker) readStatus(r *os.File) {
	defer close(t.read)
	msg, _ := io.ReadAll(io.LimitReader(r, 64<<10))
	r.Close()
	t.mu.Lock()
	// An EOF alone is a successful exec, unless the process is already gone by a signal: then it may have been
	// killed before it got there (a stop during setup), and nothing says it executed.
	killed := t.exited != nil && t.exited.Code != reaper.Exited
	t.mu.Unlock()
	switch {
	case len(msg) > 0 && t.onFailure != nil:
		step, text, _ := strings.Cut(string(bytes.TrimSpace(msg)), ": ")
		t.onFailure(&Failure{Pid: t.pid, Step: step, Code: ExitCode(step), Message: text})
	case len(msg) == 0 && !killed && t.onExec != nil:
		t.onExec(t.pid)
	}
}

// rawFd is f's descriptor. Unlike f.Fd it leaves f's blocking mode alone: the host's sockets stay as they are
// for the host and for the service.
func rawFd(f *os.File) (uintptr, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return 0, err
	}
	var fd uintptr
	if err := rc.Control(func(v uintptr) { fd = v }); err != nil {
		return 0, err
	}
	return fd, nil
}

func memfd(b []byte) (*os.File, error) {
	fd, err := unix.MemfdCreate("sysmaster-exec-spec", unix.MFD_CLOEXEC)
	if err != nil {
		return nil, fmt.Errorf("exec: memfd: %w", err)
	}
	f := os.NewFile(uintptr(fd), "sysmaster-exec-spec")
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, err
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		f.Close()
		return nil, err
	}
	return f, nil
}

// check refuses, before fork, what the contract cannot carry; executor.Check the rest, on the converted spec.
func check(s *pb.Spawn) *Failure {
	if s.Path == "" && len(s.Argv) == 0 {
		return fail("EXEC", "spawn %q has no executable", s.Id)
	}
	if s.GetExec().GetPassCredentials() {
		return fail("CREDENTIALS", "pass_credentials: the contract carries no credentials (LoadCredential=, SetCredential=) to pass; refusing to run without them")
	}
	return nil
}
