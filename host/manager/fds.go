package manager

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"sort"
	"strings"

	"github.com/sysmaster/sysmaster/host/autofs"
	"github.com/sysmaster/sysmaster/host/listen"
	"github.com/sysmaster/sysmaster/host/pathwatch"
	"github.com/sysmaster/sysmaster/host/unit"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// heldFd is a descriptor the core holds for a unit: a listener its socket unit opened (spec set), or a connection
// accepted on one, held by the socket unit until it hands it to the instance that serves it (passed).
type heldFd struct {
	id    string
	store string // its name in init's fd store, which keeps a copy across a core crash
	name  string // for LISTEN_FDNAMES: FileDescriptorName=, or "connection"
	file  *os.File
	spec  *pb.OpenSocket
	// autofs is set for the pipe of an autofs mount (OpenAutofs): its reports are the kernel's requests.
	autofs   *autofs.Point
	expiring bool // an expire of the autofs runs

	gen    uint32 // the generation of the watch when armed, 0 when not watched
	accept bool   // the watch accepts a connection before it reports
	passed bool   // handed to u with its start job: closed when u goes down

	paths *pathwatch.Set // an inotify descriptor of a path unit (WatchPaths), not kept in init's store
}

func (u *Unit) heldFd(id string) *heldFd {
	for _, f := range u.fds {
		if f.id == id {
			return f
		}
	}
	return nil
}

// openSocket opens the listener the plugin asks for and holds it for u; a failure goes back as FdOpenFailed.
func (m *Manager) openSocket(u *Unit, s *pb.OpenSocket) {
	if u.heldFd(s.Id) != nil {
		return
	}
	f, err := listen.Open(s)
	if err != nil {
		m.unitLogf(u, 3, "%s: Failed to create listening socket (%s): %v", u.ID, s.Address, err)
		m.send(u, &pb.Event{Kind: &pb.Event_FdOpenFailed{FdOpenFailed: &pb.FdOpenFailed{Id: s.Id, Message: err.Error()}}})
		return
	}
	name := s.Options["FileDescriptorName"]
	if name == "" {
		name = u.ID
	}
	m.holdFd(u, &heldFd{id: s.Id, name: name, file: f, spec: s})
}

// holdFd adds f to u's descriptors and gives init a copy to keep.
func (m *Manager) holdFd(u *Unit, f *heldFd) {
	f.store = "fd/" + u.ID + "/" + f.id
	u.fds = append(u.fds, f)
	m.keepInInit(f.store, f.file)
}

// keepInInit gives init a copy of f to keep under name, so that a crash of the core does not close it.
func (m *Manager) keepInInit(name string, f *os.File) {
	if err := m.init.storeFds([]string{name}, []*os.File{f}); err != nil {
		m.log.Error("init cannot keep a descriptor; a core crash would close it", "name", name, "error", err)
	}
}

// forgetInInit makes init close its copy of the descriptor kept under name.
func (m *Manager) forgetInInit(name string) {
	if err := m.init.removeFds(name); err != nil {
		m.log.Error("init cannot drop a descriptor it keeps", "name", name, "error", err)
	}
}

// closeFd closes the fd u holds under id (a listener: removing its files if RemoveOnStop= says so).
func (m *Manager) closeFd(u *Unit, id string) {
	for i, f := range u.fds {
		if f.id == id {
			u.fds = append(u.fds[:i], u.fds[i+1:]...)
			m.closeHeld(u, f)
			return
		}
	}
}

func (m *Manager) closeHeld(u *Unit, f *heldFd) {
	m.unwatchFd(f)
	if f.store != "" {
		m.forgetInInit(f.store)
	}
	if f.autofs != nil {
		m.closeAutofs(u, f)
	}
	var err error
	if f.spec != nil {
		err = listen.Close(f.file, f.spec)
	} else {
		err = f.file.Close()
	}
	if err != nil {
		m.log.Warn("closing a held descriptor", "unit", u.ID, "fd", f.id, "error", err)
	}
}

// watchFd arms (or disarms) one FdReadable report for the fd u holds under id.
func (m *Manager) watchFd(u *Unit, w *pb.WatchFd) {
	f := u.heldFd(w.Id)
	if f == nil {
		m.log.Error("plugin asked to watch a descriptor the unit does not hold", "unit", u.ID, "fd", w.Id)
		return
	}
	if !w.Watch {
		m.unwatchFd(f)
		return
	}
	if m.fds.watch == nil {
		return
	}
	if f.gen != 0 {
		f.accept = w.Accept // armed already: its report may be on its way with the generation it has
		return
	}
	m.fds.gen++
	if m.fds.gen == 0 {
		m.fds.gen++
	}
	fd := int(f.file.Fd())
	if err := m.fds.watch.Arm(fd, m.fds.gen); err != nil {
		m.log.Error("cannot watch descriptor", "unit", u.ID, "fd", w.Id, "error", err)
		return
	}
	f.gen, f.accept = m.fds.gen, w.Accept
	m.fds.watched[fd] = fdOwner{u, f}
}

func (m *Manager) unwatchFd(f *heldFd) {
	if f.gen == 0 {
		return
	}
	fd := int(f.file.Fd())
	m.fds.watch.Disarm(fd)
	delete(m.fds.watched, fd)
	f.gen = 0
}

// onReadable turns a readable watched fd into FdReadable for its unit, accepting a connection first for a watch
// that asks for it. A report for an fd closed or re-armed meanwhile is dropped.
func (m *Manager) onReadable(fd int, gen uint32) {
	o, ok := m.fds.watched[fd]
	if !ok || o.fd.gen != gen {
		return
	}
	delete(m.fds.watched, fd)
	o.fd.gen = 0
	if o.fd.autofs != nil {
		m.autofsReadable(o.u, o.fd)
		return
	}
	if o.fd.paths != nil {
		m.pathsReadable(o)
		return
	}
	ev := &pb.FdReadable{Id: o.fd.id}
	if o.fd.accept {
		conn, instance, source, err := listen.Accept(o.fd.file)
		switch {
		case errors.Is(err, listen.ErrNoConnection):
			// The peer gave up before we accepted: wait for the next one.
			m.watchFd(o.u, &pb.WatchFd{Id: o.fd.id, Watch: true, Accept: true})
			return
		case err != nil:
			ev.AcceptError = err.Error()
		default:
			m.fds.connSeq++
			id := fmt.Sprintf("connection-%s-%d", m.instance, m.fds.connSeq) // unique across cores, as restored ones keep theirs
			m.holdFd(o.u, &heldFd{id: id, name: "connection", file: conn})
			ev.Accepted, ev.Instance, ev.Source = id, instance, source
		}
	}
	m.send(o.u, &pb.Event{Kind: &pb.Event_FdReadable{FdReadable: ev}})
}

// takeFds removes the fds named by ids from u and returns them; an unknown id is an error and takes nothing.
func takeFds(u *Unit, ids []string) ([]*heldFd, error) {
	var out []*heldFd
	for _, id := range ids {
		f := u.heldFd(id)
		if f == nil {
			return nil, fmt.Errorf("the unit holds no descriptor %q", id)
		}
		out = append(out, f)
	}
	u.fds = slices.DeleteFunc(u.fds, func(g *heldFd) bool { return slices.Contains(out, g) })
	return out, nil
}

// passFds hands fds to the unit a job of from's starts: it holds them until it goes down, and from triggers it.
func (m *Manager) passFds(from, to *Unit, fds []*heldFd) {
	for _, f := range fds {
		m.unwatchFd(f)
		f.passed = true
		to.fds = append(to.fds, f)
	}
	m.markDirty(to)
	if !slices.Contains(to.rareOf().triggeredBy, from.ID) {
		to.setRare(func(r *unitRare) { r.triggeredBy = append(r.triggeredBy, from.ID) })
		from.setRare(func(r *unitRare) { r.triggers = append(r.triggers, to.ID) })
	}
}

// forgetTriggers removes the run-time trigger links of a unit being unloaded (an Accept=yes instance leaves its
// socket's Triggers=).
func (m *Manager) forgetTriggers(u *Unit) {
	isU := func(s string) bool { return s == u.ID }
	for _, name := range u.rareOf().triggeredBy {
		if t := m.units[name]; t != nil {
			t.setRare(func(r *unitRare) { r.triggers = slices.DeleteFunc(r.triggers, isU) })
		}
	}
	for _, name := range u.rareOf().triggers {
		if t := m.units[name]; t != nil {
			t.setRare(func(r *unitRare) { r.triggeredBy = slices.DeleteFunc(r.triggeredBy, isU) })
		}
	}
}

// releasePassed closes the fds handed to u with its start job, once u is down (or its start failed without it
// ever coming up).
func (m *Manager) releasePassed(u *Unit) {
	kept := u.fds[:0]
	for _, f := range u.fds {
		if f.passed {
			m.closeHeld(u, f)
		} else {
			kept = append(kept, f)
		}
	}
	u.fds = kept
}

// passableFds lists the fds u's processes may get, for UnitRuntime: the listeners of the socket units that
// trigger u by configuration, by unit name, as "SOCKET/ID"; then u's own fds.
func (m *Manager) passableFds(u *Unit) (ids, names []string) {
	socks := append([]string(nil), u.deps.get("TriggeredBy")...)
	sort.Strings(socks)
	for _, name := range socks {
		s := m.units[name]
		if s == nil {
			continue
		}
		for _, f := range s.fds {
			if f.spec != nil {
				ids, names = append(ids, s.ID+"/"+f.id), append(names, f.name)
			}
		}
	}
	for _, f := range u.fds {
		ids, names = append(ids, f.id), append(names, f.name)
	}
	return ids, names
}

// resolveFds finds the files a Spawn of u names, with their names when the Spawn gives none.
func (m *Manager) resolveFds(u *Unit, s *pb.Spawn) ([]*os.File, []string, error) {
	var files []*os.File
	var names []string
	for _, id := range s.Fds {
		owner, local := u, id
		if i := strings.IndexByte(id, '/'); i >= 0 {
			owner, local = m.units[id[:i]], id[i+1:]
		}
		var f *heldFd
		if owner != nil {
			f = owner.heldFd(local)
		}
		if f == nil {
			return nil, nil, fmt.Errorf("no descriptor %q is held for the unit", id)
		}
		files, names = append(files, f.file), append(names, f.name)
	}
	if len(s.FdNames) == len(s.Fds) {
		names = s.FdNames
	}
	return files, names, nil
}

// notifyTriggers tells the units that trigger u (by configuration, and the socket that handed u a connection)
// that u changed, unless the news is queued for them already in this turn (a state change and the end of the job
// it finished tell the same).
func (m *Manager) notifyTriggers(u *Unit) {
	ev := &pb.UnitChanged{Unit: u.ID, Active: toPB(u.Active), Sub: u.Sub, Result: u.Result}
	for _, list := range [][]string{u.deps.get("TriggeredBy"), u.rareOf().triggeredBy} {
		for _, name := range list {
			if t := m.units[name]; t != nil && t.LoadState == unit.Loaded && !m.pg.queuedNews(t, ev) {
				m.send(t, &pb.Event{Kind: &pb.Event_UnitChanged{UnitChanged: ev}})
			}
		}
	}
}
