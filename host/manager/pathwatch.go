package manager

import (
	"github.com/sysmaster/sysmaster/host/pathwatch"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// watchPaths gives u a new inotify descriptor under w.Id with the watches asked for, replacing the one it held
// there, and arms it; the plugin hears PathChanged{armed} once the watches are in place, so that it checks its
// paths again after (nothing that happens from then on goes unseen). The descriptor stays in the core across
// plugin crashes; it is not kept in init's store, as the watches could not be told from it after a core
// restart: a restored path unit asks again (it gets no such id in Recover.fds).
func (m *Manager) watchPaths(u *Unit, w *pb.WatchPaths) {
	m.closeFd(u, w.Id)
	watches := make([]pathwatch.Watch, len(w.Watches))
	for i, x := range w.Watches {
		watches[i] = pathwatch.Watch{Path: x.Path, Mask: x.Mask}
	}
	set, watched, err := pathwatch.Open(watches)
	if err != nil {
		m.unitLogf(u, 3, "%s: Failed to add inotify watches: %v", u.ID, err)
		m.send(u, &pb.Event{Kind: &pb.Event_PathChanged{PathChanged: &pb.PathChanged{Id: w.Id, Armed: true}}})
		return
	}
	u.fds = append(u.fds, &heldFd{id: w.Id, name: "inotify", file: set.File(), paths: set})
	m.watchFd(u, &pb.WatchFd{Id: w.Id, Watch: true})
	m.send(u, &pb.Event{Kind: &pb.Event_PathChanged{PathChanged: &pb.PathChanged{Id: w.Id, Armed: true, Watched: watched}}})
}

// pathsReadable reads the records queued in a unit's inotify descriptor, hands them to its plugin in one
// PathChanged and arms the descriptor again: it stays watched until the plugin closes or replaces it.
func (m *Manager) pathsReadable(o fdOwner) {
	recs, err := o.fd.paths.Read()
	if err != nil {
		m.log.Warn("reading an inotify descriptor", "unit", o.u.ID, "fd", o.fd.id, "error", err)
	}
	if len(recs) > 0 {
		ev := &pb.PathChanged{Id: o.fd.id}
		for _, r := range recs {
			ev.Records = append(ev.Records, &pb.InotifyRecord{Path: r.Path, Mask: r.Mask, Name: r.Name})
		}
		m.send(o.u, &pb.Event{Kind: &pb.Event_PathChanged{PathChanged: ev}})
	}
	if err == nil {
		m.watchFd(o.u, &pb.WatchFd{Id: o.fd.id, Watch: true})
	}
}
