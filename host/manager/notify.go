package manager

import (
	"errors"

	"github.com/sysmaster/sysmaster/host/notify"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// notifyStore is the notify socket's name in init's fd store.
const notifyStore = "notify"

// listenNotify opens the sd_notify socket and receives on it until it is closed. Messages wake the loop as exits
// do, and are handled before the exits of the same turn: a service that says READY=1 and then exits has said it.
// The socket outlives the core: init keeps a copy, and the next core takes it back, so that a notification
// sent while no core runs waits in its queue.
func (m *Manager) listenNotify(path string) {
	var l *notify.Listener
	var err error
	if kept := m.fds.kept[notifyStore]; kept != nil {
		delete(m.fds.kept, notifyStore)
		if l, err = notify.FromFile(kept); err != nil {
			m.log.Error("cannot take back the notify socket init kept; opening a new one", "error", err)
			m.forgetInInit(notifyStore)
		}
		kept.Close()
	}
	if l == nil {
		if l, err = notify.Listen(path); err != nil {
			m.log.Error("cannot open the notify socket; Type=notify services will time out", "path", path, "error", err)
			return
		}
		if f, err := l.File(); err == nil {
			m.keepInInit(notifyStore, f)
			f.Close()
		}
	}
	m.notifySocket = l
	go func() {
		for {
			msg, err := l.Receive()
			if errors.Is(err, notify.ErrBadMessage) {
				m.log.Warn("dropped a notification", "error", err)
				continue
			}
			if err != nil {
				return // closed
			}
			m.pushNote(msg)
			m.procs.exits.wake()
		}
	}()
}

// onNotify hands a notification to the unit whose process sent it. The plugin decides what NotifyAccess= allows.
func (m *Manager) onNotify(msg notify.Message) {
	defer msg.Close() // FDSTORE= is not served yet: passed fds are closed
	u := m.unitOfPid(msg.Pid)
	if u == nil {
		m.log.Debug("notification from a process of no unit", "pid", msg.Pid, "fields", msg.Fields)
		return
	}
	m.send(u, &pb.Event{Kind: &pb.Event_Notify{Notify: &pb.Notify{Pid: int64(msg.Pid), Fields: msg.Fields}}})
}

// unitOfPid is the unit pid belongs to: by the processes the core spawned or adopted, else by the cgroup pid is
// in, as systemd finds the sender of a notification (a daemon's child may speak with NotifyAccess=all).
func (m *Manager) unitOfPid(pid int) *Unit {
	if u := m.procs.owner[pid]; u != nil {
		return u
	}
	if m.cg == nil || pid <= 0 {
		return nil
	}
	// Any other process of a unit: by its cgroup, SLICE/…/UNIT or below (a delegated subtree).
	rel, ok := m.cg.UnitOf(pid)
	if !ok {
		return nil
	}
	if u := m.units[unitOfCgroup(rel)]; u != nil && u.cgroupMade {
		return u
	}
	return nil
}
