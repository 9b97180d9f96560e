package manager

import (
	"slices"
	"time"

	"github.com/sysmaster/sysmaster/host/cgroup"
	"github.com/sysmaster/sysmaster/host/exec"
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
	Annotations  pairs // what the core needs to know of the config without asking the plugin (CanReload, Slice)
	Settings     pairs // the plugin's view of the unit's settings, for sctl show

	// fwd holds the forward dependencies the unit declares: configured, plus its type's default and implicit ones.
	fwd depLists
	// deps holds the effective dependencies by kind: configured, the type's default and implicit ones, and
	// the reverse kinds other units' dependencies imply; depSet holds the lists of depSetMin entries or more,
	// so that adding one stays O(1) (a target may want thousands of units) while the few dependencies of most
	// units cost no set. Both, and the unit's other maps, are made on their first entry.
	deps   depLists
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
	Props pairs
	times timestamps
	// execMain is the last main process spawned: ExecMainPID, ExecMainCode, … of systemctl show.
	execMain execMain
	// finished are the commands of the current activation that ended (execstatus.go).
	finished []finishedProc

	MainPid, ControlPid int
	children            map[int]child   // processes the unit spawned that are still alive
	populated           bool            // the unit had processes since its last CgroupEmpty
	invocationID        string          // a new one for each start, as $INVOCATION_ID
	activationEnv       []string        // the activation details of the current activation (TRIGGER_UNIT=, …)
	runtimeDirs         map[string]bool // RuntimeDirectory= paths to remove when the unit goes down
	privateTmp          bool            // the activation has PrivateTmp= directories to remove
	ttyReset            *exec.TTYReset  // the terminal to reset when the unit goes down (TTYReset=, …)
	// namespaceOf is the unit and invocation ("UNIT INVOCATION") whose PrivateTmp= directories and network and
	// IPC namespaces the activation uses: another unit's through JoinsNamespaceOf=, "" for its own.
	namespaceOf string

	cgroupMade     bool            // the unit's cgroup exists
	cgroupSettings cgroup.Settings // last applied
	unwatch        func()          // stops the emptiness watch
	unwatchOOM     func()          // stops the OOM watch
	oomKills       uint64          // the cgroup's OOM kill count last seen

	// logPipes are the pipes that carry the output of its processes into its log, by their name in init's store.
	logPipes map[string]logPipe
	// fds are the descriptors the core holds for the unit, in the order they were opened or handed to it.
	fds []*heldFd
	// rare holds what few units have (rareOf, setRare); nil for the others.
	rare *unitRare
}

// unitRare is what few units ever have, behind one pointer: it keeps the Unit record of every other unit in a
// smaller size class.
type unitRare struct {
	// triggeredBy and triggers are the run-time trigger links a handed-over connection makes (an Accept=yes
	// socket and its instance); unlike configured dependencies they do not keep a unit loaded.
	triggeredBy, triggers []string
	// startPids are the processes a transient scope is started with, until its plugin asks to attach them.
	startPids []int
	// conditionStates and assertStates are each check's outcome at the last evaluation (condition.Result.States),
	// for the Conditions and Asserts properties: only units that have checks and ran them have any.
	conditionStates, assertStates []int32
}

// rareOf returns u's rare fields, all empty when it has none.
func (u *Unit) rareOf() unitRare {
	if u.rare == nil {
		return unitRare{}
	}
	return *u.rare
}

// setRare changes u's rare fields with f, and drops them when f leaves them all empty.
func (u *Unit) setRare(f func(r *unitRare)) {
	if u.rare == nil {
		u.rare = &unitRare{}
	}
	f(u.rare)
	if r := u.rare; len(r.triggeredBy) == 0 && len(r.triggers) == 0 && len(r.startPids) == 0 &&
		len(r.conditionStates) == 0 && len(r.assertStates) == 0 {
		u.rare = nil
	}
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
	id    string
	role  pb.Role
	argv  []string // the command line, for the Process: lines of sctl status
	path  string   // the executable, for the Exec* properties
	start stamp    // when it was spawned
}

// timestamps are the wall-clock and monotonic times of the unit's state changes (systemctl's *Timestamp and
// *TimestampMonotonic properties).
type timestamps struct {
	stateChange, activeEnter, activeExit, inactiveEnter, inactiveExit stamp
}

// stamp is a wall-clock and a monotonic time. The wall clock is in nanoseconds since the epoch, 0 for none: a
// time.Time is 24 bytes, and a unit holds nine stamps.
type stamp struct {
	wall int64
	mono time.Duration
}

// wallTime is s's wall-clock time, the zero time for none.
func (s stamp) wallTime() time.Time {
	if s.wall == 0 {
		return time.Time{}
	}
	return time.Unix(0, s.wall)
}

// wallOf is t as a stamp's wall clock.
func wallOf(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixNano()
}

func newUnit(id, typ string) *Unit {
	return &Unit{ID: id, Type: typ, Names: []string{id}, Sub: "dead"}
}

// addName adds an alias the unit is known by, once.
func (u *Unit) addName(name string) {
	if !slices.Contains(u.Names, name) {
		u.Names = append(u.Names, name)
	}
}

// addDep records a dependency, keeping each kind free of duplicates.
func (u *Unit) addDep(kind, other string) {
	list, k := u.deps.get(kind), depKey{kind, other}
	if len(list) < depSetMin && slices.Contains(list, other) || len(list) >= depSetMin && u.depSet[k] {
		return
	}
	list = append(list, other)
	switch {
	case len(list) == depSetMin:
		if u.depSet == nil {
			u.depSet = map[depKey]bool{}
		}
		for _, o := range list {
			u.depSet[depKey{kind, o}] = true
		}
	case len(list) > depSetMin:
		u.depSet[k] = true
	}
	u.deps.set(kind, list)
}

// depSetMin is the length from which a dependency list is indexed in depSet: below it a scan is cheaper than a
// set's memory.
const depSetMin = 16

// addRuntimeDir notes a RuntimeDirectory= path to remove when the unit goes down.
func (u *Unit) addRuntimeDir(path string) {
	if u.runtimeDirs == nil {
		u.runtimeDirs = map[string]bool{}
	}
	u.runtimeDirs[path] = true
}

// addLogPipe notes a pipe that carries output of the unit's processes into its log.
func (u *Unit) addLogPipe(store string, p logPipe) {
	if u.logPipes == nil {
		u.logPipes = map[string]logPipe{}
	}
	u.logPipes[store] = p
}

// addChild notes a process of the unit.
func (u *Unit) addChild(pid int, c child) {
	if u.children == nil {
		u.children = map[int]child{}
	}
	u.children[pid] = c
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
