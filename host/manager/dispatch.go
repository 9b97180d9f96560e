package manager

import (
	"bytes"
	"errors"
	"sort"
	"sync"
	"time"

	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/host/plugin"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// send queues ev for u's plugin; it is delivered with the rest of this turn's batch.
func (m *Manager) send(u *Unit, ev *pb.Event) {
	m.markDirty(u) // what its plugin makes of the event is this turn's change
	m.pg.add(u, ev)
}

// flush hands every queued event to its plugin, one call per type. Each call runs on a goroutine of its own
// and hands its answer back to the loop (delivered), so that a slow or hung plugin holds up its own type only. A
// type has at most one call in flight; what is queued for it meanwhile is held behind the call, in order, and
// delivered when the answer is in.
//
// The loop then waits a little (answerWait) for the answers of the calls it has just started: a plugin answers
// in a fraction of a millisecond, and an answer applied in the same turn keeps the events its actions cause in
// that turn too, with one checkpoint commit for all of it, and keeps what a client sees right after its request
// as it was when calls were made on the loop (a unit started with --no-block shows activating at once). An
// answer that takes longer is applied in a later turn; the loop goes on meanwhile, and does not wait for the
// type's calls again until one of them answers within answerWait: a hung plugin costs the loop one wait.
func (m *Manager) flush() {
	types := make([]string, 0, len(m.pg.queue))
	for t := range m.pg.queue {
		types = append(types, t)
	}
	sort.Strings(types)
	started := map[string]bool{}
	for _, typ := range types {
		batch := m.pg.queue[typ]
		delete(m.pg.queue, typ)
		if m.pg.holdIfUnready(typ, batch) {
			continue
		}
		m.deliver(typ, batch, false)
		if !m.pg.slow[typ] {
			started[typ] = true
		}
	}
	if len(started) > 0 {
		m.awaitAnswers(started)
	}
}

// answerWait is how long flush waits for the answers of the calls it started.
const answerWait = 50 * time.Millisecond

// answer is what a call brought back.
type answer struct {
	typ     string
	batch   []queued
	results []*pb.Result
	err     error
	retried bool
}

// answers is where calls leave their answers for the loop. The loop takes them while it waits in flush, or
// when a call that found it not waiting posts takeAnswers.
type answers struct {
	mu      sync.Mutex
	list    []answer
	waiting bool          // the loop waits in flush: kick it instead of posting
	kick    chan struct{} // capacity 1
}

// deliver starts typ's call for batch. The items are built now, on the loop, from the units as they are: no
// other call of the type is in flight, so each unit's state bytes are the latest. retried says that the batch
// failed once already.
func (m *Manager) deliver(typ string, batch []queued, retried bool) {
	items := make([]*pb.Item, len(batch))
	for i, q := range batch {
		items[i] = &pb.Item{Unit: q.u.ID, Config: q.u.Config, State: q.u.State, StateVersion: q.u.StateVersion,
			Event: q.ev, Runtime: m.runtime(q.u)}
	}
	m.pg.inflight[typ] = &call{batch: batch, since: time.Now()}
	go func() {
		results, err := m.plugins.Handle(typ, items)
		a := &m.pg.answers
		a.mu.Lock()
		a.list = append(a.list, answer{typ: typ, batch: batch, results: results, err: err, retried: retried})
		waiting := a.waiting
		a.mu.Unlock()
		if !waiting {
			m.post(func() { m.takeAnswers() })
			return
		}
		select {
		case a.kick <- struct{}{}:
		default:
		}
	}()
}

// awaitAnswers applies the answers that come back within answerWait, until those of the calls in started are in.
func (m *Manager) awaitAnswers(started map[string]bool) {
	a := &m.pg.answers
	a.mu.Lock()
	a.waiting = true
	a.mu.Unlock()
	timer := time.NewTimer(answerWait)
	defer timer.Stop()
	for len(started) > 0 {
		for _, typ := range m.takeAnswers() {
			delete(started, typ)
		}
		if len(started) == 0 {
			break
		}
		select {
		case <-a.kick:
		case <-timer.C:
			started = nil
		}
	}
	a.mu.Lock()
	a.waiting = false
	a.mu.Unlock()
	m.takeAnswers() // those that came as the wait ended: their calls saw the loop waiting and did not post
}

// takeAnswers applies the answers that are in, in the order they came, and returns their types.
func (m *Manager) takeAnswers() []string {
	a := &m.pg.answers
	a.mu.Lock()
	list := a.list
	a.list = nil
	a.mu.Unlock()
	types := make([]string, len(list))
	for i, x := range list {
		m.delivered(x.typ, x.batch, x.results, x.err, x.retried)
		types[i] = x.typ
	}
	return types
}

// delivered applies, on the loop, the answer of typ's call for batch, in order, then sends on what waited
// behind the call. A failed call is tried once more at once (the plugin manager launches a fresh plugin; the
// items are built again, as a live swap may have changed the units' config bytes meanwhile), then held for
// the retry timer: an event is never dropped.
func (m *Manager) delivered(typ string, batch []queued, results []*pb.Result, err error, retried bool) {
	if c := m.pg.inflight[typ]; c != nil && time.Since(c.since) > answerWait {
		m.pg.slow[typ] = true
	} else {
		delete(m.pg.slow, typ)
	}
	delete(m.pg.inflight, typ)
	if err != nil {
		if !retried && !errors.Is(err, plugin.ErrBackoff) {
			m.log.Warn("plugin failed, retrying the batch with a fresh plugin", "type", typ, "events", len(batch), "error", err)
			m.deliver(typ, batch, true)
			return
		}
		// Never dropped: delivered when the plugin is back.
		m.log.Error("cannot deliver events now; holding them until the plugin is back", "type", typ, "events", len(batch), "error", err)
		m.pg.hold(typ, batch)
		return
	}
	for i, r := range results {
		u := batch[i].u
		m.done1(u)
		if m.units[u.ID] != u {
			continue // unloaded meanwhile; cannot happen to a unit with events pending (pinned), kept as a guard
		}
		if !m.unchanged(batch[i].ev, u, r) {
			m.markDirty(u)
		}
		if r.Error != "" {
			m.log.Error("plugin could not handle event", "unit", u.ID, "event", eventName(batch[i].ev), "error", r.Error)
			m.undeliverable(u)
			continue
		}
		u.State, u.StateVersion = r.State, r.StateVersion
		for _, a := range r.Actions {
			m.apply(u, a)
		}
	}
	m.pg.release(typ) // what waited behind the call goes in this turn's next round
}

// unchanged reports whether r, the answer to ev, leaves nothing to commit: ev is an Executed report (queued without
// marking u dirty: onExecuted), the plugin kept u's state as it was and asked for nothing, and no commit wrote
// events as pending since (the checkpoint's held events would then still name ev).
func (m *Manager) unchanged(ev *pb.Event, u *Unit, r *pb.Result) bool {
	return ev.GetExecuted() != nil && !m.pg.savedPending && r.Error == "" && len(r.Actions) == 0 &&
		r.StateVersion == u.StateVersion && bytes.Equal(r.State, u.State)
}

// done1 notes that one of u's events has been handled; with none left, u may be collected again.
func (m *Manager) done1(u *Unit) {
	if m.pg.answered(u) {
		m.queueGC(u)
	}
}

// undeliverable fails the running job of a unit whose event could not be handled, so that no caller waits for
// ever.
func (m *Manager) undeliverable(u *Unit) {
	if j := m.engine.Get(u.ID); j != nil && j.State == job.Running {
		m.engine.Finish(j, job.Failed)
	}
}

func (m *Manager) runtime(u *Unit) *pb.UnitRuntime {
	rt := &pb.UnitRuntime{MainPid: int64(u.MainPid), ControlPid: int64(u.ControlPid), InvocationId: u.invocationID,
		Cgroup: m.controlGroup(u), ActivationEnv: u.activationEnv}
	rt.Fds, rt.FdNames = m.passableFds(u)
	rt.Timers = m.timers.ids(u)
	return rt
}

// apply carries out one action of u's plugin.
func (m *Manager) apply(u *Unit, a *pb.Action) {
	switch k := a.Kind.(type) {
	case *pb.Action_SetState:
		if _, ok := pb.ActiveState_name[int32(k.SetState.Active)]; !ok {
			m.log.Error("plugin set an unknown active state; ignoring it", "unit", u.ID, "state", int32(k.SetState.Active))
			return
		}
		m.life.setState(u, k.SetState)
	case *pb.Action_Spawn:
		m.spawn(u, k.Spawn)
	case *pb.Action_Kill:
		if _, ok := pb.Whom_name[int32(k.Kill.Whom)]; !ok || k.Kill.Signal < 0 || k.Kill.Signal > 64 {
			m.log.Error("plugin asked for an invalid kill; ignoring it", "unit", u.ID, "whom", int32(k.Kill.Whom),
				"signal", k.Kill.Signal)
			return
		}
		m.kill(u, k.Kill)
	case *pb.Action_ArmTimer:
		m.armTimer(u, k.ArmTimer)
	case *pb.Action_DisarmTimer:
		m.timers.disarm(u, k.DisarmTimer.Id)
	case *pb.Action_WatchTimeChange:
		m.watchTimeChange(u, k.WatchTimeChange.Watch)
	case *pb.Action_SetMainPid:
		m.setMainPid(u, int(k.SetMainPid.Pid))
	case *pb.Action_Log:
		m.unitLogf(u, int(k.Log.Priority), "%s", k.Log.Text)
	case *pb.Action_EnqueueJob:
		m.enqueueFor(u, k.EnqueueJob)
	case *pb.Action_OpenSocket:
		m.openSocket(u, k.OpenSocket)
	case *pb.Action_CloseFd:
		m.closeFd(u, k.CloseFd.Id)
	case *pb.Action_WatchFd:
		m.watchFd(u, k.WatchFd)
	case *pb.Action_OpenAutofs:
		m.openAutofs(u, k.OpenAutofs)
	case *pb.Action_AutofsReply:
		m.autofsReply(u, k.AutofsReply)
	case *pb.Action_ExpireAutofs:
		m.expireAutofs(u, k.ExpireAutofs)
	case *pb.Action_WatchPaths:
		m.watchPaths(u, k.WatchPaths)
	case *pb.Action_RealizeCgroup:
		m.realizeCgroup(u, k.RealizeCgroup.GetSettings())
	case *pb.Action_AttachProcesses:
		m.attachStartProcesses(u, k.AttachProcesses.GetSettings())
	default:
		// DeclareUnit is served by later versions of this host; a plugin must not rely on it yet. Say so
		// instead of failing silently.
		m.log.Error("plugin asked for an action this host does not carry out", "unit", u.ID, "action", actionName(a))
	}
}

func eventName(ev *pb.Event) string {
	if ev == nil || ev.Kind == nil {
		return "none"
	}
	return string(ev.ProtoReflect().WhichOneof(ev.ProtoReflect().Descriptor().Oneofs().ByName("kind")).Name())
}

func actionName(a *pb.Action) string {
	if a == nil || a.Kind == nil {
		return "none"
	}
	return string(a.ProtoReflect().WhichOneof(a.ProtoReflect().Descriptor().Oneofs().ByName("kind")).Name())
}
