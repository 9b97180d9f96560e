package manager

import (
	"errors"
	"os"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/autofs"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// openAutofs mounts the autofs an automount unit asks for and holds its pipe like a listener (heldFd with
// autofs set): init keeps a copy, so that neither a plugin nor a core crash closes it, which would make the
// mount point fail every access. The pipe is watched at once. A failure goes back as FdOpenFailed.
func (m *Manager) openAutofs(u *Unit, o *pb.OpenAutofs) {
	if u.heldFd(o.Id) != nil {
		return
	}
	f, pt, err := autofs.Mount(o.Where, os.FileMode(o.DirectoryMode), o.TimeoutIdleUsec/1e6, o.ExtraOptions)
	if err != nil {
		m.unitLogf(u, 3, "%s: Failed to set up the automount point %s: %v", u.ID, o.Where, err)
		m.send(u, &pb.Event{Kind: &pb.Event_FdOpenFailed{FdOpenFailed: &pb.FdOpenFailed{Id: o.Id, Message: err.Error()}}})
		return
	}
	m.holdFd(u, &heldFd{id: o.Id, name: u.ID, file: f, autofs: &pt})
	m.watchFd(u, &pb.WatchFd{Id: o.Id, Watch: true})
}

// reconnectAutofs makes this core the daemon of the autofs a restored unit holds, when the core that mounted it
// is gone (its process group with it) or init did not keep the pipe: the kernel sends a trigger of the core's
// own mount(8) to the daemon's process group as a request and makes it wait, so without it an access through
// the automount would wait out the mount's timeout. The new pipe replaces the held one, in init's store too.
// Accesses that waited since the crash fail (ENOENT), and the answers the unit still owes them go nowhere. It
// reports whether the unit keeps the descriptor.
func (m *Manager) reconnectAutofs(u *Unit, h *heldFd) bool {
	f, err := h.autofs.Reconnect()
	if err != nil {
		if h.file != nil {
			h.file.Close()
		}
		m.unitLogf(u, 3, "%s: the automount point %s cannot be taken over by this core (%v); restart the unit", u.ID, h.autofs.Where, err)
		return false
	}
	if h.file != nil {
		h.file.Close()
	}
	h.file = f
	m.keepInInit(h.store, f)
	m.unitLogf(u, 6, "%s: took the automount point %s over from the previous core.", u.ID, h.autofs.Where)
	return true
}

// autofsReadable hands the requests waiting in an autofs pipe to its unit and watches the pipe again: the kernel
// never waits for the unit to ask.
func (m *Manager) autofsReadable(u *Unit, f *heldFd) {
	packets, err := autofs.ReadPackets(f.file)
	for _, p := range packets {
		m.send(u, &pb.Event{Kind: &pb.Event_AutofsPacket{AutofsPacket: &pb.AutofsPacket{
			Id: f.id, Token: p.Token, Expire: p.Expire, Pid: p.Pid, Name: p.Name}}})
	}
	if err != nil {
		m.log.Error("the autofs pipe failed; the automount point no longer triggers", "unit", u.ID, "error", err)
		return
	}
	m.watchFd(u, &pb.WatchFd{Id: f.id, Watch: true})
}

// autofsReply answers requests of the autofs u holds under r.Id.
func (m *Manager) autofsReply(u *Unit, r *pb.AutofsReply) {
	f := u.heldFd(r.Id)
	if f == nil || f.autofs == nil {
		m.log.Error("plugin answered an autofs the unit does not hold", "unit", u.ID, "fd", r.Id)
		return
	}
	for _, t := range r.Tokens {
		var err error
		if r.Status == 0 {
			err = f.autofs.Ready(t)
		} else {
			err = f.autofs.Fail(t, r.Status)
		}
		if err != nil {
			m.log.Warn("answering the kernel's autofs request", "unit", u.ID, "token", t, "error", err)
		}
	}
}

// expireAutofs asks the kernel, off the loop, to expire what is idle on the autofs u holds under e.Id: the
// kernel sends the expire requests and waits for their answers, which come through the loop, before the call
// returns. One expire runs at a time per autofs.
func (m *Manager) expireAutofs(u *Unit, e *pb.ExpireAutofs) {
	f := u.heldFd(e.Id)
	if f == nil || f.autofs == nil || f.expiring {
		return
	}
	f.expiring = true
	pt := *f.autofs
	go func() {
		var err error
		for err == nil {
			err = pt.Expire() // each success expired one mount: ask again until nothing is idle
		}
		m.post(func() {
			f.expiring = false
			if !errors.Is(err, unix.EAGAIN) {
				m.log.Debug("autofs expire", "unit", u.ID, "error", err)
			}
		})
	}()
}

// closeAutofs takes the autofs away with what is mounted on it; the requests still waiting fail when the pipe
// closes.
func (m *Manager) closeAutofs(u *Unit, f *heldFd) {
	if err := autofs.Unmount(f.autofs.Where); err != nil {
		m.unitLogf(u, 4, "%s: %v", u.ID, err)
	}
}
