package manager

import (
	"sort"

	"github.com/sysmaster/sysmaster/host/job"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// send queues ev for u's plugin; it is delivered with the rest of this turn's batch.
func (m *Manager) send(u *Unit, ev *pb.Event) {
	m.markDirty(u) // what its plugin makes of the event is this turn's change
	m.queue[u.Type] = append(m.queue[u.Type], queued{u: u, ev: ev})
}

// flush delivers every queued event, one call per plugin, and applies the results in order. Events that the
// actions cause are queued for the next round of the same turn.
func (m *Manager) flush() {
	types := make([]string, 0, len(m.queue))
	for t := range m.queue {
		types = append(types, t)
	}
	sort.Strings(types)
	for _, typ := range types {
		batch := m.queue[typ]
		delete(m.queue, typ)
		if m.holdIfUnready(typ, batch) {
			continue
		}
		items := make([]*pb.Item, len(batch))
		for i, q := range batch {
			items[i] = &pb.Item{Unit: q.u.ID, Config: q.u.Config, State: q.u.State, StateVersion: q.u.StateVersion,
				Event: q.ev, Runtime: m.runtime(q.u)}
		}
		results, err := m.plugins.Handle(typ, items)
		if err != nil {
			// The plugin is gone; the next call launches a fresh one. Deliver the batch to it once more, so
			// that a crash loses no event.
			m.log.Warn("plugin failed, retrying the batch with a fresh plugin", "type", typ, "events", len(items), "error", err)
			results, err = m.plugins.Handle(typ, items)
		}
		if err != nil {
			m.hold(typ, batch, err) // never dropped: delivered when the plugin is back
			continue
		}
		for i, r := range results {
			u := batch[i].u
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
		Cgroup: m.controlGroup(u)}
	rt.Fds, rt.FdNames = m.passableFds(u)
	rt.Timers = m.timers.ids(u)
	return rt
}

// apply carries out one action of u's plugin.
func (m *Manager) apply(u *Unit, a *pb.Action) {
	switch k := a.Kind.(type) {
	case *pb.Action_SetState:
		m.setState(u, k.SetState)
	case *pb.Action_Spawn:
		m.spawn(u, k.Spawn)
	case *pb.Action_Kill:
		m.kill(u, k.Kill)
	case *pb.Action_ArmTimer:
		m.armTimer(u, k.ArmTimer)
	case *pb.Action_DisarmTimer:
		m.timers.disarm(u, k.DisarmTimer.Id)
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
