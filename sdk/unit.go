package sdk

import "fmt"

// Unit is one unit as a plugin sees it while handling one event: its config and state bytes, what the host holds
// for it, and the actions recorded so far. Handle sets State to the new state; the host stores it.
type Unit struct {
	Name         string
	Config       []byte
	State        []byte
	StateVersion uint32
	// Runtime is never nil in a Unit that Serve hands to Handle.
	Runtime *Runtime

	actions []Action
}

// Actions returns the actions recorded so far, in order.
func (u *Unit) Actions() []Action { return u.actions }

// Do records action a as it is; the methods below are shorthands for it.
func (u *Unit) Do(a Action) { u.actions = append(u.actions, a) }

// SetState sets the unit's generic state, sub-state and result.
func (u *Unit) SetState(active ActiveState, sub, result string) {
	u.Do(&SetState{Active: active, Sub: sub, Result: result})
}

// SetStatusText sets the free-form status shown by `sctl status` along with the state.
func (u *Unit) SetStatusText(active ActiveState, sub, result, text string) {
	u.Do(&SetState{Active: active, Sub: sub, Result: result, StatusText: text})
}

// Report sets the unit's state as SetStatusText does, and also the type-specific properties `sctl show` lists.
func (u *Unit) Report(r *StateReport) { u.Do(r) }

// Spawn asks the host to start a process in the unit's cgroup.
func (u *Unit) Spawn(s *Spawn) { u.Do(s) }

// Kill asks the host to send signal to the unit's main, control or all processes.
func (u *Unit) Kill(whom Whom, signal int) { u.Do(&KillAction{Whom: whom, Signal: signal}) }

// KillWith asks the host to signal the unit's processes as k says (SendSIGHUP= sets AlsoSighup).
func (u *Unit) KillWith(k *KillAction) { u.Do(k) }

// ArmTimer asks for an EventTimerFired with id after usec microseconds.
func (u *Unit) ArmTimer(id string, usec uint64) { u.Do(&ArmTimer{ID: id, USec: usec}) }

// ArmRealtime asks for an EventTimerFired with id at usec µs of CLOCK_REALTIME (µs since the epoch), following
// the clock when it is set.
func (u *Unit) ArmRealtime(id string, usec uint64) { u.Do(&ArmTimer{ID: id, RealtimeUSec: usec}) }

// WatchTimeChange asks for EventTimeChanged events (watch false stops them).
func (u *Unit) WatchTimeChange(watch bool) { u.Do(&WatchTimeChange{Watch: watch}) }

// DisarmTimer cancels the timer id; disarming a timer that is not armed is not an error.
func (u *Unit) DisarmTimer(id string) { u.Do(&DisarmTimer{ID: id}) }

// OpenSocket asks the host to open and hold a listening socket.
func (u *Unit) OpenSocket(s *OpenSocket) { u.Do(s) }

// CloseFd asks the host to close the fd it holds under id.
func (u *Unit) CloseFd(id string) { u.Do(&CloseFd{ID: id}) }

// WatchFd asks for one EventFdReadable when the fd id becomes readable (watch=false stops watching).
func (u *Unit) WatchFd(id string, watch bool) { u.Do(&WatchFd{ID: id, Watch: watch}) }

// AcceptFd asks for one EventFdReadable carrying a connection the host accepted on the listener id.
func (u *Unit) AcceptFd(id string) { u.Do(&WatchFd{ID: id, Watch: true, Accept: true}) }

// EnqueueJob asks the host to enqueue a job (type "start", "stop", …; mode "" means replace) for another unit,
// handing it the fds this unit holds under the ids in fds (an accepted connection for an Accept=yes instance).
func (u *Unit) EnqueueJob(unit, jobType, mode string, fds ...string) {
	u.Do(&EnqueueJob{Unit: unit, Type: jobType, Mode: mode, Fds: fds})
}

// EnqueueJobEnv is EnqueueJob with activation details (KEY=VALUE: TRIGGER_UNIT=, TRIGGER_PATH=, …): when the job
// starts the unit, its commands get them in their environment (Runtime.ActivationEnv).
func (u *Unit) EnqueueJobEnv(unit, jobType, mode string, env []string) {
	u.Do(&EnqueueJob{Unit: unit, Type: jobType, Mode: mode, Env: env})
}

// WatchPaths asks the host to watch paths with inotify under id (see WatchPaths).
func (u *Unit) WatchPaths(id string, watches []PathWatch) {
	u.Do(&WatchPaths{ID: id, Watches: watches})
}

// SetMainPid tells the host that pid is the unit's main process (a forking service's daemon).
func (u *Unit) SetMainPid(pid int64) { u.Do(&SetMainPid{Pid: pid}) }

// Logf adds a line about the unit to its log, at syslog priority info.
func (u *Unit) Logf(format string, args ...any) {
	u.Do(&Log{Text: fmt.Sprintf(format, args...), Priority: 6})
}

// DeclareUnit asks the host to create a unit that has no file.
func (u *Unit) DeclareUnit(name string, sections []*Section) {
	u.Do(&DeclareUnit{Name: name, Sections: sections})
}
