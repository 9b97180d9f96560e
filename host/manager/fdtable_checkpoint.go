package manager

import (
	"os"

	"google.golang.org/protobuf/proto"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/autofs"
	"github.com/sysmaster/sysmaster/host/listen"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// fdsRecord is the descriptor table's part of a unit's checkpoint record: the descriptors it holds and the
// pipes that carry its processes' output, each by its name in init's fd store, which keeps the descriptor
// itself across a core crash or re-execution.
type fdsRecord struct {
	Fds      []fdRecord         `json:"fds,omitempty"`
	LogPipes map[string]logPipe `json:"log_pipes,omitempty"`
}

// fdRecord is a descriptor the unit holds; the descriptor itself waits in init's fd store under Store.
type fdRecord struct {
	ID    string `json:"id"`
	Store string `json:"store"`
	Name  string `json:"name"`
	Spec  []byte `json:"spec,omitempty"` // the OpenSocket, wire format
	// Autofs is the autofs mount whose pipe this is.
	Autofs *autofs.Point `json:"autofs,omitempty"`
	Passed bool          `json:"passed,omitempty"`
}

// saveFds returns u's part.
func saveFds(u *Unit) fdsRecord {
	r := fdsRecord{LogPipes: u.logPipes}
	for _, f := range u.fds {
		if f.paths != nil {
			continue // an inotify descriptor: the plugin asks for it again after a restore
		}
		fr := fdRecord{ID: f.id, Store: f.store, Name: f.name, Passed: f.passed, Autofs: f.autofs}
		if f.spec != nil {
			fr.Spec, _ = proto.Marshal(f.spec)
		}
		r.Fds = append(r.Fds, fr)
	}
	return r
}

// restoreFds takes u's descriptors back from what init kept (stored, by name; what it claims is removed from
// it), opening anew a listener init did not keep, and drains its log pipes again.
func (m *Manager) restoreFds(u *Unit, r fdsRecord, stored map[string]*os.File) {
	for _, fr := range r.Fds {
		h := &heldFd{id: fr.ID, store: fr.Store, name: fr.Name, passed: fr.Passed, autofs: fr.Autofs}
		if fr.Spec != nil {
			h.spec = &pb.OpenSocket{}
			if err := proto.Unmarshal(fr.Spec, h.spec); err != nil {
				h.spec = nil
			}
		}
		if h.file = stored[fr.Store]; h.file != nil {
			delete(stored, fr.Store)
			if h.autofs != nil && h.autofs.Pgrp != unix.Getpgrp() && !m.reconnectAutofs(u, h) {
				continue
			}
			u.fds = append(u.fds, h)
			continue
		}
		// init did not keep it (no init, or an older one): a listener is opened anew, with the connections
		// that came meanwhile lost; a connection is gone.
		if h.autofs != nil {
			// The read end is gone: the kernel's next request finds the pipe broken. A new pipe repairs it.
			if m.reconnectAutofs(u, h) {
				u.fds = append(u.fds, h)
			}
			continue
		}
		if h.spec == nil {
			m.log.Warn("a connection the unit held was not kept by init", "unit", u.ID, "fd", fr.ID)
			continue
		}
		f, err := listen.Open(h.spec)
		if err != nil {
			m.unitLogf(u, 3, "%s: Failed to re-create listening socket (%s): %v", u.ID, h.spec.Address, err)
			continue
		}
		h.file = f
		u.fds = append(u.fds, h)
		m.keepInInit(h.store, f)
	}
	m.drainKept(u, r.LogPipes, stored)
}
