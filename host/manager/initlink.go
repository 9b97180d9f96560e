package manager

import (
	"errors"
	"os"
	"time"

	"github.com/sysmaster/sysmaster/host/reaper"
	"github.com/sysmaster/sysmaster/pkg/exitstatus"
	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// initLink is the core's side of /run/sysmaster/init.sock: it says hello and heartbeats, receives the exits init
// reaped for it (children re-parented to init while no core ran) and acknowledges each once it is in the exit log,
// receives init's shutdown requests, and tells init the final action when the core is done. Without an init (a
// core started by hand) it does nothing.
//
// init also keeps descriptors for the core across its crashes (storeFds, removeFds): what it keeps it hands back
// at hello, before any exit; dialInit takes them, for the manager to take once with takeFds.
type initLink struct {
	m    *Manager
	conn *initproto.Conn
	stop chan struct{}
	fds  []initproto.NamedFile // handed back at hello, until takeFds
}

// handoverTimeout bounds the wait for init to hand back the descriptors it keeps.
const handoverTimeout = 10 * time.Second

func dialInit(m *Manager, path string) *initLink {
	l := &initLink{m: m, stop: make(chan struct{})}
	if _, err := os.Stat(path); err != nil {
		m.log.Info("no init socket, running without init", "path", path)
		return l
	}
	conn, err := initproto.Dial(path)
	if err != nil {
		m.log.Error("cannot connect to init", "path", path, "error", err)
		return l
	}
	conn.SetDeadline(time.Now().Add(handoverTimeout))
	fds, err := conn.HelloFds(os.Getpid())
	conn.SetDeadline(time.Time{})
	if err != nil {
		m.log.Error("hello to init failed", "error", err, "descriptors_received", len(fds))
		for _, f := range fds {
			f.File.Close()
		}
		conn.Close()
		return l
	}
	if len(fds) > 0 {
		m.log.Info("init handed back descriptors it kept", "count", len(fds))
	}
	l.conn, l.fds = conn, fds
	go l.receive()
	go l.heartbeat()
	return l
}

func (l *initLink) receive() {
	for {
		msg, err := l.conn.Recv()
		if errors.Is(err, initproto.ErrBadPacket) {
			l.m.log.Error("bad packet from init, ignored", "error", err)
			continue
		}
		if err != nil {
			select {
			case <-l.stop:
			default:
				l.m.log.Error("link to init lost", "error", err)
			}
			return
		}
		switch msg.Type {
		case initproto.TypeExit:
			// An exit init reaped for us goes the way of every other exit. Once pushExit returns it is in the
			// exit log, which the next core replays: init may forget it. Until then init keeps it and hands it
			// again to the next hello (a duplicate after a crash is an exit of no unit, and ignored).
			l.m.pushExit(reaper.Exit{Pid: msg.Pid, Exit: exitstatus.Exit{Code: msg.Code, Status: msg.Status}, Time: time.Now()})
			if msg.Seq > 0 { // an exit always has one; an init older than acks logs them as bad packets
				if err := l.conn.Ack(msg.Seq); err != nil {
					l.m.log.Error("cannot acknowledge an exit to init", "seq", msg.Seq, "error", err)
				}
			}
		case initproto.TypeStoreRefused:
			l.m.log.Error("init refused to keep descriptors (its store is full)", "names", msg.Names)
		case initproto.TypeFds: // only at hello, which dialInit handles
			for _, f := range msg.Files {
				f.Close()
			}
		case initproto.TypeShutdown:
			action := msg.Action
			l.m.post(func() {
				l.m.log.Info("init asks for shutdown", "action", action)
				if err := l.m.beginShutdown(action); err != nil {
					l.m.log.Error("cannot begin shutdown", "action", action, "error", err)
				}
			})
		}
	}
}

func (l *initLink) heartbeat() {
	t := time.NewTicker(initproto.HeartbeatInterval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			if err := l.conn.Heartbeat(); err != nil {
				return
			}
		case <-l.stop:
			return
		}
	}
}

// close hands the final shutdown action, if any, to init and closes the link.
func (l *initLink) close() {
	close(l.stop)
	if l.conn == nil {
		return
	}
	if action := l.m.life.shutdown; action != "" {
		status := 0
		if action == "exit" {
			status = int(l.m.options.ExitCode)
		}
		if err := l.conn.RequestShutdown(action, status); err != nil {
			l.m.log.Error("cannot hand shutdown to init", "error", err)
		}
	}
	l.conn.Close()
}

// takeFds returns the descriptors init handed back at hello (once: later calls return nil); they are the
// caller's to use and close. Init still keeps its own copies until removeFds.
func (l *initLink) takeFds() []initproto.NamedFile {
	fds := l.fds
	l.fds = nil
	return fds
}

// storeFds hands init duplicates of files to keep under names (files[i] under names[i]), replacing what it keeps
// under the same names; the caller keeps its own. Without init it does nothing. Init refuses what would overfill
// its store, and says so (logged by receive).
func (l *initLink) storeFds(names []string, files []*os.File) error {
	if l.conn == nil {
		return nil
	}
	return l.conn.StoreFds(names, files)
}

// removeFds tells init to close what it keeps under names.
func (l *initLink) removeFds(names ...string) error {
	if l.conn == nil || len(names) == 0 {
		return nil
	}
	return l.conn.RemoveFds(names)
}

// reexecInit asks init to re-execute itself from its binary on disk (after an upgrade), keeping its state, the
// descriptors it keeps and this link.
func (l *initLink) reexecInit() error {
	if l.conn == nil {
		return errors.New("no init to re-execute")
	}
	return l.conn.ReexecInit()
}
