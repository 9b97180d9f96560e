package manager

import (
	"slices"
	"time"

	"github.com/sysmaster/sysmaster/host/cgroup"
	"github.com/sysmaster/sysmaster/host/unit"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// Unit is a unit in memory: what its files say, what its plugin made of them, and its runtime state.
type Unit struct {
	ID    string
	Names []string
	Type  string

	Frag      *unit.Fragment
	LoadState unit.LoadState
	LoadError error

	// Config and State are the plugin's bytes; the core stores them and never looks inside.
	Config       []byte
	State        []byte
	StateVersion uint32
	Annotations  map[string]string
	Settings     map[string]string // the plugin's view of the unit's settings, for sctl show

	// fwd holds the forward dependencies the unit declares: configured, plus its type's default and implicit ones.
	fwd map[string][]string
	// deps holds the effective dependencies by kind: configured, the type's default and implicit ones, and
	// the reverse kinds other units' dependencies imply; depSet makes adding one O(1) (a target may want
	// thousands of units).
	deps   map[string][]string
	depSet map[depKey]bool

	// The last evaluation of the conditions and asserts, for ConditionResult/AssertResult and sctl status.
	condition, assert checkResult
	// starts holds the times of recent starts, for StartLimitIntervalSec=/StartLimitBurst=.
	starts []time.Time

	Active     unit.ActiveState
	Sub        string
	Result     string
	StatusText string
	// Props are the plugin's own properties (SetState's properties), shown by sctl show after the generic ones.
	Props map[string]string
	times timestamps
	// execMain is the last main process spawned: ExecMainPID, ExecMainCode, … of systemctl show.
	execMain execMain

	MainPid, ControlPid int
	children            map[int]child   // processes the unit spawned that are still alive
	populated           bool            // the unit had processes since its last CgroupEmpty
	invocationID        string          // a new one for each start, as $INVOCATION_ID
	activationEnv       []string        // the activation details of the current activation (TRIGGER_UNIT=, …)
	runtimeDirs         map[string]bool // RuntimeDirectory= paths to remove when the unit goes down
	privateTmp          bool            // the activation has PrivateTmp= directories to remove
	// namespaceOf is the unit and invocation ("UNIT INVOCATION") whose PrivateTmp= directories and network and
	// IPC namespaces the activation uses: another unit's through JoinsNamespaceOf=, "" for its own.
	namespaceOf string
	// startPids are the processes a transient scope is started with, until its plugin asks to attach them.
	startPids []int

	cgroupMade     bool            // the unit's cgroup exists
	cgroupSettings cgroup.Settings // last applied
	unwatch        func()          // stops the emptiness watch
	unwatchOOM     func()          // stops the OOM watch
	oomKills       uint64          // the cgroup's OOM kill count last seen

	// logPipes are the pipes that carry the output of its processes into its log, by their name in init's store.
	logPipes map[string]logPipe
	// fds are the descriptors the core holds for the unit, in the order they were opened or handed to it.
	fds []*heldFd
	// triggeredBy and triggers are the run-time trigger links a handed-over connection makes (an Accept=yes
	// socket and its instance); unlike configured dependencies they do not keep a unit loaded.
	triggeredBy, triggers []string
}

// execMain is what systemd reports of the last main process: its pid, start and exit.
type execMain struct {
	pid          int
	start, exit  stamp
	code, status int
}

type depKey struct{ kind, unit string }

// checkResult is the outcome of the last evaluation of a unit's conditions (or asserts).
type checkResult struct {
	evaluated bool
	ok        bool
	reason    string
	failed    string // the check that decided a negative outcome, as written ("ConditionPathExists=/x")
	trigger   bool   // that check is a triggering one (none of them held)
	at        stamp
}

type child struct {
	id   string
	role pb.Role
}

// timestamps are the wall-clock and monotonic times of the unit's state changes (systemctl's *Timestamp and
// *TimestampMonotonic properties).
type timestamps struct {
	stateChange, activeEnter, activeExit, inactiveEnter, inactiveExit stamp
}

type stamp struct {
	wall time.Time
	mono time.Duration
}

func newUnit(id, typ string) *Unit {
	return &Unit{ID: id, Type: typ, Names: []string{id}, deps: map[string][]string{}, depSet: map[depKey]bool{}, Sub: "dead",
		children: map[int]child{}, logPipes: map[string]logPipe{}, runtimeDirs: map[string]bool{}}
}

// addName adds an alias the unit is known by, once.
func (u *Unit) addName(name string) {
	if !slices.Contains(u.Names, name) {
		u.Names = append(u.Names, name)
	}
}

// addDep records a dependency, keeping each kind free of duplicates.
func (u *Unit) addDep(kind, other string) {
	k := depKey{kind, other}
	if u.depSet[k] {
		return
	}
	u.depSet[k] = true
	u.deps[kind] = append(u.deps[kind], other)
}

// isActive reports active or reloading, systemd's UNIT_IS_ACTIVE_OR_RELOADING.
func (u *Unit) isActive() bool { return u.Active.IsActive() }

func (u *Unit) description() string {
	if u.Frag != nil && u.Frag.Unit.Description != "" {
		return u.Frag.Unit.Description
	}
	return u.ID
}

// The plugin protocol numbers the active states its own way; these two are the only place that knows both.
var activeFromPB = map[pb.ActiveState]unit.ActiveState{
	pb.ActiveState_ACTIVE_STATE_INACTIVE:     unit.Inactive,
	pb.ActiveState_ACTIVE_STATE_ACTIVATING:   unit.Activating,
	pb.ActiveState_ACTIVE_STATE_ACTIVE:       unit.Active,
	pb.ActiveState_ACTIVE_STATE_DEACTIVATING: unit.Deactivating,
	pb.ActiveState_ACTIVE_STATE_FAILED:       unit.Failed,
	pb.ActiveState_ACTIVE_STATE_RELOADING:    unit.Reloading,
	pb.ActiveState_ACTIVE_STATE_MAINTENANCE:  unit.Maintenance,
}

// fromPB converts a plugin's active state; one the core does not know (unspecified) is inactive.
func fromPB(s pb.ActiveState) unit.ActiveState { return activeFromPB[s] }

func toPB(s unit.ActiveState) pb.ActiveState {
	for p, a := range activeFromPB {
		if a == s {
			return p
		}
	}
	return pb.ActiveState_ACTIVE_STATE_INACTIVE
}
