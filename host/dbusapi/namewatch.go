package dbusapi

import (
	"context"
	"slices"
	"sync"

	"github.com/godbus/dbus/v5"
)

// The core watches the bus names of its units (BusName= of Type=dbus services, which their plugin asks for with
// the BusName annotation) on the system-bus connection it holds, so that no plugin talks to the bus: each
// NameOwnerChanged of a watched name, and the owner asked for with GetNameOwner whenever the connection is made
// (the bus started or restarted, the core started) or a name is first watched, goes to Options.NameOwner in the
// order the bus said it. A change while no connection is up is learnt from the query on the next connection.

// nameOwner is one owner to report: owner "" when the name has none.
type nameOwner struct{ name, owner string }

// nameWatch is the set of watched names and the reports on their way to the core.
type nameWatch struct {
	s       *Server
	deliver func(name, owner string)
	out     chan nameOwner // drained in order by one goroutine: the core's loop may be busy

	mu    sync.Mutex
	names map[string]bool
	conn  *conn           // the connection the watch is on; nil while none is
	told  map[string]bool // names a NameOwnerChanged on conn told about: a query's answer is older
}

func newNameWatch(s *Server, deliver func(name, owner string)) *nameWatch {
	w := &nameWatch{s: s, deliver: deliver, out: make(chan nameOwner, 256), names: map[string]bool{}}
	go func() {
		for {
			select {
			case o := <-w.out:
				w.deliver(o.name, o.owner)
			case <-s.ctx.Done():
				return
			}
		}
	}()
	return w
}

// WatchBusNames sets the bus names whose owners go to Options.NameOwner; a name new to the set is asked about at
// once when the bus is connected. Without a bus socket or a NameOwner it does nothing.
func (s *Server) WatchBusNames(names []string) {
	w := s.names
	if w == nil {
		return
	}
	w.mu.Lock()
	var fresh []string
	next := map[string]bool{}
	for _, n := range names {
		next[n] = true
		if !w.names[n] {
			fresh = append(fresh, n)
		}
	}
	w.names = next
	c := w.conn
	w.mu.Unlock()
	if c != nil {
		for _, n := range fresh {
			go w.query(c, n)
		}
	}
}

// connected moves the watch to the new connection c and asks about every watched name.
func (w *nameWatch) connected(c *conn) {
	w.mu.Lock()
	w.conn, w.told = c, map[string]bool{}
	names := make([]string, 0, len(w.names))
	for n := range w.names {
		names = append(names, n)
	}
	w.mu.Unlock()
	slices.Sort(names)
	for _, n := range names {
		go w.query(c, n)
	}
}

// lost notes that c ended.
func (w *nameWatch) lost(c *conn) {
	w.mu.Lock()
	if w.conn == c {
		w.conn, w.told = nil, nil
	}
	w.mu.Unlock()
}

// changed takes the bus daemon's NameOwnerChanged on c; it runs on c's reader, so the reports keep the bus's
// order.
func (w *nameWatch) changed(c *conn, name, owner string) {
	w.mu.Lock()
	watched := w.names[name] && w.conn == c
	if watched {
		w.told[name] = true
	}
	w.mu.Unlock()
	if watched {
		w.out <- nameOwner{name, owner}
	}
}

// query asks the bus for name's owner and reports it, unless a NameOwnerChanged came first on the same
// connection (it is newer) or the connection ended.
func (w *nameWatch) query(c *conn, name string) {
	ctx, cancel := context.WithTimeout(w.s.ctx, busCallTimeout)
	defer cancel()
	ch, err := c.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", "GetNameOwner", name)
	if err != nil {
		return
	}
	var owner string
	select {
	case m, ok := <-ch:
		if !ok {
			return
		}
		if m.Type == dbus.TypeError {
			if errName, _ := m.Headers[dbus.FieldErrorName].Value().(string); errName != "org.freedesktop.DBus.Error.NameHasNoOwner" {
				w.s.log.Warn("cannot ask the bus who owns a name", "name", name, "error", errName)
				return
			}
		} else if len(m.Body) == 1 {
			owner, _ = m.Body[0].(string)
		}
	case <-ctx.Done():
		return
	}
	w.mu.Lock()
	report := w.conn == c && w.names[name] && !w.told[name]
	w.mu.Unlock()
	if report {
		w.out <- nameOwner{name, owner}
	}
}
