package path

import (
	"fmt"
	"os"
	"slices"
	"time"

	"github.com/sysmaster/sysmaster/sdk"
)

// Sub-states and results of a path unit (systemd's path_state_to_string, path_result_to_string).
const (
	subDead    = "dead"
	subWaiting = "waiting"
	subRunning = "running"
	subFailed  = "failed"

	resSuccess              = "success"
	resResources            = "resources"
	resTriggerLimitHit      = "trigger-limit-hit"
	resUnitStartLimitHit    = "unit-start-limit-hit"
	serviceStartLimitResult = "start-limit-hit"
)

var activeOf = map[string]sdk.ActiveState{
	subDead: sdk.Inactive, subWaiting: sdk.Active, subRunning: sdk.Active, subFailed: sdk.Failed,
}

// State is what a path unit remembers between events.
type State struct {
	Sub    string `json:",omitempty"`
	Result string `json:",omitempty"`
	// Exists is, per spec, whether its path existed at the last check (PathChanged=, PathModified=).
	Exists []bool `json:",omitempty"`
	// Watching lists the specs whose inotify descriptor the host holds.
	Watching []string `json:",omitempty"`
	// RecheckFromTrigger is how the check after the watches are armed counts (see enterWaiting).
	RecheckFromTrigger bool `json:",omitempty"`
	// TriggerUp says whether the unit to trigger was last seen up (neither inactive nor failed).
	TriggerUp bool `json:",omitempty"`
	// The trigger limit's window: its start (µs of the wall clock) and the triggers counted in it.
	LimitBegin int64  `json:",omitempty"`
	LimitNum   uint32 `json:",omitempty"`
}

// machine applies one event to one path unit: systemd's path state machine (src/core/path.c), with the inotify
// descriptors held and polled by the host (WatchPaths, EventPathChanged) and the start job enqueued by it. The
// only outside inputs besides the event are the file system, which the conditions look at, and the clock of the
// trigger limit.
type machine struct {
	c   *Config
	s   *State
	u   *sdk.Unit
	now func() time.Time
}

func (m *machine) handle(ev *sdk.Event) error {
	if len(m.s.Exists) != len(m.c.Specs) {
		m.s.Exists = make([]bool, len(m.c.Specs)) // a new config after a reload: start afresh
	}
	switch e := ev.Kind.(type) {
	case *sdk.EventStart:
		m.onStart()
	case *sdk.EventStop:
		m.enterDead(resSuccess)
	case *sdk.EventReload:
		m.enter(m.sub()) // nothing to reload: the job is done at once
	case *sdk.EventResetFailed:
		if m.s.Sub == subFailed {
			m.s.Result = resSuccess
			m.enter(subDead)
		}
	case *sdk.EventRecover:
		m.onRecover(e)
	case *sdk.EventPathChanged:
		m.onPathChanged(e)
	case *sdk.EventUnitChanged:
		m.onUnitChanged(e)
	case *sdk.EventEnqueueFailed:
		if e.Unit == m.c.Unit && m.up() {
			m.u.Logf("Failed to queue unit startup job: %s", e.Message)
			m.enterDead(resResources)
		}
	case *sdk.EventKill, *sdk.EventSpawned, *sdk.EventExecuted, *sdk.EventSpawnFailed, *sdk.EventChildExited,
		*sdk.EventTimerFired, *sdk.EventNotify, *sdk.EventFdReadable, *sdk.EventFdOpenFailed,
		*sdk.EventCgroupEmpty, *sdk.EventMountChanged, *sdk.EventDeviceChanged, *sdk.EventTimeChanged,
		*sdk.EventConfigChanged:
		// A path unit runs no process and holds no other descriptor.
	default:
		return fmt.Errorf("path: unexpected event %T", ev.Kind)
	}
	return nil
}

func (m *machine) sub() string {
	if m.s.Sub == "" {
		return subDead
	}
	return m.s.Sub
}

func (m *machine) up() bool { return m.s.Sub == subWaiting || m.s.Sub == subRunning }

// enter moves to sub and reports it.
func (m *machine) enter(sub string) {
	m.s.Sub = sub
	if m.s.Result == "" {
		m.s.Result = resSuccess
	}
	m.u.Report(&sdk.StateReport{Active: activeOf[sub], Sub: sub, Result: m.s.Result,
		Properties: map[string]string{"Result": m.s.Result}})
}

// onStart is path_start: make the directories MakeDirectory= asks for, then wait.
func (m *machine) onStart() {
	if m.up() {
		return
	}
	m.makeDirectories()
	m.s.Result = resSuccess
	m.enterWaiting(true, false)
}

// makeDirectories is path_mkdir: with MakeDirectory=yes, the path of each spec that watches a directory or a
// file in it (not PathExists= and PathExistsGlob=) is created with DirectoryMode=.
func (m *machine) makeDirectories() {
	if !m.c.MakeDirectory {
		return
	}
	for _, s := range m.c.Specs {
		if s.Type == specExists || s.Type == specExistsGlob {
			continue
		}
		if err := mkdirAll(s.Path, os.FileMode(m.c.DirectoryMode)); err != nil {
			m.u.Logf("Failed to create directory %s: %v", s.Path, err)
		}
	}
}

// mkdirAll is mkdir_p with mode on the last directory (the kernel applies the umask, as to systemd's).
func mkdirAll(p string, mode os.FileMode) error {
	if fi, err := os.Stat(p); err == nil && fi.IsDir() {
		return nil
	}
	if err := os.MkdirAll(dirOf(p), 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(p, mode); err != nil && !os.IsExist(err) {
		return err
	}
	return nil
}

// enterWaiting is path_enter_waiting: if the unit to trigger is up, so is the path unit (running, unwatched);
// if a condition holds, trigger; otherwise watch, and check again once the host says the watches are in place
// (EventPathChanged armed), so that a change between the check and the watch is not missed.
func (m *machine) enterWaiting(initial, fromTrigger bool) {
	if m.s.TriggerUp {
		m.unwatch()
		m.enter(subRunning)
		return
	}
	if ok, p := m.check(initial, fromTrigger); ok {
		m.enterRunning(p)
		return
	}
	m.s.RecheckFromTrigger = fromTrigger
	m.s.Watching = m.s.Watching[:0]
	for i, s := range m.c.Specs {
		var ws []sdk.PathWatch
		for _, w := range s.watches() {
			ws = append(ws, sdk.PathWatch{Path: w.path, Mask: w.mask})
		}
		m.u.WatchPaths(id(i), ws)
		m.s.Watching = append(m.s.Watching, id(i))
	}
	m.enter(subWaiting)
}

// check is path_check_good: whether any spec's condition holds, and the path that triggers.
func (m *machine) check(initial, fromTrigger bool) (bool, string) {
	for i, s := range m.c.Specs {
		if ok, p := s.good(initial, fromTrigger, &m.s.Exists[i]); ok {
			return true, p
		}
	}
	return false, ""
}

// enterRunning is path_enter_running: start the unit with TRIGGER_UNIT= and TRIGGER_PATH=, unless the trigger
// limit is hit, which fails the path unit.
func (m *machine) enterRunning(path string) {
	if !m.triggerBelow() {
		m.u.Logf("Trigger limit hit, refusing further activation.")
		m.enterDead(resTriggerLimitHit)
		return
	}
	m.u.EnqueueJobEnv(m.c.Unit, "start", "replace", []string{"TRIGGER_UNIT=" + m.u.Name, "TRIGGER_PATH=" + path})
	m.unwatch()
	m.enter(subRunning)
}

// triggerBelow is systemd's ratelimit_below on the trigger limit: at most TriggerLimitBurst= triggers per
// TriggerLimitIntervalSec=, counted from the first of the interval; 0 for either turns it off.
func (m *machine) triggerBelow() bool {
	interval, burst := m.c.TriggerLimitIntervalUSec, m.c.TriggerLimitBurst
	if interval == 0 || burst == 0 {
		return true
	}
	now := m.now().UnixMicro()
	if m.s.LimitBegin <= 0 || now < m.s.LimitBegin || uint64(now-m.s.LimitBegin) > interval {
		m.s.LimitBegin, m.s.LimitNum = now, 0
	}
	if m.s.LimitNum < burst {
		m.s.LimitNum++
		return true
	}
	return false
}

// enterDead is path_enter_dead: the first failure is the result; the watches go.
func (m *machine) enterDead(res string) {
	if m.s.Result == "" || m.s.Result == resSuccess {
		m.s.Result = res
	}
	m.unwatch()
	if m.s.Result != resSuccess {
		m.enter(subFailed)
		return
	}
	m.enter(subDead)
}

func (m *machine) unwatch() {
	for _, w := range m.s.Watching {
		m.u.CloseFd(w)
	}
	m.s.Watching = nil
}

// onPathChanged is path_dispatch_io: a change of a PathChanged= or PathModified= path itself triggers; any other
// record (a directory above the path, another kind of spec) means "look again": check and watch anew.
func (m *machine) onPathChanged(e *sdk.EventPathChanged) {
	if !m.up() || !slices.Contains(m.s.Watching, e.ID) {
		return // a report of a descriptor closed meanwhile
	}
	i := slices.Index(m.s.Watching, e.ID)
	spec := m.c.Specs[i]
	if e.Armed {
		if len(e.Watched) == 0 {
			m.u.Logf("Failed to add watch on any of the components of %s", spec.Path)
			m.enterDead(resResources)
			return
		}
		if m.s.Sub != subWaiting {
			return
		}
		if ok, p := m.check(false, m.s.RecheckFromTrigger); ok {
			m.enterRunning(p)
		}
		return
	}
	if spec.Type == specChanged || spec.Type == specModified {
		for _, r := range e.Records {
			if r.Path == spec.Path {
				m.enterRunning(spec.Path)
				return
			}
		}
	}
	m.enterWaiting(false, false)
}

// onUnitChanged is path_trigger_notify: when the unit to trigger goes down while the path unit runs, or comes up
// while it waits, look again (a condition that still holds starts it again).
func (m *machine) onUnitChanged(uc *sdk.EventUnitChanged) {
	if uc.Unit != m.c.Unit {
		return
	}
	m.s.TriggerUp = uc.Active != sdk.Inactive && uc.Active != sdk.Failed
	if !m.up() {
		return
	}
	if uc.Active == sdk.Failed && uc.Result == serviceStartLimitResult {
		m.enterDead(resUnitStartLimitHit)
		return
	}
	switch {
	case m.s.Sub == subRunning && !m.s.TriggerUp, m.s.Sub == subWaiting && m.s.TriggerUp:
		m.enterWaiting(false, true)
	}
}

// onRecover: after a core restart the host holds no inotify descriptor of the unit any more (they are not kept
// across it), so a waiting unit looks again and watches anew.
func (m *machine) onRecover(e *sdk.EventRecover) {
	if m.s.Sub != subWaiting {
		return
	}
	for _, w := range m.s.Watching {
		if !slices.Contains(e.Fds, w) {
			m.enterWaiting(false, false)
			return
		}
	}
}
