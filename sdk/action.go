package sdk

// Action is one thing a plugin asks the host to do for a unit: one of the types below, as a pointer. A plugin
// records them with Unit's methods; tests read them back with Unit.Actions.
type Action interface{ action() }

// SetState sets the unit's generic state, its sub-state and its result ("success", "exit-code", "timeout", …),
// the status text `sctl status` shows (empty leaves it unchanged) and the type's own properties `sctl show`
// lists (systemd's names; a key with an empty value is removed, others are kept).
type SetState struct {
	Active     ActiveState
	Sub        string
	Result     string
	StatusText string
	Properties map[string]string
}

// StateReport is the name Unit.Report takes its argument under.
type StateReport = SetState

// Spawn asks the host to start a process in the unit's cgroup. The host answers with EventSpawned or
// EventSpawnFailed and later EventChildExited, all carrying ID.
type Spawn struct {
	ID   string
	Role Role
	Path string // the executable; Argv[0] is argv[0]
	Argv []string
	Exec *ExecContext
	// Fds are host fd ids passed from fd 3 on (LISTEN_FDS), FdNames their names (LISTEN_FDNAMES).
	Fds, FdNames []string
	Cgroup       *CgroupSettings // applied to the unit's cgroup before the process joins it
	NotifySocket bool            // set NOTIFY_SOCKET
}

// KillAction asks the host to signal the unit's processes. With WhomAll the host signals the whole cgroup (and,
// for SIGKILL, keeps killing until it is empty).
type KillAction struct {
	Whom       Whom
	Signal     int
	AlsoSighup bool // SendSIGHUP=
}

// WatchdogTimer is the id of a service watchdog's timer (WatchdogSec=): while the manager's service watchdogs are
// off (sctl service-watchdogs no) the host does not deliver its expiry but logs it, as systemd ignores a watchdog
// timeout then; the plugin's next ArmTimer of it arms it again.
const WatchdogTimer = "watchdog"

// ArmTimer asks for EventTimerFired{ID} after USec µs of CLOCK_MONOTONIC (or at RealtimeUSec of CLOCK_REALTIME
// when set: the host follows the clock when it is set, and a time in the past fires at once). Arming an armed ID
// re-arms it.
type ArmTimer struct {
	ID           string
	USec         uint64
	RealtimeUSec uint64
}

// DisarmTimer cancels the timer ID; disarming a timer that is not armed is not an error.
type DisarmTimer struct{ ID string }

// OpenSocket asks the host to open and hold a listening socket under ID until CloseFd, across plugin restarts.
// Options are systemd.socket's (Backlog, SocketMode, RemoveOnStop, …). A failure comes back as
// EventFdOpenFailed; opening an open ID keeps the open fd.
type OpenSocket struct {
	ID      string
	Family  string // unix, inet, inet6, vsock, netlink
	Type    string // stream, dgram, seqpacket
	Address string // as in ListenStream=
	Options map[string]string
}

// CloseFd asks the host to close the fd it holds under ID.
type CloseFd struct{ ID string }

// WatchFd asks for one EventFdReadable when the fd ID becomes readable (Watch false stops watching); with
// Accept the host accepts one connection first.
type WatchFd struct {
	ID     string
	Watch  bool
	Accept bool
}

// EnqueueJob asks the host to enqueue a job (Type "start", "stop", …; Mode "" is replace) for another unit,
// handing it the fds this unit holds under the ids in Fds.
type EnqueueJob struct {
	Unit, Type, Mode string
	Fds              []string
	Env              []string // activation details, KEY=VALUE: see Runtime.ActivationEnv
}

// SetMainPid tells the host that Pid is the unit's main process; 0 asks the host to guess it.
type SetMainPid struct{ Pid int64 }

// Log adds a line about the unit to its log at syslog Priority (6 is info).
type Log struct {
	Text     string
	Priority int32
}

// DeclareUnit asks the host to create a unit that has no file (a mount or device found in the system).
type DeclareUnit struct {
	Name     string
	Sections []*Section
}

// WatchTimeChange asks for EventTimeChanged when the realtime clock is set or the time zone changes (Watch
// false stops it). The host keeps the subscription across plugin and core restarts.
type WatchTimeChange struct{ Watch bool }

// OpenAutofs asks the host to mount a direct autofs at Where (its directory made with DirectoryMode) and hold
// its pipe under ID until CloseFd, which unmounts it; each request of the kernel then comes as EventAutofsPacket
// (after a Recover, once the unit asked with WatchFd again). TimeoutIdleUSec is the kernel's expire timeout (0:
// never); ExtraOptions are more autofs mount options. A failure comes back as EventFdOpenFailed.
type OpenAutofs struct {
	ID, Where       string
	DirectoryMode   uint32
	TimeoutIdleUSec uint64
	ExtraOptions    string
}

// AutofsReply answers the requests Tokens of the autofs ID: Status 0 is done, a negative errno fails them.
type AutofsReply struct {
	ID     string
	Tokens []uint32
	Status int32
}

// ExpireAutofs asks the host to have the kernel expire the idle mount on the autofs ID (an expire
// EventAutofsPacket follows when it is idle).
type ExpireAutofs struct{ ID string }

// WatchPaths asks the host to hold an inotify descriptor under ID with one watch per entry of Watches (a path
// that does not exist is left out) and to report it as EventPathChanged: once Armed after the watches are
// added, then the records of each read. It replaces a descriptor the unit holds under ID; CloseFd closes it.
type WatchPaths struct {
	ID      string
	Watches []PathWatch
}

// PathWatch is one inotify watch: the path and its IN_* mask.
type PathWatch struct {
	Path string
	Mask uint32
}

// RealizeCgroup asks the host to create (or update) the unit's cgroup with Settings without running a process
// in it: a slice's resource control.
type RealizeCgroup struct{ Settings *CgroupSettings }

// AttachProcesses asks the host to realize the unit's cgroup with Settings and move into it the processes the
// unit was started with (a transient scope's PIDs, which the host holds); EventProcessesAttached answers.
type AttachProcesses struct{ Settings *CgroupSettings }

func (*AttachProcesses) action() {}

func (*SetState) action()        {}
func (*Spawn) action()           {}
func (*KillAction) action()      {}
func (*ArmTimer) action()        {}
func (*DisarmTimer) action()     {}
func (*OpenSocket) action()      {}
func (*CloseFd) action()         {}
func (*WatchFd) action()         {}
func (*EnqueueJob) action()      {}
func (*SetMainPid) action()      {}
func (*Log) action()             {}
func (*DeclareUnit) action()     {}
func (*WatchTimeChange) action() {}
func (*OpenAutofs) action()      {}
func (*AutofsReply) action()     {}
func (*ExpireAutofs) action()    {}
func (*WatchPaths) action()      {}
func (*RealizeCgroup) action()   {}

// UnknownAction is an action of a kind no version of the contract defines (field Field of the wire's Action,
// carrying Payload), as a plugin built against a newer contract than the host's would send one. A host logs and
// ignores it. It exists for fault injection (sdk/sdktest/fault) and hosts' tests; a plugin has no other use for it.
type UnknownAction struct {
	Field   int32
	Payload string
}

func (*UnknownAction) action() {}
