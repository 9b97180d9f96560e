package manager

import (
	"encoding/json"
	"maps"
	"os"
	"path/filepath"
	"sort"
	"time"

	"golang.org/x/sys/unix"

	"google.golang.org/protobuf/proto"

	"github.com/sysmaster/sysmaster/host/cgroup"
	"github.com/sysmaster/sysmaster/host/checkpoint"
	"github.com/sysmaster/sysmaster/host/exec"
	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/unit"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// The checkpoint (design.md invariant 3): at the end of every loop turn the core writes what changed in that
// turn to /run/sysmaster/state.db: one record per unit that handled an event, started a job or changed, and the
// installed jobs. A core that starts and finds a checkpoint is a core that came back (after a crash or a
// daemon-reexec): it restores the units and jobs from it instead of starting the boot transaction, and each
// restored unit's plugin gets Recover with what the core found alive.

// unitRecord is what the checkpoint keeps of a unit. Fields are only ever added (a newer core reads an older
// record: what it lacks is zero); a change of meaning raises checkpoint.Version.
type unitRecord struct {
	Active       unit.ActiveState  `json:"active"`
	Sub          string            `json:"sub,omitempty"`
	Result       string            `json:"result,omitempty"`
	StatusText   string            `json:"status_text,omitempty"`
	Props        map[string]string `json:"props,omitempty"`
	State        []byte            `json:"state,omitempty"`
	StateVersion uint32            `json:"state_version,omitempty"`
	Invocation   string            `json:"invocation_id,omitempty"`
	Activation   []string          `json:"activation_env,omitempty"`
	RuntimeDirs  []string          `json:"runtime_dirs,omitempty"`
	PrivateTmp   bool              `json:"private_tmp,omitempty"`
	TTYReset     *exec.TTYReset    `json:"tty_reset,omitempty"`
	NamespaceOf  string            `json:"namespace_of,omitempty"`
	Times        [5]stampRecord    `json:"times"`
	Starts       []time.Time       `json:"starts,omitempty"`
	Condition    checkRecord       `json:"condition"`
	Assert       checkRecord       `json:"assert"`
	TriggeredBy  []string          `json:"triggered_by,omitempty"`
	Triggers     []string          `json:"triggers,omitempty"`
	CgroupMade   bool              `json:"cgroup_made,omitempty"`
	Cgroup       cgroup.Settings   `json:"cgroup"`
	Populated    bool              `json:"populated,omitempty"`
	OOMKills     uint64            `json:"oom_kills,omitempty"`
	StartPids    []int             `json:"start_pids,omitempty"` // a transient scope's, until attached
	// The owners' parts, each saved and restored beside its owner; their fields sit at the record's top level.
	procRecord
	timerRecord
	fdsRecord
}

type stampRecord struct {
	Wall time.Time     `json:"wall"`
	Mono time.Duration `json:"mono"`
}

type checkRecord struct {
	Evaluated bool        `json:"evaluated,omitempty"`
	OK        bool        `json:"ok,omitempty"`
	Reason    string      `json:"reason,omitempty"`
	States    []int32     `json:"states,omitempty"`
	At        stampRecord `json:"at"`
}

// heldRecord is an event sent to a plugin whose answer is not applied yet: held for a plugin that cannot take it
// now, or in a call still in flight (host/manager/plugins.go).
type heldRecord struct {
	Unit  string `json:"unit"`
	Event []byte `json:"event"` // wire format
}

// jobRecord is an installed job.
type jobRecord struct {
	ID           uint64    `json:"id"`
	Unit         string    `json:"unit"`
	Type         job.Type  `json:"type"`
	State        job.State `json:"state"`
	Irreversible bool      `json:"irreversible,omitempty"`
	IgnoreOrder  bool      `json:"ignore_order,omitempty"`
	Restarting   bool      `json:"restarting,omitempty"`
	Env          []string  `json:"env,omitempty"`
}

func rec(s stamp) stampRecord      { return stampRecord{Wall: s.wallTime(), Mono: s.mono} }
func (r stampRecord) stamp() stamp { return stamp{wall: wallOf(r.Wall), mono: r.Mono} }
func recCheck(c checkResult, states []int32) checkRecord {
	return checkRecord{Evaluated: c.evaluated, OK: c.ok, Reason: c.reason, States: states, At: rec(c.at)}
}
func (r checkRecord) result() checkResult {
	return checkResult{evaluated: r.Evaluated, ok: r.OK, reason: r.Reason, at: r.At.stamp()}
}

func (m *Manager) record(u *Unit) unitRecord {
	r := unitRecord{Active: u.Active, Sub: u.Sub, Result: u.Result, StatusText: u.StatusText, Props: maps.Collect(u.Props.all()),
		State: u.State, StateVersion: u.StateVersion,
		Invocation: u.invocationID, Activation: u.activationEnv, PrivateTmp: u.privateTmp, TTYReset: u.ttyReset, NamespaceOf: u.namespaceOf, Starts: u.starts,
		Condition: recCheck(u.condition, u.rareOf().conditionStates), Assert: recCheck(u.assert, u.rareOf().assertStates),
		TriggeredBy: u.rareOf().triggeredBy, Triggers: u.rareOf().triggers, CgroupMade: u.cgroupMade, Cgroup: u.cgroupSettings,
		Populated: u.populated, OOMKills: u.oomKills,
		procRecord: m.procs.save(u), timerRecord: m.timers.save(u), fdsRecord: saveFds(u)}
	r.StartPids = u.rareOf().startPids
	t := u.times
	r.Times = [5]stampRecord{rec(t.stateChange), rec(t.activeEnter), rec(t.activeExit), rec(t.inactiveEnter), rec(t.inactiveExit)}
	for d := range u.runtimeDirs {
		r.RuntimeDirs = append(r.RuntimeDirs, d)
	}
	sort.Strings(r.RuntimeDirs)
	return r
}

// markDirty makes the end of this turn write u's record.
func (m *Manager) markDirty(u *Unit) {
	if m.store != nil {
		m.dirty[u] = true
	}
}

// commit writes this turn's changes: the records of the units marked, and the jobs.
func (m *Manager) commit() {
	if m.store == nil {
		return
	}
	m.noteBootFinished()
	if len(m.dirty) == 0 && !m.reloadsDirty && !m.boot.dirty && len(m.stale) == 0 &&
		(!m.pg.unmarked || len(m.pg.pending) == 0) {
		// The inputs taken changed nothing worth keeping (a plugin's exit, an orphan's, an Executed report the
		// plugin ignored).
		m.pg.unmarked = false
		m.inputsCommitted()
		return
	}
	c := checkpoint.Changes{Units: map[string][]byte{}, Blobs: map[string][]byte{}}
	for _, name := range m.stale {
		c.Units[name] = nil
	}
	for u := range m.dirty {
		if m.units[u.ID] != u {
			c.Units[u.ID] = nil // unloaded
			continue
		}
		b, err := json.Marshal(m.record(u))
		if err != nil {
			m.log.Error("checkpoint: cannot encode unit", "unit", u.ID, "error", err)
			continue
		}
		c.Units[u.ID] = b
	}
	var jobs []jobRecord
	for _, j := range m.engine.All() {
		jobs = append(jobs, jobRecord{ID: j.ID, Unit: j.Unit, Type: j.Type, State: j.State,
			Irreversible: j.Irreversible, IgnoreOrder: j.IgnoreOrder, Restarting: j.Restarting, Env: j.Env})
	}
	c.Blobs["jobs"], _ = json.Marshal(jobs)
	var held []heldRecord
	for _, q := range m.pg.pendingEvents() {
		b, _ := proto.Marshal(q.ev)
		held = append(held, heldRecord{Unit: q.u.ID, Event: b})
	}
	c.Blobs["held"], _ = json.Marshal(held)
	m.pg.unmarked, m.pg.savedPending = false, len(held) > 0
	c.Blobs["reloads"], _ = json.Marshal(m.reloads)
	m.saveEnvironment(c.Blobs)
	m.saveOptions(c.Blobs)
	m.saveBoot(c.Blobs)
	m.reloadsDirty = false
	m.stale = nil
	clear(m.dirty)
	if err := m.store.Commit(c); err != nil {
		m.log.Error("checkpoint: commit failed; a core crash now would lose this turn", "error", err)
		return
	}
	m.inputsCommitted()
}

// inputsCommitted tells the replay logs that what the loop took is covered by the checkpoint.
func (m *Manager) inputsCommitted() {
	m.procs.exitLog.committed(m.procs.exitsTaken)
	m.noteLog.committed(m.notesTaken)
	m.procs.spawnLog.committed()
	m.procs.exitsTaken, m.notesTaken = 0, 0
}

// openCheckpoint opens the store and reads what a previous core left. A checkpoint that cannot be used is
// reported and set aside: the core then starts as at boot, from what it finds.
func (m *Manager) openCheckpoint() {
	path := filepath.Join(m.opts.RunDir, "state.db")
	s, discarded, err := checkpoint.Open(path)
	if discarded != nil {
		m.log.Error("checkpoint discarded, starting from reality", "error", discarded)
		m.checkpointLost = true
	}
	if err != nil {
		m.log.Error("no checkpoint store: a core crash will lose the units' state", "error", err)
		return
	}
	m.store = s
	m.procs.exitLog = openReplayLog(filepath.Join(m.opts.RunDir, "exits.log"), m.log, encExit, decExit, m.procs.exits.push)
	m.noteLog = openReplayLog(filepath.Join(m.opts.RunDir, "notify.log"), m.log, encNote, decNote, m.notes.push)
	m.procs.spawnLog = openSpawnLog(filepath.Join(m.opts.RunDir, "spawns.log"), m.log)
	snap, err := s.Load()
	if err != nil {
		m.log.Error("checkpoint discarded, starting from reality", "error", err)
		m.checkpointLost = true
		if err := s.Reset(); err != nil {
			m.log.Error("cannot reset the checkpoint", "error", err)
		}
		return
	}
	if len(snap.Units) > 0 || len(snap.Blobs) > 0 {
		m.snapshot = snap
	}
}

// restore brings back the units and jobs of the snapshot a previous core left, re-adopts what is still there,
// and sends each restored unit Recover. Exits that happened meanwhile follow (from the exit log, and from init).
func (m *Manager) restore() {
	snap := m.snapshot
	m.snapshot = nil
	t0 := time.Now()
	recs := map[string]unitRecord{}
	var names []string
	for name, b := range snap.Units {
		r, err := decodeUnitRecord(b, snap.Version)
		if err != nil {
			m.log.Error("checkpoint: unreadable unit record, the unit starts afresh", "unit", name, "error", err)
			m.stale = append(m.stale, name)
			continue
		}
		recs[name] = r
		names = append(names, name)
	}
	sort.Strings(names)
	m.load(names...)
	loaded := time.Since(t0)
	stored := m.fds.kept
	var restored []*Unit
	for _, name := range names {
		u := m.units[name]
		if u == nil {
			m.stale = append(m.stale, name)
			continue
		}
		m.applyRecord(u, recs[name], stored)
		restored = append(restored, u)
	}
	m.killUncommitted()
	m.dropKept()
	jobs := m.decodeJobs(snap.Blobs["jobs"], snap.Version)
	for _, r := range jobs {
		if m.units[r.Unit] == nil {
			continue
		}
		m.engine.Restore(job.Job{ID: r.ID, Unit: r.Unit, Type: r.Type, State: r.State, Irreversible: r.Irreversible,
			IgnoreOrder: r.IgnoreOrder, Restarting: r.Restarting, Env: r.Env})
		j := m.engine.Get(r.Unit)
		m.armJobTimeout(j, false)
		if j.State == job.Running {
			m.armJobTimeout(j, true)
		}
	}
	for _, u := range restored {
		rc := &pb.Recover{}
		for pid, c := range u.children {
			rc.Alive = append(rc.Alive, &pb.Child{Pid: int64(pid), Role: c.role, Id: c.id})
		}
		for _, f := range u.fds {
			rc.Fds = append(rc.Fds, f.id)
		}
		rc.Timers = m.timers.ids(u)
		m.send(u, &pb.Event{Kind: &pb.Event_Recover{Recover: rc}})
	}
	if b := snap.Blobs["reloads"]; b != nil {
		_ = json.Unmarshal(b, &m.reloads) // only the rate limit's memory
	}
	m.restoreEnvironment(snap.Blobs)
	m.restoreOptions(snap.Blobs)
	m.restoreBoot(snap.Blobs)
	// A cgroup that emptied while no core watched it: its watch only reports changes from now on.
	for _, u := range restored {
		if u.cgroupMade {
			m.checkEmpty(u, false)
		}
	}
	// Events that were held for a plugin that could not take them follow, in their order.
	var held []heldRecord
	if b := snap.Blobs["held"]; b != nil {
		if err := json.Unmarshal(b, &held); err != nil {
			m.log.Error("checkpoint: unreadable held events, they are lost", "error", err)
		}
	}
	m.pg.savedPending = len(held) > 0
	for _, h := range held {
		ev := &pb.Event{}
		if u := m.units[h.Unit]; u != nil && proto.Unmarshal(h.Event, ev) == nil {
			m.send(u, ev)
		}
	}
	m.log.Info("restored from the checkpoint", "units", len(restored), "jobs", len(jobs), "turn", snap.Turn,
		"load", loaded.Round(time.Millisecond), "total", time.Since(t0).Round(time.Millisecond))
}

// decodeUnitRecord reads a unit record written in format version.
func decodeUnitRecord(b []byte, version int) (unitRecord, error) {
	var r unitRecord
	if version < 2 {
		var err error
		if b, err = upgradeUnitV1(b); err != nil {
			return r, err
		}
	}
	err := json.Unmarshal(b, &r)
	return r, err
}

// decodeJobs reads the jobs blob written in format version. A record that cannot be read (an unknown job type,
// say) loses that job only, and is logged with what it said.
func (m *Manager) decodeJobs(b []byte, version int) []jobRecord {
	if b == nil {
		return nil
	}
	var raws []json.RawMessage
	if err := json.Unmarshal(b, &raws); err != nil {
		m.log.Error("checkpoint: unreadable jobs, they are lost", "error", err)
		return nil
	}
	var jobs []jobRecord
	for _, raw := range raws {
		var r jobRecord
		b, err := raw, error(nil)
		if version < 2 {
			b, err = upgradeJobV1(raw)
		}
		if err == nil {
			err = json.Unmarshal(b, &r)
		}
		if err != nil {
			m.log.Error("checkpoint: unreadable job record, the job is lost", "record", string(raw), "error", err)
			continue
		}
		jobs = append(jobs, r)
	}
	return jobs
}

// applyRecord puts a unit back as the record says: state, processes (in m.procs.owner, so that their exits reach it),
// timers re-armed for what is left of them, descriptors taken back from init's store, cgroup watches.
func (m *Manager) applyRecord(u *Unit, r unitRecord, stored map[string]*os.File) {
	u.Active, u.Sub, u.Result, u.StatusText, u.Props = r.Active, r.Sub, r.Result, r.StatusText, newPairs(r.Props)
	u.State, u.StateVersion = r.State, r.StateVersion
	u.invocationID, u.activationEnv, u.privateTmp, u.namespaceOf = r.Invocation, r.Activation, r.PrivateTmp, r.NamespaceOf
	u.starts, u.condition, u.assert = r.Starts, r.Condition.result(), r.Assert.result()
	u.setRare(func(rare *unitRare) { rare.conditionStates, rare.assertStates = r.Condition.States, r.Assert.States })
	u.setRare(func(x *unitRare) { x.triggeredBy, x.triggers, x.startPids = r.TriggeredBy, r.Triggers, r.StartPids })
	u.ttyReset = r.TTYReset
	u.populated, u.oomKills = r.Populated, r.OOMKills
	u.times = timestamps{stateChange: r.Times[0].stamp(), activeEnter: r.Times[1].stamp(), activeExit: r.Times[2].stamp(),
		inactiveEnter: r.Times[3].stamp(), inactiveExit: r.Times[4].stamp()}
	for _, d := range r.RuntimeDirs {
		u.addRuntimeDir(d)
	}
	m.procs.restore(u, r.procRecord)
	m.timers.restore(u, r.timerRecord, timerArming{m.armTimerAt, m.armRealtime, m.watchTimeChange})
	m.restoreFds(u, r.fdsRecord, stored)
	if r.CgroupMade && m.cg != nil {
		u.cgroupMade, u.cgroupSettings = true, r.Cgroup
		m.watchCgroup(u)
	}
	m.markDirty(u)
}

// forgetCheckpoint empties the checkpoint when the system goes down on purpose: a core started afterwards in
// the same /run boots afresh.
func (m *Manager) forgetCheckpoint() {
	if m.store == nil {
		return
	}
	if err := m.store.Reset(); err != nil {
		m.log.Error("cannot empty the checkpoint", "error", err)
	}
}

// endOrphans ends the processes a previous core left in units' cgroups when its checkpoint could not be read:
// nothing says which unit state or job they belong to, and the boot that follows starts the units again. Left
// running, they would run twice (and hold the same ports and files).
func (m *Manager) endOrphans() {
	if !m.checkpointLost || m.cg == nil {
		return
	}
	for _, name := range m.unitCgroups("") {
		if busy, _ := m.cg.Populated(name); busy {
			n, err := m.cg.Kill(name, unix.SIGKILL)
			m.log.Warn("the checkpoint was lost: ending what a previous core left running; the unit starts afresh",
				"cgroup", m.cg.Path(name), "processes", n, "error", err)
		}
	}
}

// dropKept closes what init kept for a previous core that nothing claimed, and has init close its copies.
func (m *Manager) dropKept() {
	for name, f := range m.fds.kept {
		m.log.Warn("init kept a descriptor nothing claims; closing it", "name", name)
		f.Close()
		m.forgetInInit(name)
	}
	m.fds.kept = nil
}
