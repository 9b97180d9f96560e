package sdk

import (
	"fmt"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// Unit is one unit as a plugin sees it while handling one event: its config and state bytes, what the host holds
// for it, and the actions recorded so far. Handle sets State to the new state; the host stores it.
type Unit struct {
	Name         string
	Config       []byte
	State        []byte
	StateVersion uint32
	Runtime      *Runtime

	actions []*pb.Action
}

// Actions returns the actions recorded so far, in order.
func (u *Unit) Actions() []*pb.Action { return u.actions }

func (u *Unit) add(a *pb.Action) { u.actions = append(u.actions, a) }

// SetState sets the unit's generic state, sub-state and result.
func (u *Unit) SetState(active ActiveState, sub, result string) {
	u.add(&pb.Action{Kind: &pb.Action_SetState{SetState: &pb.SetState{Active: active, Sub: sub, Result: result}}})
}

// SetStatusText sets the free-form status shown by `sctl status` along with the state.
func (u *Unit) SetStatusText(active ActiveState, sub, result, text string) {
	u.add(&pb.Action{Kind: &pb.Action_SetState{SetState: &pb.SetState{Active: active, Sub: sub, Result: result, StatusText: text}}})
}

// StateReport is a SetState action in full: state, sub-state, result, status text and the type's own properties.
type StateReport = pb.SetState

// Report sets the unit's state as SetStatusText does, and also the type-specific properties `sctl show` lists
// (systemd's names: NRestarts, StatusErrno, …). A property with an empty value is removed; others are kept.
func (u *Unit) Report(r *StateReport) { u.add(&pb.Action{Kind: &pb.Action_SetState{SetState: r}}) }

// Spawn asks the host to start a process in the unit's cgroup.
func (u *Unit) Spawn(s *Spawn) { u.add(&pb.Action{Kind: &pb.Action_Spawn{Spawn: s}}) }

// Kill asks the host to send signal to the unit's main, control or all processes.
func (u *Unit) Kill(whom Whom, signal int) {
	u.add(&pb.Action{Kind: &pb.Action_Kill{Kill: &pb.KillAction{Whom: whom, Signal: int32(signal)}}})
}

// KillAction is a Kill action in full, for SendSIGHUP= (AlsoSighup).
type KillAction = pb.KillAction

// KillWith asks the host to signal the unit's processes as k says.
func (u *Unit) KillWith(k *KillAction) { u.add(&pb.Action{Kind: &pb.Action_Kill{Kill: k}}) }

// ArmTimer asks for a TimerFired event with id after usec microseconds.
func (u *Unit) ArmTimer(id string, usec uint64) {
	u.add(&pb.Action{Kind: &pb.Action_ArmTimer{ArmTimer: &pb.ArmTimer{Id: id, Usec: usec}}})
}

// DisarmTimer cancels the timer id; disarming a timer that is not armed is not an error.
func (u *Unit) DisarmTimer(id string) {
	u.add(&pb.Action{Kind: &pb.Action_DisarmTimer{DisarmTimer: &pb.DisarmTimer{Id: id}}})
}

// OpenSocket asks the host to open and hold a listening socket under id.
func (u *Unit) OpenSocket(s *pb.OpenSocket) {
	u.add(&pb.Action{Kind: &pb.Action_OpenSocket{OpenSocket: s}})
}

// CloseFd asks the host to close the fd it holds under id.
func (u *Unit) CloseFd(id string) {
	u.add(&pb.Action{Kind: &pb.Action_CloseFd{CloseFd: &pb.CloseFd{Id: id}}})
}

// WatchFd asks for one FdReadable event when the fd id becomes readable (watch=false stops watching).
func (u *Unit) WatchFd(id string, watch bool) {
	u.add(&pb.Action{Kind: &pb.Action_WatchFd{WatchFd: &pb.WatchFd{Id: id, Watch: watch}}})
}

// AcceptFd asks for one FdReadable event carrying a connection the host accepted on the listener id.
func (u *Unit) AcceptFd(id string) {
	u.add(&pb.Action{Kind: &pb.Action_WatchFd{WatchFd: &pb.WatchFd{Id: id, Watch: true, Accept: true}}})
}

// EnqueueJob asks the host to enqueue a job (type "start", "stop", …; mode "" means replace) for another unit,
// handing it the fds this unit holds under the ids in fds (an accepted connection for an Accept=yes instance).
func (u *Unit) EnqueueJob(unit, jobType, mode string, fds ...string) {
	u.add(&pb.Action{Kind: &pb.Action_EnqueueJob{EnqueueJob: &pb.EnqueueJob{Unit: unit, Type: jobType, Mode: mode, Fds: fds}}})
}

// SetMainPid tells the host that pid is the unit's main process (a forking service's daemon).
func (u *Unit) SetMainPid(pid int64) {
	u.add(&pb.Action{Kind: &pb.Action_SetMainPid{SetMainPid: &pb.SetMainPid{Pid: pid}}})
}

// Logf adds a line about the unit to its log, at syslog priority info.
func (u *Unit) Logf(format string, args ...any) {
	u.add(&pb.Action{Kind: &pb.Action_Log{Log: &pb.Log{Text: fmt.Sprintf(format, args...), Priority: 6}}})
}

// DeclareUnit asks the host to create a unit that has no file.
func (u *Unit) DeclareUnit(name string, sections []*Section) {
	u.add(&pb.Action{Kind: &pb.Action_DeclareUnit{DeclareUnit: &pb.DeclareUnit{Name: name, Sections: sections}}})
}
