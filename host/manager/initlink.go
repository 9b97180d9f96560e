package manager

import (
	"errors"
	"os"
	"time"

	"github.com/sysmaster/sysmaster/host/reaper"
	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// initLink is the core's side of /run/sysmaster/init.sock: it says hello and heartbeats, receives the exits init
// reaped for it (children re-parented to init while no core ran) and init's shutdown requests, and tells init the
// final action when the core is done. Without an init (a core started by hand) it does nothing.
type initLink struct {
	m    *Manager
	conn *initproto.Conn
	stop chan struct{}
}

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
	if err := conn.Hello(os.Getpid()); err != nil {
		m.log.Error("hello to init failed", "error", err)
		conn.Close()
		return l
	}
	l.conn = conn
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
			// An exit init reaped for us goes the way of every other exit.
			l.m.pushExit(reaper.Exit{Pid: msg.Pid, Code: msg.Code, Status: msg.Status, Time: time.Now()})
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
	if l.m.shutdown != "" {
		if err := l.conn.RequestShutdown(l.m.shutdown); err != nil {
			l.m.log.Error("cannot hand shutdown to init", "error", err)
		}
	}
	l.conn.Close()
}
