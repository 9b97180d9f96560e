package manager

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/exec"
	"github.com/sysmaster/sysmaster/host/reaper"
	"github.com/sysmaster/sysmaster/pkg/exitstatus"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// spawn carries out a Spawn action; the plugin hears back with Spawned or SpawnFailed, then ChildExited. The
// process starts in the unit's cgroup, its output going to the unit's log unless its settings say otherwise.
func (m *Manager) spawn(u *Unit, s *pb.Spawn) {
	opts := exec.Options{
		Unit:         u.ID,
		InvocationID: u.invocationID,
		Environment:  m.environ,
		CgroupProcs:  m.cgroupFor(u, s.Cgroup),
		// The exit (status f.Code) follows and reaches the plugin as ChildExited; the message goes to the log.
		OnFailure: func(f *exec.Failure) {
			m.unitLogf(u, 3, "%s: Failed at step %s spawning %s: %s", u.ID, f.Step, s.Path, f.Message)
		},
		// Pushed before the process's exit reaches the reaper's sink, and drained before exits.
		OnExec: func(pid int) {
			m.procs.executed.push(executed{unit: u, pid: pid, id: s.Id, role: s.Role})
			m.procs.exits.wake()
		},
		// Noted before the process may run: one that a crash leaves out of the spawn log never runs at all.
		Forked: func(pid int) {
			m.crashPoint("forked", u.ID)
			m.procs.spawnLog.add(pid, u.ID)
		},
	}
	if m.notifySocket != nil {
		opts.NotifySocket = m.notifySocket.Path()
	}
	if exec.HasPrivateState(s.GetExec()) {
		opts.NamespaceUnit, opts.NamespaceInvocation = m.namespaceHolder(u)
	}
	var err error
	ident := s.GetExec().GetSyslogIdentifier()
	if ident == "" && len(s.Argv) > 0 {
		ident = filepath.Base(s.Argv[0])
	}
	// A pipe (and its reader) only for a stream that goes to the log: stderr's default, inherit, shares stdout's.
	if toLog(s.GetExec().GetStandardOutput(), true) {
		if opts.Stdout, err = m.capture(u, "stdout", ident, 6); err == nil {
			defer opts.Stdout.Close()
		}
	}
	if err == nil && toLog(s.GetExec().GetStandardError(), false) {
		if opts.Stderr, err = m.capture(u, "stderr", ident, 3); err == nil {
			defer opts.Stderr.Close()
		}
	}
	if err != nil {
		m.log.Warn("cannot capture the output; it goes to the console", "unit", u.ID, "error", err)
		opts.Stdout, opts.Stderr = nil, nil
	}
	m.rememberCleanup(u, s.GetExec())
	var pid int
	if opts.Fds, s.FdNames, err = m.resolveFds(u, s); err != nil {
		err = &exec.Failure{Code: 202, Step: "FDS", Message: err.Error()}
	} else {
		pid, err = m.procs.exec.Start(s, opts)
	}
	if err != nil {
		m.unitLogf(u, 3, "%s: Failed to spawn %s: %v", u.ID, s.Path, err)
		code := int32(203)
		var f *exec.Failure
		if errors.As(err, &f) {
			code = int32(f.Code)
		}
		m.send(u, &pb.Event{Kind: &pb.Event_SpawnFailed{SpawnFailed: &pb.SpawnFailed{Id: s.Id, Role: s.Role, Message: err.Error(), ExitCode: code}}})
		m.checkEmpty(u, true)
		return
	}
	m.crashPoint("spawned", u.ID, func() bool { return m.cgroupHasOther(u, pid) })
	u.addChild(pid, child{id: s.Id, role: s.Role, argv: s.Argv, path: s.Path, start: now()})
	u.populated = true
	m.procs.owner[pid] = u
	switch s.Role {
	case pb.Role_ROLE_MAIN:
		u.MainPid = pid
		u.execMain = execMain{pid: pid, start: now()}
	case pb.Role_ROLE_CONTROL:
		u.ControlPid = pid
	}
	m.send(u, &pb.Event{Kind: &pb.Event_Spawned{Spawned: &pb.Spawned{Id: s.Id, Pid: int64(pid), Role: s.Role}}})
}

// onExit hands an exit to the unit that owns the pid. Exits of pids no unit owns (orphans re-parented to the
// core) need nothing more: they have been reaped.
func (m *Manager) onExit(e reaper.Exit) {
	u := m.procs.owner[e.Pid]
	if u == nil {
		m.log.Debug("reaped process of no unit", "pid", e.Pid, "how", e.String())
		// An orphan a unit left (a daemon's child): its unit's cgroup may have emptied with it.
		m.checkAllEmpty()
		return
	}
	delete(m.procs.owner, e.Pid)
	c := u.children[e.Pid]
	delete(u.children, e.Pid)
	if len(u.children) == 0 {
		u.children = nil // as a unit's log pipes: no room kept for the next start
	}
	if u.MainPid == e.Pid {
		u.MainPid = 0
	}
	if u.execMain.pid == e.Pid {
		u.execMain.exit, u.execMain.code, u.execMain.status = now(), e.Code, e.Status
	}
	if u.ControlPid == e.Pid {
		u.ControlPid = 0
	}
	u.noteFinished(e.Pid, c, e.Code, e.Status) // execstatus.go
	m.send(u, &pb.Event{Kind: &pb.Event_ChildExited{ChildExited: &pb.ChildExited{
		Pid: int64(e.Pid), Role: c.role, Id: c.id, Code: pb.ExitCode(e.Code), Status: int32(e.Status), TimeUsec: e.Time.UnixMicro(),
		OomKilled: e.Code == reaper.Killed && e.Status == int(unix.SIGKILL) && m.newOOMKill(u),
	}}})
	m.checkEmpty(u, false)
}

// checkEmpty sends u a CgroupEmpty when nothing of it runs any more: since it last had processes or, with force,
// in any case (the answer to a kill or a failed spawn, which the plugin may wait for). The core is a subreaper,
// so every process of a unit is a descendant of the core and its end comes through the reaper.
func (m *Manager) checkEmpty(u *Unit, force bool) {
	if !u.populated && !force || m.populated(u) {
		return
	}
	u.populated = false
	m.send(u, &pb.Event{Kind: &pb.Event_CgroupEmpty{CgroupEmpty: &pb.CgroupEmpty{}}})
	m.removeCgroup(u)
	m.queueGC(u)
}

// checkAllEmpty runs checkEmpty for every unit that had processes and whose emptiness is not watched (legacy v1
// hierarchies, or no cgroups): elsewhere cgroup.events says it.
func (m *Manager) checkAllEmpty() {
	for _, u := range m.units {
		if u.populated && u.unwatch == nil {
			m.checkEmpty(u, false)
		}
	}
}

// unitPids lists u's processes: its cgroup's, or else the children the core knows of.
func (m *Manager) unitPids(u *Unit) []int {
	if m.cg != nil && u.cgroupMade {
		if pids, err := m.cg.Pids(cgroupName(u)); err == nil {
			sort.Ints(pids)
			return pids
		}
	}
	pids := make([]int, 0, len(u.children))
	for pid := range u.children {
		pids = append(pids, pid)
	}
	sort.Ints(pids)
	return pids
}

// populated reports whether u still has processes.
func (m *Manager) populated(u *Unit) bool {
	if len(u.children) > 0 {
		return true
	}
	if m.cg != nil && u.cgroupMade {
		p, err := m.cg.Populated(cgroupName(u))
		return err == nil && p
	}
	return false
}

// setMainPid adopts pid as u's main process (it must be our child: the core is a subreaper). Pid 0 asks the core
// to guess (GuessMainPID=): the one process left in the unit, if there is exactly one.
func (m *Manager) setMainPid(u *Unit, pid int) {
	if pid == 0 {
		if pid = m.guessMainPid(u); pid == 0 {
			m.log.Info("cannot guess the main pid", "unit", u.ID)
			return
		}
	}
	if pid <= 1 {
		m.log.Error("plugin set an invalid main pid", "unit", u.ID, "pid", pid)
		return
	}
	if !m.reaper.Claim(pid, m.pushExit) {
		// Not our child (a daemon's grandchild that took over with MAINPID=): systemd supervises it too when it
		// belongs to the unit, without knowing its exit status.
		if !slices.Contains(m.unitPids(u), pid) {
			m.unitLogf(u, 4, "%s: New main PID %d does not belong to service, and PID file is not owned by root. Refusing.", u.ID, pid)
			return
		}
		if err := m.watchForeign(u, pid); err != nil {
			m.unitLogf(u, 4, "%s: Cannot watch main PID %d: %v", u.ID, pid, err)
			return
		}
		m.unitLogf(u, 6, "%s: Supervising process %d which is not our child; its exit status will not be known.", u.ID, pid)
	}
	u.MainPid = pid
	u.execMain = execMain{pid: pid, start: now()}
	u.addChild(pid, child{role: pb.Role_ROLE_MAIN})
	u.populated = true
	m.procs.owner[pid] = u
}

// guessMainPid is the only process of u that is not its control process and whose parent is the core (a
// daemon that forked away from its starter is re-parented to the core, a subreaper), or 0. As systemd's
// unit_search_main_pid, it skips the daemon's own children, which would otherwise make every daemon with a
// child ambiguous.
func (m *Manager) guessMainPid(u *Unit) int {
	var found int
	self := os.Getpid()
	for _, pid := range m.unitPids(u) {
		if pid == u.ControlPid || parentPid(pid) != self {
			continue
		}
		if found != 0 {
			return 0
		}
		found = pid
	}
	return found
}

// kill signals u's main, control or all processes.
func (m *Manager) kill(u *Unit, k *pb.KillAction) {
	// The plugin may wait for the unit to be empty after any kill: tell it when it is (or already was).
	defer m.checkEmpty(u, true)
	sig := syscall.Signal(k.Signal)
	if k.Whom == pb.Whom_WHOM_ALL && m.cg != nil && u.cgroupMade {
		// A process the core started that has not joined the cgroup yet (the executor joins it between fork and
		// exec) is signalled by pid; the others only through the cgroup, so that none gets the signal twice.
		inCgroup := map[int]bool{}
		if pids, err := m.cg.Pids(cgroupName(u)); err == nil {
			for _, pid := range pids {
				inCgroup[pid] = true
			}
		}
		for pid := range u.children {
			if !inCgroup[pid] && !m.procs.exits.has(pid) { // a queued exit: the pid may be another process's now
				_ = unix.Kill(pid, sig)
			}
		}
		if _, err := m.cg.Kill(cgroupName(u), sig); err != nil {
			m.log.Warn("kill failed", "unit", u.ID, "signal", k.Signal, "error", err)
		}
		if k.AlsoSighup {
			_, _ = m.cg.Kill(cgroupName(u), unix.SIGHUP)
		}
		return
	}
	var pids []int
	switch k.Whom {
	case pb.Whom_WHOM_MAIN:
		pids = []int{u.MainPid}
	case pb.Whom_WHOM_CONTROL:
		pids = []int{u.ControlPid}
	default:
		pids = m.unitPids(u)
	}
	for _, pid := range pids {
		if pid <= 1 {
			continue
		}
		if err := unix.Kill(pid, sig); err != nil && err != unix.ESRCH {
			m.log.Warn("kill failed", "unit", u.ID, "pid", pid, "signal", k.Signal, "error", err)
		}
		if k.AlsoSighup {
			_ = unix.Kill(pid, unix.SIGHUP)
		}
	}
}

// rememberCleanup notes what an activation leaves behind that the core removes when the unit goes down:
// RuntimeDirectory= (unless RuntimeDirectoryPreserve=), the PrivateTmp= directories and shared namespaces, and the
// terminal that TTYReset=, TTYVHangup= and TTYVTDisallocate= reset.
func (m *Manager) rememberCleanup(u *Unit, ec *pb.ExecContext) {
	if r := exec.TTYResetOf(ec); r != nil {
		u.ttyReset = r
	}
	if rt := ec.GetDirectories()["runtime"]; rt != nil && !rt.Preserve {
		for _, p := range rt.Paths {
			u.addRuntimeDir(filepath.Join("/run", p))
		}
	}
	if exec.HasPrivateState(ec) && u.invocationID != "" && !u.privateTmp {
		if unit, inv := m.namespaceHolder(u); unit != u.ID || inv != u.invocationID {
			u.namespaceOf = unit + " " + inv
		}
		u.privateTmp = true
	}
}

// namespaceHolder is the unit and invocation whose PrivateTmp= directories and network and IPC namespaces u's
// processes use: those u's activation already uses, else those of a unit of JoinsNamespaceOf= (both ways, as
// in systemd) that has them now, else u's own.
func (m *Manager) namespaceHolder(u *Unit) (unit, invocation string) {
	if u.privateTmp {
		return namespaceKey(u)
	}
	for _, name := range u.deps.get("JoinsNamespaceOf") {
		if v := m.units[name]; v != nil && v != u && v.privateTmp {
			return namespaceKey(v)
		}
	}
	return u.ID, u.invocationID
}

func namespaceKey(u *Unit) (unit, invocation string) {
	if unit, inv, ok := strings.Cut(u.namespaceOf, " "); ok {
		return unit, inv
	}
	return u.ID, u.invocationID
}

// cleanUp removes what rememberCleanup noted, once u is down.
func (m *Manager) cleanUp(u *Unit) {
	if r := u.ttyReset; r != nil {
		// systemd's exec_context_tty_reset when the unit has gone: the terminal is left sane for its next user.
		u.ttyReset = nil
		r.Apply(func(key string, err error) { m.unitLogf(u, 4, "%s %s: %v", key, r.Path, err) })
	}
	for dir := range u.runtimeDirs {
		if err := os.RemoveAll(dir); err != nil {
			m.log.Warn("cannot remove the runtime directory", "unit", u.ID, "path", dir, "error", err)
		}
		delete(u.runtimeDirs, dir)
	}
	// Cheap when there is none (one failing umount2): no state to checkpoint for it.
	if err := exec.RemoveCredentials(u.ID); err != nil {
		m.log.Warn("cannot remove the credentials", "unit", u.ID, "error", err)
	}
	if u.privateTmp {
		unit, inv := namespaceKey(u)
		u.privateTmp, u.namespaceOf = false, ""
		// Removed with the last unit that uses them (JoinsNamespaceOf= shares them).
		held := false
		for _, v := range m.units {
			if v.privateTmp {
				if vu, vi := namespaceKey(v); vu == unit && vi == inv {
					held = true
				}
			}
		}
		if !held {
			if err := exec.RemovePrivateTmp(unit, inv); err != nil {
				m.log.Warn("cannot remove the private /tmp", "unit", u.ID, "error", err)
			}
		}
	}
}

// executed is the report that a spawned process executed its command. It changes nothing the core keeps, and most
// plugins ignore it (the service plugin acts on it for Type=exec only): it is queued without marking the unit
// dirty, and an answer that changes nothing (delivered) leaves the turn without a commit of its own, one of a
// restart's five.
func (m *Manager) onExecuted(x executed) {
	m.pg.add(x.unit, &pb.Event{Kind: &pb.Event_Executed{Executed: &pb.Executed{Id: x.id, Pid: int64(x.pid), Role: x.role}}})
	m.pg.unmarked = true
}

// watchForeign notices the end of a main process that is not the core's child through a pidfd (the reaper
// cannot wait for it) and hands it on as an exit of status 0, its real status being unknowable.
func (m *Manager) watchForeign(u *Unit, pid int) error {
	fd, err := unix.PidfdOpen(pid, 0)
	if err != nil {
		return err
	}
	go func() {
		defer unix.Close(fd)
		fds := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		for {
			if _, err := unix.Poll(fds, -1); err != unix.EINTR {
				break
			}
		}
		m.post(func() { m.foreignExited(u, pid) })
	}()
	return nil
}

func (m *Manager) foreignExited(u *Unit, pid int) {
	if m.procs.owner[pid] != u {
		return // its end came through the reaper: it had become our child
	}
	if m.reaper.Claim(pid, m.pushExit) {
		return // it is our child now (re-parented to the core): the reaper reports it, with its status
	}
	m.onExit(reaper.Exit{Pid: pid, Exit: exitstatus.Exit{Code: reaper.Exited}, Time: time.Now()})
}

// parentPid is pid's parent from /proc/PID/stat, or 0.
func parentPid(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return 0
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 2 {
		return 0
	}
	ppid, _ := strconv.Atoi(f[1])
	return ppid
}

// toLog reports whether a StandardOutput=/StandardError= value sends the stream to the unit's log: journal, kmsg
// and syslog (with or without +console), and the empty value for stdout (whose default is journal).
func toLog(spec string, stdout bool) bool {
	switch strings.TrimSuffix(spec, "+console") {
	case "journal", "kmsg", "syslog":
		return true
	case "":
		return stdout
	}
	return false
}
