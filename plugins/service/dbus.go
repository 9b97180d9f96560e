package service

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// Type=dbus (man systemd.service): the service is started once it owns BusName= on the system bus, and, running,
// it is stopped as systemd stops it when it lets the name go.
//
// Where the watch lives: the plugin is a state machine the host calls with events, and it cannot push an event
// by itself; and a call must never wait for the bus, which may be the very service the host is starting (a
// connection to dbus.socket blocks until dbus-daemon runs). So the watch is in two halves. In the background,
// this plugin process keeps its own connection to the system bus (godbus, pure Go; DBUS_SYSTEM_BUS_ADDRESS is
// honoured, else /run/dbus/system_bus_socket), follows NameOwnerChanged and keeps, for every name asked about,
// whether it has an owner. The host's timers drive the state machine: while the service starts, timerBusName
// fires every busPollStarting and the service reads that answer; once running, every busPollRunning. The
// connection is made on first use and again after it broke, so a plugin that crashed, was swapped or was
// stopped when idle reconnects at the next timer; the timers are the host's and survive it, and whether the
// name was seen is in the service's State. Until the bus answers, nothing changes: a start goes on until
// TimeoutStartSec=, a running service keeps running.

const (
	timerBusName    = "busname"
	busPollStarting = 20 * time.Millisecond
	busPollRunning  = 200 * time.Millisecond
	busConnTimeout  = 5 * time.Second
)

// bus is the plugin's watch of the system bus, shared by every Type=dbus service it serves.
var bus = &busWatch{}

// nameOwned tells whether a bus name has an owner, and whether that is known yet: bus.owned, replaced in the
// state machine's tests.
var nameOwned = func(name string) (has, known bool, err error) { return bus.owned(name) }

type busWatch struct {
	mu         sync.Mutex
	conn       *dbus.Conn
	connecting bool
	err        error           // why the last connection failed or broke
	names      map[string]bool // names asked about → has an owner
	known      map[string]bool // names whose owner the current connection has told
}

// owned answers from what the watch knows, at once; a name not watched yet is watched from now on, and a watch
// without a connection starts connecting.
func (w *busWatch) owned(name string) (has, known bool, err error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.names == nil {
		w.names, w.known = map[string]bool{}, map[string]bool{}
	}
	if _, watched := w.names[name]; !watched {
		w.names[name] = false
		if w.conn != nil {
			go w.query(w.conn, name)
		}
	}
	if w.conn == nil && !w.connecting {
		w.connecting = true
		go w.connect()
	}
	return w.names[name], w.known[name], w.err
}

// connect makes the connection, follows NameOwnerChanged on it, asks about every watched name, and forgets what
// it knew when the connection breaks.
func (w *busWatch) connect() {
	ctx, cancel := context.WithCancel(context.Background()) // the connection's life
	slow := time.AfterFunc(busConnTimeout, cancel)
	conn, err := dbus.ConnectSystemBus(dbus.WithContext(ctx))
	if err == nil {
		err = conn.AddMatchSignal(dbus.WithMatchSender("org.freedesktop.DBus"),
			dbus.WithMatchInterface("org.freedesktop.DBus"), dbus.WithMatchMember("NameOwnerChanged"))
	}
	slow.Stop()
	if err != nil {
		cancel()
		w.mu.Lock()
		w.connecting, w.err = false, err
		w.mu.Unlock()
		return
	}
	signals := make(chan *dbus.Signal, 64)
	conn.Signal(signals)
	w.mu.Lock()
	w.conn, w.connecting, w.err = conn, false, nil
	for name := range w.names {
		go w.query(conn, name)
	}
	w.mu.Unlock()
	for sig := range signals { // closed when the connection ends
		var name, old, owner string
		if sig.Name != "org.freedesktop.DBus.NameOwnerChanged" || dbus.Store(sig.Body, &name, &old, &owner) != nil {
			continue
		}
		w.mu.Lock()
		if _, watched := w.names[name]; watched {
			w.names[name], w.known[name] = owner != "", true
		}
		w.mu.Unlock()
	}
	cancel()
	w.mu.Lock()
	w.conn, w.err = nil, errors.New("the connection to the system bus was lost")
	clear(w.known)
	w.mu.Unlock()
}

// query asks the bus about one name (NameOwnerChanged tells about changes only).
func (w *busWatch) query(conn *dbus.Conn, name string) {
	var has bool
	if err := conn.BusObject().Call("org.freedesktop.DBus.NameHasOwner", 0, name).Store(&has); err != nil {
		return // the connection broke: connect starts over
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.conn == conn && !w.known[name] { // a signal that came first is newer
		w.names[name], w.known[name] = has, true
	}
}

func (m *machine) armBusPoll(d time.Duration) {
	m.u.ArmTimer(timerBusName, uint64(d/time.Microsecond))
}

// onBusPoll checks the bus name: a starting service whose name appeared goes on to ExecStartPost=, a running
// one whose name went away is stopped (service_bus_name_owner_change, then service_enter_running).
func (m *machine) onBusPoll() {
	if m.c.Type != "dbus" {
		return
	}
	switch m.s.Sub {
	case subStart, subRunning:
	default:
		return // the watch ends with the activation
	}
	has, known, err := nameOwned(m.c.BusName)
	if err != nil && !m.s.BusErrorLogged {
		m.s.BusErrorLogged = true
		m.u.Logf("Cannot watch %s on the system bus: %v", m.c.BusName, err)
	}
	if !known {
		m.armBusPoll(busPollStarting)
		return
	}
	m.s.BusErrorLogged = false
	switch {
	case m.s.Sub == subStart && has:
		m.s.BusNameGood = true
		m.startPost()
	case m.s.Sub == subStart:
		m.armBusPoll(busPollStarting)
	case m.s.Sub == subRunning && !has:
		m.s.BusNameGood = false
		m.u.Logf("D-Bus name %s now not owned by anyone.", m.c.BusName)
		m.running()
	default:
		m.armBusPoll(busPollRunning)
	}
}
