package sdk

// Event is one event for one unit. Kind holds one of the Event* types below, as a pointer; a plugin switches
// on it and ignores the kinds it does not act on. Kind is nil for an event a newer host sent that this SDK
// does not know: Serve answers it without calling Handle.
type Event struct {
	Kind EventKind
}

// EventKind is implemented by the Event* types only.
type EventKind interface{ eventKind() }

// EventStart asks the unit to become active. The host checked conditions and asserts already.
type EventStart struct{}

// EventStop asks the unit to become inactive.
type EventStop struct{}

// EventReload asks the unit to reload its configuration without stopping.
type EventReload struct{}

// EventKill asks the unit to signal its processes (sctl kill); Whom zero means WhomAll. The control kit's
// Runner.Kill answers it.
type EventKill struct {
	Whom   Whom
	Signal int
}

// EventResetFailed asks the unit to leave the failed state and forget its result.
type EventResetFailed struct{}

// EventRecover is the first event a unit gets after the core or the plugin restarted, with what the host found
// alive. The plugin brings its state in line with it; a main process that died while nobody watched gets its
// EventChildExited after this one.
type EventRecover struct {
	Alive  []Child
	Fds    []string
	Timers []string
}

// Child is a process the host found alive on recovery.
type Child struct {
	Pid  int64
	Role Role
	ID   string // the Spawn id
}

// EventSpawned reports that a Spawn created process Pid; it may be gone already (its EventChildExited follows).
type EventSpawned struct {
	ID   string
	Pid  int64
	Role Role
}

// EventExecuted reports that the process of a Spawn executed its command (Type=exec waits for it). It comes
// after EventSpawned and before the process's EventChildExited; a process that fails before exec gets none.
type EventExecuted struct {
	ID   string
	Pid  int64
	Role Role
}

// EventSpawnFailed reports that a Spawn could not start its process. ExitCode is systemd's code for the step
// that failed (203 EXEC, 217 USER, …) when the failure came after fork.
type EventSpawnFailed struct {
	ID       string
	ExitCode int32
	Message  string
	Role     Role
}

// EventChildExited reports the exit of a process the unit spawned or declared with SetMainPid.
type EventChildExited struct {
	Pid       int64
	Role      Role
	ID        string // the Spawn id; "" for a pid set by SetMainPid
	Code      ExitCode
	Status    int32 // the exit status, or the signal
	TimeUSec  int64 // CLOCK_REALTIME of the exit
	OOMKilled bool  // the kernel's OOM killer ended it
}

// EventTimerFired reports that the timer armed under ID expired.
type EventTimerFired struct{ ID string }

// EventNotify is one sd_notify datagram from a process in the unit's cgroup; NotifyAccess= is the plugin's to
// apply. sdk/notify's Parse interprets Fields.
type EventNotify struct {
	Pid    int64
	Fields []string // "READY=1", "STATUS=…", in the order sent
	Fds    []string // ids of fds passed with FDSTORE=1, held by the host
}

// EventFdReadable reports that the fd ID became readable (see WatchFd). For an AcceptFd watch the host accepted
// one connection and holds it under Accepted; Instance is systemd's instance string for it and Source the
// peer's address (MaxConnectionsPerSource=). AcceptError says why accepting failed.
type EventFdReadable struct {
	ID, Accepted, Instance, Source, AcceptError string
}

// EventFdOpenFailed reports that an OpenSocket or an OpenAutofs failed; the host holds nothing under ID.
type EventFdOpenFailed struct{ ID, Message string }

// EventEnqueueFailed reports that an EnqueueJob was refused; the fds it passed were closed.
type EventEnqueueFailed struct{ Unit, Type, Message string }

// EventCgroupEmpty reports that the unit's cgroup has no process left.
type EventCgroupEmpty struct{}

// EventMountChanged reports a change of the mount table at Where.
type EventMountChanged struct {
	Where, What, FSType, Options string
	Mounted                      bool
}

// EventDeviceChanged reports a uevent of the device at Syspath (Action: add, remove, change, bind, unbind).
type EventDeviceChanged struct {
	Syspath, Action string
	Properties      map[string]string
}

// EventDeviceFound tells a device unit that the mount table (Source "mount") or /proc/swaps (Source "swap")
// names its node now (Found) or no longer does. A device found there before udev reported it is tentative.
type EventDeviceFound struct {
	Source string
	Found  bool
}

// EventBusName tells a unit that watches a bus name on the system bus (ParseResult.WatchBusName) who owns it now:
// a unique name (":1.42"), or "" for nobody. The host sends one on each change of owner and one each time it
// connects to the bus (at its start, after the bus restarted), whatever the unit's state; two in a row may carry
// the same owner.
type EventBusName struct {
	Name, Owner string
}

// EventUnitChanged tells a unit that a unit it triggers changed its generic state or sub-state.
type EventUnitChanged struct {
	Unit   string
	Active ActiveState
	Sub    string
	Result string
}

// EventTimeChanged reports that CLOCK_REALTIME was set (Clock) or the local time zone changed (Timezone); only a
// unit that asked with WatchTimeChange gets it. The host re-armed the unit's realtime timers already.
type EventTimeChanged struct{ Clock, Timezone bool }

// EventConfigChanged tells a unit that a daemon-reload changed its config: u.Config holds the new bytes. It comes
// only to a unit that handled an event before, and only when what its plugin parsed differs from the last time;
// a type with nothing to redo ignores it.
type EventConfigChanged struct{}

// EventSwapChanged reports a change of /proc/swaps for the swap What: turned on or changed (Active), or off.
type EventSwapChanged struct {
	What, Type string
	Priority   int
	Active     bool
}

// EventAutofsPacket is a request of the kernel on the autofs ID (see OpenAutofs): an access to the automount
// point that needs the mount, or (Expire) an idle mount to take away; it waits until AutofsReply answers Token.
type EventAutofsPacket struct {
	ID     string
	Token  uint32
	Expire bool
	Pid    int32
	Name   string
}

// EventPathChanged reports the inotify descriptor the unit holds under ID (see WatchPaths): Armed after the
// watches of a WatchPaths were added (Watched lists the paths whose watch was added), otherwise the records of
// one read, in order.
type EventPathChanged struct {
	ID      string
	Armed   bool
	Watched []string
	Records []InotifyRecord
}

// InotifyRecord is one inotify event: Path is the watched path as WatchPaths named it, Name the entry of a
// watched directory it is about ("" for the path itself), Mask the IN_* bits.
type InotifyRecord struct {
	Path, Name string
	Mask       uint32
}

// EventProcessesAttached answers AttachProcesses: Pids are now in the unit's cgroup; Errors say why each of the
// others could not be moved. From then on the host sends EventCgroupEmpty once the cgroup has no process left.
type EventProcessesAttached struct {
	Pids   []int64
	Errors []string
}

// EventAbandon tells a scope that the client that made it no longer manages it (AbandonScope).
type EventAbandon struct{}

func (*EventProcessesAttached) eventKind() {}
func (*EventAbandon) eventKind()           {}

func (*EventStart) eventKind()         {}
func (*EventStop) eventKind()          {}
func (*EventReload) eventKind()        {}
func (*EventKill) eventKind()          {}
func (*EventResetFailed) eventKind()   {}
func (*EventRecover) eventKind()       {}
func (*EventSpawned) eventKind()       {}
func (*EventExecuted) eventKind()      {}
func (*EventSpawnFailed) eventKind()   {}
func (*EventChildExited) eventKind()   {}
func (*EventTimerFired) eventKind()    {}
func (*EventNotify) eventKind()        {}
func (*EventFdReadable) eventKind()    {}
func (*EventFdOpenFailed) eventKind()  {}
func (*EventEnqueueFailed) eventKind() {}
func (*EventCgroupEmpty) eventKind()   {}
func (*EventMountChanged) eventKind()  {}
func (*EventDeviceChanged) eventKind() {}
func (*EventDeviceFound) eventKind()   {}
func (*EventBusName) eventKind()       {}
func (*EventUnitChanged) eventKind()   {}
func (*EventTimeChanged) eventKind()   {}
func (*EventSwapChanged) eventKind()   {}
func (*EventAutofsPacket) eventKind()  {}
func (*EventPathChanged) eventKind()   {}
func (*EventConfigChanged) eventKind() {}
