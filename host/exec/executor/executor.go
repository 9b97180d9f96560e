package executor

import (
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"unsafe"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"
)

// defaultPath is PATH unless Environment= sets it.
const defaultPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

var rlimits = []entry[int]{
	{"CPU", unix.RLIMIT_CPU}, {"FSIZE", unix.RLIMIT_FSIZE}, {"DATA", unix.RLIMIT_DATA}, {"STACK", unix.RLIMIT_STACK},
	{"CORE", unix.RLIMIT_CORE}, {"RSS", unix.RLIMIT_RSS}, {"NOFILE", unix.RLIMIT_NOFILE}, {"AS", unix.RLIMIT_AS},
	{"NPROC", unix.RLIMIT_NPROC}, {"MEMLOCK", unix.RLIMIT_MEMLOCK}, {"LOCKS", unix.RLIMIT_LOCKS},
	{"SIGPENDING", unix.RLIMIT_SIGPENDING}, {"MSGQUEUE", unix.RLIMIT_MSGQUEUE}, {"NICE", unix.RLIMIT_NICE},
	{"RTPRIO", unix.RLIMIT_RTPRIO}, {"RTTIME", unix.RLIMIT_RTTIME},
}

// schedPolicies maps CPUSchedulingPolicy= to the kernel's policy; "" leaves the policy alone.
var schedPolicies = []entry[int]{
	{"", -1}, {"other", unix.SCHED_NORMAL}, {"batch", unix.SCHED_BATCH}, {"idle", unix.SCHED_IDLE},
	{"fifo", unix.SCHED_FIFO}, {"rr", unix.SCHED_RR},
}

// Arg0 is argv[0] of the executor: the small binary's name, and what a core started as its own executor sees.
const Arg0 = "sysmaster-executor"

// FdsEnv names the executor's spec, status and go-ahead fds, as "SPEC,STATUS,GO". It is the only variable in the
// executor's environment; the service's environment is built from the spec.
const FdsEnv = "SYSMASTER_EXECUTOR_FDS"

// Is reports whether this process was started as the executor (argv[0] Arg0, with FdsEnv set). The core calls
// it first thing in main: it is its own executor when the small binary is missing.
func Is() bool {
	return filepath.Base(os.Args[0]) == Arg0 && os.Getenv(FdsEnv) != ""
}

// Failure is a failure to start a process: before fork (Pid 0) or in the executor. Step is systemd's name for
// what failed ("EXEC", "USER", "CHDIR"…), Code its exit status.
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

// Main sets up the process as its spec says and execs the command. It never returns: on failure it writes
// "<STEP>: <message>" to the status pipe and exits with the step's code.
func Main() {
	// Everything below runs on this one thread: the per-thread state (mount namespace, capabilities, bounding
	// set, no_new_privs, nice, scheduling policy, the fs_struct after unshare) is what execve keeps.
	runtime.LockOSThread()
	x := &executor{status: -1}
	f := x.run()
	if x.status >= 0 {
		_ = writeAll(x.status, []byte(f.Step+": "+f.Message+"\n"))
	} else {
		os.Stderr.WriteString("sysmaster-executor: " + f.Step + ": " + f.Message + "\n")
	}
	os.Exit(f.Code)
}

// executor is the state of one executor process.
type executor struct {
	sp         *Spec
	ec         *Exec
	status     int
	journalOut int
	journalErr int

	user     *passwdEntry // User=, nil when unset
	uid, gid int
	groups   []int
	setGroup bool // Group= or SupplementaryGroups= set without User=
	env      []string
}

// run returns only on failure.
func (x *executor) run() *Failure {
	if f := x.readSpec(); f != nil {
		return f
	}
	ec, full := x.ec, x.ec.FullPrivileges
	for _, p := range x.sp.CgroupProcs {
		if err := os.WriteFile(p, []byte("0"), 0); err != nil {
			return fail("CGROUP", "%v", err)
		}
	}
	if f := x.resolveCreds(); f != nil {
		return f
	}
	if f := x.keyring(); f != nil {
		return f
	}
	if ec.Setsid {
		if _, err := unix.Setsid(); err != nil {
			return fail("SETSID", "%v", err)
		}
	}
	x.prepareTTY()
	if f := x.setupStdio(); f != nil {
		return f
	}
	x.ttySize()
	x.utmpInit()
	if ec.OomScoreAdjustSet {
		// As systemd's exec_child: a refusal for want of privilege (a container without CAP_SYS_RESOURCE, where
		// Debian's dbus.service asks for -900) is taken as containerized execution and ignored.
		err := os.WriteFile("/proc/self/oom_score_adj", []byte(strconv.Itoa(int(ec.OomScoreAdjust))), 0)
		if err != nil && !errors.Is(err, unix.EPERM) && !errors.Is(err, unix.EACCES) {
			return fail("OOM_ADJUST", "%v", err)
		}
	}
	if ec.NiceSet {
		// Per thread on Linux: this thread is the one that execs.
		if err := unix.Setpriority(unix.PRIO_PROCESS, 0, int(ec.Nice)); err != nil {
			return fail("NICE", "%v", err)
		}
	}
	if f := x.schedule(); f != nil {
		return f
	}
	if f := x.affinityAndIO(); f != nil {
		return f
	}
	for _, name := range sortedKeys(ec.Limits) {
		l := ec.Limits[name]
		// syscall.Setrlimit, not unix's: it tells the runtime not to restore its own NOFILE at exec.
		resource, _ := lookup(rlimits, name) // Check refused unknown names before fork
		if err := syscall.Setrlimit(resource, &syscall.Rlimit{Cur: l.Soft, Max: l.Hard}); err != nil {
			return fail("LIMITS", "Limit%s=%d:%d: %v", name, l.Soft, l.Hard, err)
		}
	}
	root := ec.RootDirectory
	if full {
		root = ""
	}
	if f := x.directories(root); f != nil {
		return f
	}
	// As in systemd, a "+" command gets the credentials too: they are not part of the sandbox.
	if f := x.setupCredentials(); f != nil {
		return f
	}
	mask := int(ec.Umask)
	if mask < 0 {
		mask = 0o022
	}
	unix.Umask(mask)
	sb := ec.Sandbox
	if full {
		sb = nil
	}
	if f := otherNamespaces(sb, x.sp.NamespaceUnit, x.sp.NamespaceInvocation); f != nil {
		return f
	}
	if f := x.fileSystemNamespace(root, sb, ec.PrivateTmp && !full); f != nil {
		return f
	}
	filters, err := seccompFilters(sb)
	if err != nil {
		return fail("SECCOMP", "%v", err)
	}
	x.buildEnv()
	if root != "" {
		if err := unix.Chroot(root); err != nil {
			return fail("CHROOT", "%s: %v", root, err)
		}
		if err := unix.Chdir("/"); err != nil {
			return fail("CHROOT", "%v", err)
		}
	}
	if f := x.credentials(); f != nil {
		return f
	}
	if f := x.chdir(); f != nil {
		return f
	}
	if f := x.finalCaps(); f != nil {
		return f
	}
	if err := resetSignals(); err != nil {
		return fail("SIGNAL_MASK", "%v", err)
	}
	if !x.ec.KeepSigpipe {
		if err := ignoreSignal(unix.SIGPIPE); err != nil {
			return fail("SIGNAL_MASK", "%v", err)
		}
	}
	path, argv := x.command()
	if len(filters) > 0 {
		return x.execFiltered(path, argv, filters)
	}
	err = unix.Exec(path, argv, x.env)
	return fail("EXEC", "%s: %v", path, err)
}

// execFiltered installs the seccomp filters and execs with nothing in between that could allocate: an
// allow-list without mmap must not meet the Go heap growing.
func (x *executor) execFiltered(path string, argv []string, filters [][]bpf.RawInstruction) *Failure {
	pathp, err := syscall.BytePtrFromString(path)
	if err != nil {
		return fail("EXEC", "%s: %v", path, err)
	}
	argvp, err := syscall.SlicePtrFromStrings(argv)
	if err != nil {
		return fail("EXEC", "%s: %v", path, err)
	}
	envp, err := syscall.SlicePtrFromStrings(x.env)
	if err != nil {
		return fail("EXEC", "%s: %v", path, err)
	}
	// Go's runtime raised the soft RLIMIT_NOFILE at start and puts the original back in syscall.Exec, which
	// alone knows it. An exec of the empty path does that and fails at once (ENOENT), leaving nothing for after
	// the filters, under which the restoring setrlimit could be refused or kill.
	_ = syscall.Exec("", argv, nil)
	if err := loadSeccomp(filters); err != nil {
		return fail("SECCOMP", "%v", err)
	}
	_, _, errno := unix.RawSyscall(unix.SYS_EXECVE, uintptr(unsafe.Pointer(pathp)),
		uintptr(unsafe.Pointer(&argvp[0])), uintptr(unsafe.Pointer(&envp[0])))
	return fail("EXEC", "%s: %v", path, errno)
}

// fileSystemNamespace sets up the mount namespace of PrivateTmp= and the sandbox, if they ask for one.
func (x *executor) fileSystemNamespace(root string, sb *Sandbox, privateTmp bool) *Failure {
	if !needsNamespace(sb, privateTmp) {
		return nil
	}
	var srcTmp, srcVar string
	if privateTmp && x.sp.NamespaceInvocation != "" {
		// Shared by the invocation's processes; without an invocation each process gets tmpfs of its own.
		tmp, varTmp := PrivateTmpDirs(x.sp.NamespaceUnit, x.sp.NamespaceInvocation)
		var err error
		if srcTmp, err = privateDir(tmp); err != nil {
			return fail("NAMESPACE", "PrivateTmp=: %v", err)
		}
		if srcVar, err = privateDir(varTmp); err != nil {
			return fail("NAMESPACE", "PrivateTmp=: %v", err)
		}
	}
	mountFlags := ""
	if sb != nil {
		mountFlags = sb.MountFlags
	}
	if err := setupNamespace(root, x.namespaceEntries(sb, privateTmp, srcTmp, srcVar), mountFlags); err != nil {
		return fail("NAMESPACE", "%v", err)
	}
	return nil
}

// readSpec reads the spec and puts the fds in order: status close-on-exec, spec closed, everything above them
// close-on-exec (the passed fds and 0–2 stay as they are).
func (x *executor) readSpec() *Failure {
	specFd, statusFd, goFd, err := parseFdsEnv(os.Getenv(FdsEnv))
	os.Unsetenv(FdsEnv)
	if err != nil {
		return fail("FDS", "%v", err)
	}
	unix.CloseOnExec(statusFd)
	x.status = statusFd
	// Nothing is done before the core has noted this process (host/exec's Options.Forked): EOF means it died first, and
	// the process ends here, outside the unit's cgroup, as if never started.
	var ahead [1]byte
	n, err := unix.Read(goFd, ahead[:])
	for err == unix.EINTR {
		n, err = unix.Read(goFd, ahead[:])
	}
	unix.Close(goFd)
	if n != 1 {
		return fail("FDS", "the core ended before it recorded this process")
	}
	f := os.NewFile(uintptr(specFd), "spec")
	b, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return fail("FDS", "read spec: %v", err)
	}
	sp, err := DecodeSpec(b)
	if err != nil {
		return fail("FDS", "%v", err)
	}
	x.sp, x.ec = sp, &sp.Exec
	if err := unix.CloseRange(uint(statusFd+1), ^uint(0), unix.CLOSE_RANGE_CLOEXEC); err != nil {
		return fail("FDS", "close range: %v", err)
	}
	if x.journalOut, err = dupCloexec(1); err != nil {
		return fail("STDOUT", "%v", err)
	}
	if x.journalErr, err = dupCloexec(2); err != nil {
		return fail("STDERR", "%v", err)
	}
	return nil
}

// resolveCreds looks up User=, Group= and SupplementaryGroups=.
func (x *executor) resolveCreds() *Failure {
	ec := x.ec
	x.uid, x.gid = os.Getuid(), os.Getgid()
	if ec.User != "" {
		u, err := lookupUser(ec.User)
		if err != nil {
			return fail("USER", "%v", err)
		}
		x.user, x.uid, x.gid = u, u.uid, u.gid
		if x.groups, err = memberOf(u.name); err != nil {
			return fail("GROUP", "%v", err)
		}
	}
	if ec.Group != "" {
		g, err := lookupGroup(ec.Group)
		if err != nil {
			return fail("GROUP", "%v", err)
		}
		x.gid = g.gid
	}
	for _, name := range ec.SupplementaryGroups {
		g, err := lookupGroup(name)
		if err != nil {
			return fail("GROUP", "SupplementaryGroups=: %v", err)
		}
		x.groups = append(x.groups, g.gid)
	}
	x.setGroup = ec.User == "" && (ec.Group != "" || len(ec.SupplementaryGroups) > 0)
	return nil
}

func (x *executor) schedule() *Failure {
	ec := x.ec
	policy, _ := lookup(schedPolicies, ec.CpuSchedulingPolicy)
	if policy < 0 && ec.CpuSchedulingPriority == 0 {
		return nil
	}
	if policy < 0 {
		p, _, errno := unix.RawSyscall(unix.SYS_SCHED_GETSCHEDULER, 0, 0, 0)
		if errno != 0 {
			return fail("SETSCHEDULER", "%v", errno)
		}
		policy = int(p)
	}
	param := struct{ priority int32 }{ec.CpuSchedulingPriority}
	// Per thread, like nice: this is the thread that execs.
	if _, _, errno := unix.RawSyscall(unix.SYS_SCHED_SETSCHEDULER, 0, uintptr(policy), uintptr(unsafe.Pointer(&param))); errno != 0 {
		return fail("SETSCHEDULER", "CPUSchedulingPolicy=%s CPUSchedulingPriority=%d: %v", ec.CpuSchedulingPolicy, ec.CpuSchedulingPriority, errno)
	}
	return nil
}

// affinityAndIO applies CPUAffinity= and IOSchedulingClass=/IOSchedulingPriority= to this thread (the one that
// execs), in systemd's order.
func (x *executor) affinityAndIO() *Failure {
	ec := x.ec
	if len(ec.CpuAffinity) > 0 {
		var set unix.CPUSet
		for _, c := range ec.CpuAffinity {
			if int(c) >= len(set)*64 {
				return fail("CPUAFFINITY", "CPU %d is beyond the %d this build can name", c, len(set)*64)
			}
			set.Set(int(c))
		}
		if err := unix.SchedSetaffinity(0, &set); err != nil {
			return fail("CPUAFFINITY", "CPUAffinity=: %v", err)
		}
	}
	if ec.IoprioSet {
		const whoProcess = 1 // IOPRIO_WHO_PROCESS; pid 0 is this thread
		if _, _, errno := unix.RawSyscall(unix.SYS_IOPRIO_SET, whoProcess, 0, uintptr(ec.Ioprio)); errno != 0 {
			return fail("IOPRIO", "IOSchedulingClass=/IOSchedulingPriority= (ioprio %#x): %v", ec.Ioprio, errno)
		}
	}
	return nil
}

// directories creates RuntimeDirectory= and the others under root, and notes their variables.
func (x *executor) directories(root string) *Failure {
	for _, kind := range directoryOrder {
		set := x.ec.Directories[kind]
		if set == nil || len(set.Paths) == 0 {
			continue
		}
		k, _ := lookup(directoryKinds, kind)
		mode := set.Mode & 0o7777
		if set.Mode == 0 {
			mode = 0o755
		}
		var vars []string
		for _, p := range set.Paths {
			if err := makeDirectory(root, k.base, p, mode, k.chown, x.uid, x.gid); err != nil {
				var ce *chownError
				if errors.As(err, &ce) {
					return fail("CHOWN", "%s/%s: %v", k.base, p, ce.error)
				}
				return fail(k.step, "%v", err)
			}
			vars = append(vars, filepath.Join(k.base, filepath.Clean("/"+p)))
		}
		x.env = append(x.env, k.env+"="+strings.Join(vars, ":"))
	}
	return nil
}

// buildEnv makes the environment: PATH, what the manager sets (systemd's "our" variables), then Environment=,
// later entries winning.
func (x *executor) buildEnv() {
	ec := x.ec
	env := []string{"PATH=" + defaultPath}
	if x.user != nil {
		env = append(env, "HOME="+x.user.home, "LOGNAME="+x.user.name, "USER="+x.user.name, "SHELL="+x.user.shll)
	}
	if x.sp.InvocationID != "" {
		env = append(env, "INVOCATION_ID="+x.sp.InvocationID)
	}
	if x.sp.NotifySocket != "" {
		env = append(env, "NOTIFY_SOCKET="+x.sp.NotifySocket)
	}
	if n := x.sp.Fds; n > 0 {
		names := make([]string, n)
		for i := range names {
			names[i] = fdName(x.sp.FdNames, i)
		}
		env = append(env, "LISTEN_FDS="+strconv.Itoa(n), "LISTEN_PID="+strconv.Itoa(os.Getpid()),
			"LISTEN_FDNAMES="+strings.Join(names, ":"))
	}
	env = append(env, x.sp.ManagerEnv...)
	env = append(env, x.env...) // the *_DIRECTORY variables
	env = append(env, ec.Environment...)
	// The watchdog is the main process's: WATCHDOG_PID names it, so that sd_watchdog_enabled() in a child says no.
	for _, kv := range ec.Environment {
		if strings.HasPrefix(kv, "WATCHDOG_USEC=") && x.sp.Main {
			env = append(env, "WATCHDOG_PID="+strconv.Itoa(os.Getpid()))
		}
	}
	x.env = mergeEnv(env)
}

// mergeEnv keeps the last value of each variable, in the order of first appearance.
func mergeEnv(env []string) []string {
	index := map[string]int{}
	var out []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if i, ok := index[k]; ok {
			out[i] = kv
			continue
		}
		index[k] = len(out)
		out = append(out, kv)
	}
	return out
}

func (x *executor) getenv(key string) string {
	for _, kv := range x.env {
		if k, v, _ := strings.Cut(kv, "="); k == key {
			return v
		}
	}
	return ""
}

// credentials drops the bounding set and changes groups and user (set*id act on all threads: Go's syscall
// package does that since Go 1.16).
func (x *executor) credentials() *Failure {
	ec := x.ec
	if ec.FullPrivileges {
		return nil
	}
	if drop := sandboxDrops(ec.Sandbox); len(ec.CapabilityBoundingSet) > 0 || ec.NoCapabilities || drop != 0 {
		keep := ^uint64(0)
		if len(ec.CapabilityBoundingSet) > 0 || ec.NoCapabilities {
			keep, _ = capMask(ec.CapabilityBoundingSet) // nothing kept for NoCapabilities
		}
		if err := dropBounding(keep &^ drop); err != nil {
			return fail("CAPABILITIES", "%v", err)
		}
	}
	if ec.AmbientOnly || (x.user == nil && !x.setGroup) {
		return nil
	}
	if len(ec.AmbientCapabilities) > 0 && x.uid != 0 {
		if err := unix.Prctl(unix.PR_SET_KEEPCAPS, 1, 0, 0, 0); err != nil {
			return fail("CAPABILITIES", "keep capabilities: %v", err)
		}
	}
	if err := syscall.Setgroups(x.groups); err != nil {
		return fail("GROUP", "setgroups: %v", err)
	}
	if err := syscall.Setresgid(x.gid, x.gid, x.gid); err != nil {
		return fail("GROUP", "setresgid %d: %v", x.gid, err)
	}
	if x.user != nil {
		if err := syscall.Setresuid(x.uid, x.uid, x.uid); err != nil {
			return fail("USER", "setresuid %d: %v", x.uid, err)
		}
	}
	return nil
}

// chdir applies WorkingDirectory= after the user change, as systemd does (the directory may be reachable by the
// user only).
func (x *executor) chdir() *Failure {
	wd := x.ec.WorkingDirectory
	optional := strings.HasPrefix(wd, "-")
	wd = strings.TrimPrefix(wd, "-")
	switch {
	case wd == "~" && x.user != nil:
		wd = x.user.home
	case wd == "~":
		wd = x.getenv("HOME")
		if wd == "" {
			wd = "/root"
		}
	case wd == "":
		wd = "/"
	}
	if err := unix.Chdir(wd); err != nil {
		if optional {
			_ = unix.Chdir("/")
			return nil
		}
		return fail("CHDIR", "%s: %v", wd, err)
	}
	return nil
}

// finalCaps raises AmbientCapabilities= and sets NoNewPrivileges=, on this thread, last before exec.
func (x *executor) finalCaps() *Failure {
	ec := x.ec
	if ec.FullPrivileges {
		return nil
	}
	if len(ec.AmbientCapabilities) > 0 {
		amb, _ := capMask(ec.AmbientCapabilities)
		if err := raiseAmbient(amb, x.uid != 0 && !ec.AmbientOnly && x.user != nil); err != nil {
			return fail("CAPABILITIES", "AmbientCapabilities=: %v", err)
		}
	}
	if ec.NoNewPrivileges {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fail("NO_NEW_PRIVILEGES", "%v", err)
		}
	}
	return nil
}

// resetSignals gives the exec'd command every signal at its default: ignored ones are set back to SIG_DFL
// (execve keeps them ignored, and a signal the core ignores would stay ignored in every service), and this
// thread's mask is emptied (execve keeps the mask).
func resetSignals() error {
	for sig := 1; sig <= 64; sig++ {
		if sig == int(unix.SIGKILL) || sig == int(unix.SIGSTOP) {
			continue
		}
		// The kernel's struct sigaction: the handler comes first on every architecture; an all-zero one is
		// SIG_DFL with no flags and an empty mask.
		var old, dfl [4]uint64
		if _, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), 0, uintptr(unsafe.Pointer(&old)), 8, 0, 0); errno != 0 {
			continue // not a signal this kernel has
		}
		if old[0] != 1 { // SIG_IGN
			continue
		}
		if _, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&dfl)), 0, 8, 0, 0); errno != 0 {
			return fmt.Errorf("reset signal %d: %w", sig, errno)
		}
	}
	var none unix.Sigset_t
	return unix.PthreadSigmask(unix.SIG_SETMASK, &none, nil)
}

// ignoreSignal sets sig to SIG_IGN, which execve keeps.
func ignoreSignal(sig unix.Signal) error {
	ign := [4]uint64{1} // the kernel's struct sigaction with the handler SIG_IGN
	if _, _, errno := unix.RawSyscall6(unix.SYS_RT_SIGACTION, uintptr(sig), uintptr(unsafe.Pointer(&ign)), 0, 8, 0, 0); errno != 0 {
		return fmt.Errorf("ignore signal %d: %w", sig, errno)
	}
	return nil
}

// command resolves the executable: a name without a slash is looked up in PATH.
func (x *executor) command() (string, []string) {
	path, argv := x.sp.Path, x.sp.Argv
	if path == "" {
		path = argv[0]
	}
	if len(argv) == 0 {
		argv = []string{path}
	}
	if !strings.Contains(path, "/") {
		for _, dir := range filepath.SplitList(x.getenv("PATH")) {
			p := filepath.Join(dir, path)
			if unix.Access(p, unix.X_OK) == nil {
				return p, argv
			}
		}
	}
	return path, argv
}

func sortedKeys[V any](m map[string]V) []string {
	return slices.Sorted(maps.Keys(m))
}

// parseFdsEnv reads "SPEC,STATUS,GO".
func parseFdsEnv(v string) (specFd, statusFd, goFd int, err error) {
	f := strings.Split(v, ",")
	if len(f) != 3 {
		return 0, 0, 0, fmt.Errorf("malformed %s=%q", FdsEnv, v)
	}
	var fds [3]int
	for i, s := range f {
		if fds[i], err = strconv.Atoi(s); err != nil {
			return 0, 0, 0, fmt.Errorf("malformed %s=%q: %w", FdsEnv, v, err)
		}
	}
	return fds[0], fds[1], fds[2], nil
}
