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

	"golang.org/x/sys/unix"

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
}

// Failure is a failure to start a process: before fork (Pid 0, returned by Start) or in the executor (reported
// to Options.OnFailure). Step is systemd's name for what failed ("EXEC", "USER", "CHDIR"…), Code its exit status.
type Failure struct {
	Pid     int
	Step    string
	Code    int
	Message string
}

func (f *Failure) Error() string { return "exec: " + f.Step + ": " + f.Message }

func fail(step, format string, args ...any) *Failure {
	return &Failure{Step: step, Code: ExitCode(step), Message: fmt.Sprintf(format, args...)}
}

// Start starts s through r: it forks the core itself as the executor (/proc/self/exe with argv[0]
// "sysmaster-executor"), which applies s's ExecContext and execs the command. It returns as soon as the executor
// is forked; sink owns the pid from then on. Settings that are wrong whatever the machine (an unknown limit or
// capability name, a setting this host refuses) are refused before fork with a *Failure.
func Start(r *reaper.Reaper, s *pb.Spawn, sink reaper.Sink, o Options) (int, error) {
	if f := check(s, &o); f != nil {
		return 0, f
	}
	sp := spec{
		CgroupProcs: o.CgroupProcs, Unit: o.Unit, InvocationID: o.InvocationID,
		Fds: len(o.Fds), Capture: o.Stdout != nil || o.Stderr != nil, ManagerPid: os.Getpid(),
	}
	if s.NotifySocket {
		sp.NotifySocket = o.NotifySocket
		if sp.NotifySocket == "" {
			sp.NotifySocket = DefaultNotifySocket
		}
	}
	b, err := encodeSpec(s, sp)
	if err != nil {
		return 0, err
	}
	specFile, err := memfd(b)
	if err != nil {
		return 0, err
	}
	defer specFile.Close()
	statusR, statusW, err := os.Pipe()
	if err != nil {
		return 0, err
	}
	defer statusW.Close()
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
	specFd, statusFd := len(files), len(files)+1
	files = append(files, specFile.Fd(), statusW.Fd())
	attr := &syscall.ProcAttr{
		Env:   []string{fdsEnv + "=" + strconv.Itoa(specFd) + "," + strconv.Itoa(statusFd)},
		Files: files,
		Dir:   "/",
	}
	t := &tracker{sink: sink, onFailure: o.OnFailure, onExec: o.OnExec}
	pid, err := r.Start(func() (int, error) {
		return syscall.ForkExec("/proc/self/exe", []string{executorArg0}, attr)
	}, t.exit)
	if err != nil {
		statusR.Close()
		return 0, fmt.Errorf("exec: fork executor: %w", err)
	}
	t.pid = pid
	go t.read(statusR)
	return pid, nil
}

// tracker holds an exit back until the status pipe has been read, so that OnFailure comes before the exit.
type tracker struct {
	pid       int
	sink      reaper.Sink
	onFailure func(*Failure)
	onExec    func(int)

	mu   sync.Mutex
	eof  bool
	held *reaper.Exit
}

func (t *tracker) exit(e reaper.Exit) {
	t.mu.Lock()
	if !t.eof {
		t.held = &e
		t.mu.Unlock()
		return
	}
	t.mu.Unlock()
	t.sink(e)
}

// read reads the status pipe to EOF: EOF alone means the exec succeeded (the pipe is close-on-exec).
func (t *tracker) read(r *os.File) {
	msg, _ := io.ReadAll(io.LimitReader(r, 64<<10))
	r.Close()
	t.mu.Lock()
	// An EOF alone is a successful exec, unless the process is already gone by a signal: then it may have been
	// killed before it got there (a stop during setup), and nothing says it executed.
	killed := t.held != nil && t.held.Code != reaper.Exited
	t.mu.Unlock()
	switch {
	case len(msg) > 0 && t.onFailure != nil:
		step, text, _ := strings.Cut(string(bytes.TrimSpace(msg)), ": ")
		t.onFailure(&Failure{Pid: t.pid, Step: step, Code: ExitCode(step), Message: text})
	case len(msg) == 0 && !killed && t.onExec != nil:
		t.onExec(t.pid)
	}
	t.mu.Lock()
	t.eof = true
	held := t.held
	t.mu.Unlock()
	if held != nil {
		t.sink(*held)
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

// check refuses, before fork, what no machine could apply.
func check(s *pb.Spawn, o *Options) *Failure {
	if s.Path == "" && len(s.Argv) == 0 {
		return fail("EXEC", "spawn %q has no executable", s.Id)
	}
	ec := s.GetExec()
	if ec == nil {
		return nil
	}
	if ec.PassCredentials {
		return fail("CREDENTIALS", "pass_credentials: the contract carries no credentials (LoadCredential=, SetCredential=) to pass; refusing to run without them")
	}
	for name := range ec.Limits {
		if _, ok := rlimits[name]; !ok {
			return fail("LIMITS", "unknown resource limit Limit%s=", name)
		}
	}
	if _, ok := schedPolicies[ec.CpuSchedulingPolicy]; !ok {
		return fail("SETSCHEDULER", "unknown CPUSchedulingPolicy=%s", ec.CpuSchedulingPolicy)
	}
	for _, c := range ec.CapabilityBoundingSet {
		if _, err := capByName(c); err != nil {
			return fail("CAPABILITIES", "CapabilityBoundingSet=: %v", err)
		}
	}
	for _, c := range ec.AmbientCapabilities {
		if _, err := capByName(c); err != nil {
			return fail("CAPABILITIES", "AmbientCapabilities=: %v", err)
		}
	}
	for k := range ec.Directories {
		if _, ok := directoryKinds[k]; !ok {
			return fail("RUNTIME_DIRECTORY", "unknown directory kind %q", k)
		}
	}
	if err := checkStdio(ec, s.FdNames, len(o.Fds)); err != nil {
		return err
	}
	return nil
}
