package manager

import (
	"errors"
	"fmt"
	"sort"
	"syscall"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/exec"
	"github.com/sysmaster/sysmaster/host/reaper"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// spawn carries out a Spawn action; the plugin hears back with Spawned or SpawnFailed, then ChildExited.
func (m *Manager) spawn(u *Unit, s *pb.Spawn) {
	pid, err := exec.Start(m.reaper, s, m.exits.push, exec.Options{
		Unit: u.ID,
		// The exit (status f.Code) follows and reaches the plugin as ChildExited; the message is for the log.
		OnFailure: func(f *exec.Failure) {
			m.log.Error("process failed before exec", "unit", u.ID, "id", s.Id, "pid", f.Pid, "step", f.Step, "status", f.Code, "error", f.Message)
		},
	})
	if err != nil {
		m.log.Error("cannot spawn", "unit", u.ID, "id", s.Id, "error", err)
		code := int32(203)
		var f *exec.Failure
		if errors.As(err, &f) {
			code = int32(f.Code)
		}
		m.send(u, &pb.Event{Kind: &pb.Event_SpawnFailed{SpawnFailed: &pb.SpawnFailed{Id: s.Id, Role: s.Role, Message: err.Error(), ExitCode: code}}})
		return
	}
	u.children[pid] = child{id: s.Id, role: s.Role}
	m.pids[pid] = u
	switch s.Role {
	case pb.Role_ROLE_MAIN:
		u.MainPid = pid
	case pb.Role_ROLE_CONTROL:
		u.ControlPid = pid
	}
	m.send(u, &pb.Event{Kind: &pb.Event_Spawned{Spawned: &pb.Spawned{Id: s.Id, Pid: int64(pid), Role: s.Role}}})
}

// onExit hands an exit to the unit that owns the pid. Exits of pids no unit owns (orphans re-parented to the
// core) need nothing more: they have been reaped.
func (m *Manager) onExit(e reaper.Exit) {
	u := m.pids[e.Pid]
	if u == nil {
		m.log.Debug("reaped process of no unit", "pid", e.Pid, "how", describeExit(e))
		return
	}
	delete(m.pids, e.Pid)
	c := u.children[e.Pid]
	delete(u.children, e.Pid)
	if u.MainPid == e.Pid {
		u.MainPid = 0
	}
	if u.ControlPid == e.Pid {
		u.ControlPid = 0
	}
	m.send(u, &pb.Event{Kind: &pb.Event_ChildExited{ChildExited: &pb.ChildExited{
		Pid: int64(e.Pid), Role: c.role, Id: c.id, Code: pb.ExitCode(e.Code), Status: int32(e.Status), TimeUsec: e.Time.UnixMicro(),
	}}})
}

// setMainPid adopts pid as u's main process (it must be our child: the core is a subreaper).
func (m *Manager) setMainPid(u *Unit, pid int) {
	if pid <= 1 {
		m.log.Error("plugin set an invalid main pid", "unit", u.ID, "pid", pid)
		return
	}
	if !m.reaper.Claim(pid, m.exits.push) {
		m.log.Error("main pid is not a child of the manager", "unit", u.ID, "pid", pid)
		return
	}
	u.MainPid = pid
	u.children[pid] = child{role: pb.Role_ROLE_MAIN}
	m.pids[pid] = u
}

// kill signals u's main, control or all processes.
func (m *Manager) kill(u *Unit, k *pb.KillAction) {
	var pids []int
	switch k.Whom {
	case pb.Whom_WHOM_MAIN:
		pids = []int{u.MainPid}
	case pb.Whom_WHOM_CONTROL:
		pids = []int{u.ControlPid}
	default:
		for pid := range u.children {
			pids = append(pids, pid)
		}
		sort.Ints(pids)
	}
	for _, pid := range pids {
		if pid <= 1 {
			continue
		}
		if err := unix.Kill(pid, syscall.Signal(k.Signal)); err != nil && err != unix.ESRCH {
			m.log.Warn("kill failed", "unit", u.ID, "pid", pid, "signal", k.Signal, "error", err)
		}
		if k.AlsoSighup {
			_ = unix.Kill(pid, unix.SIGHUP)
		}
	}
}

// armTimer arms (or re-arms) a unit's timer; it fires as a TimerFired event on the loop.
func (m *Manager) armTimer(u *Unit, a *pb.ArmTimer) {
	m.disarmTimer(u, a.Id)
	d := time.Duration(a.Usec) * time.Microsecond
	if a.RealtimeUsec != 0 {
		d = time.Until(time.UnixMicro(int64(a.RealtimeUsec)))
	}
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		m.post(func() {
			if u.timers[a.Id] != t {
				return // disarmed or re-armed meanwhile
			}
			delete(u.timers, a.Id)
			m.send(u, &pb.Event{Kind: &pb.Event_TimerFired{TimerFired: &pb.TimerFired{Id: a.Id}}})
		})
	})
	u.timers[a.Id] = t
}

func (m *Manager) disarmTimer(u *Unit, id string) {
	if t := u.timers[id]; t != nil {
		t.Stop()
		delete(u.timers, id)
	}
}

func describeExit(e reaper.Exit) string {
	switch e.Code {
	case reaper.Exited:
		return fmt.Sprintf("code=exited, status=%d", e.Status)
	case reaper.Dumped:
		return fmt.Sprintf("code=dumped, signal=%s", unix.SignalName(syscall.Signal(e.Status)))
	}
	return fmt.Sprintf("code=killed, signal=%s", unix.SignalName(syscall.Signal(e.Status)))
}
