package dbusapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// The system bus: sysmaster connects as a client and owns org.freedesktop.systemd1 while the bus runs, as systemd
// does (manager_recheck_dbus): when the dbus unit becomes active, and again after the bus restarts. It does not
// connect earlier: connecting to dbus.socket while dbus.service is down would start the bus by socket activation.

// busUnits are the units whose being active means the system bus runs.
var busUnits = map[string]bool{"dbus.service": true, "dbus-broker.service": true}

const busName = "org.freedesktop.systemd1"

// busCallTimeout bounds a call of ours to the bus daemon (Hello, RequestName, a caller's uid).
const busCallTimeout = 10 * time.Second

// busSignals are the handlers of signals sysmaster listens to on the bus, by "interface.member" (a file of the
// package registers its own in init, as with methods: org.freedesktop.systemd1.Activator.ActivationRequest, for
// dbus-daemon's activation, would be one). A match rule for each is added on every connection.
var busSignals = map[string]func(s *Server, m *dbus.Message){}

// handleBusSignal registers fn for the signal iface.member on the system bus.
func handleBusSignal(iface, member string, fn func(s *Server, m *dbus.Message)) {
	key := iface + "." + member
	if _, ok := busSignals[key]; ok {
		panic("dbusapi: bus signal " + key + " registered twice")
	}
	busSignals[key] = fn
}

// busLink is the server's connection to the system bus, remade as the bus comes and goes.
type busLink struct {
	s      *Server
	socket string
	wake   chan struct{}

	mu          sync.Mutex
	c           *conn // nil while not connected
	up          bool  // the dbus unit is active
	uids        map[string]int
	subscribers map[string]bool
	failures    int
}

func newBusLink(s *Server, socket string) *busLink {
	return &busLink{s: s, socket: socket, wake: make(chan struct{}, 1)}
}

func (b *busLink) poke() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// run connects whenever the bus unit is up and no connection is; a failed attempt is retried with a backoff.
func (b *busLink) run() {
	var retry <-chan time.Time
	for {
		select {
		case <-b.wake:
		case <-retry:
		case <-b.s.ctx.Done():
			b.mu.Lock()
			c := b.c
			b.mu.Unlock()
			if c != nil {
				c.close()
			}
			return
		}
		retry = nil
		b.mu.Lock()
		want := b.up && b.c == nil
		b.mu.Unlock()
		if !want {
			continue
		}
		if err := b.connect(); err != nil {
			b.mu.Lock()
			b.failures++
			delay := min(time.Duration(1<<min(b.failures, 5))*time.Second/2, 15*time.Second)
			b.mu.Unlock()
			b.s.log.Warn("cannot connect to the system bus", "socket", b.socket, "error", err, "retry_in", delay)
			retry = time.After(delay)
		}
	}
}

// busUnitChanged notes the dbus unit's active state.
func (b *busLink) busUnitChanged(active string) {
	b.mu.Lock()
	b.up = active == "active" || active == "reloading"
	b.mu.Unlock()
	b.poke()
}

// setUp notes the bus unit's state found at start.
func (b *busLink) setUp(up bool) {
	b.mu.Lock()
	b.up = up
	b.mu.Unlock()
	b.poke()
}

func (b *busLink) connect() error {
	if _, err := os.Stat(b.socket); err != nil {
		return err
	}
	nc, err := net.DialTimeout("unix", b.socket, busCallTimeout)
	if err != nil {
		return err
	}
	_ = nc.SetDeadline(time.Now().Add(busCallTimeout))
	r := bufio.NewReader(nc)
	if err := clientAuth(r, nc, os.Getuid()); err != nil {
		nc.Close()
		return err
	}
	_ = nc.SetDeadline(time.Time{})
	c := newConn(b.s, nc, r, "system bus", -1, b)
	go c.run()
	ctx, cancel := context.WithTimeout(b.s.ctx, busCallTimeout)
	defer cancel()
	if _, err := b.callWait(ctx, c, "Hello"); err != nil {
		c.close()
		return err
	}
	var rules []string
	for _, key := range sortedKeys(busSignals) {
		dot := strings.LastIndexByte(key, '.')
		rules = append(rules, fmt.Sprintf("type='signal',interface='%s',member='%s'", key[:dot], key[dot+1:]))
	}
	for _, rule := range rules {
		if _, err := b.callWait(ctx, c, "AddMatch", rule); err != nil {
			c.close()
			return err
		}
	}
	reply, err := b.callWait(ctx, c, "RequestName", busName, uint32(0))
	if err != nil {
		c.close()
		return err
	}
	if len(reply.Body) != 1 || reply.Body[0] != uint32(1) && reply.Body[0] != uint32(4) { // primary owner, already owner
		c.close()
		return fmt.Errorf("dbusapi: %s is owned by another connection (RequestName answered %v)", busName, reply.Body)
	}
	b.mu.Lock()
	b.c, b.failures = c, 0
	b.uids, b.subscribers = map[string]int{}, map[string]bool{}
	b.mu.Unlock()
	b.s.log.Info("serving " + busName + " on the system bus")
	if b.s.names != nil {
		b.s.names.connected(c)
	}
	return nil
}

// callWait calls a method of the bus daemon on c and waits for its answer.
func (b *busLink) callWait(ctx context.Context, c *conn, member string, args ...any) (*dbus.Message, error) {
	ch, err := c.call("org.freedesktop.DBus", "/org/freedesktop/DBus", "org.freedesktop.DBus", member, args...)
	if err != nil {
		return nil, err
	}
	select {
	case m, ok := <-ch:
		if !ok {
			return nil, errors.New("dbusapi: the bus connection ended")
		}
		if m.Type == dbus.TypeError {
			text := ""
			if len(m.Body) > 0 {
				text, _ = m.Body[0].(string)
			}
			return nil, fmt.Errorf("dbusapi: %s: %s", member, text)
		}
		return m, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// lost forgets a connection that ended; the next one is made when the bus is up again.
func (b *busLink) lost(c *conn) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.s.names != nil {
		b.s.names.lost(c)
	}
	if b.c != c {
		return
	}
	b.c, b.uids, b.subscribers = nil, nil, nil
	b.s.log.Info("the system bus connection ended")
	b.poke()
}

// uidOf is the uid of the bus client sender (the bus daemon knows it from SO_PEERCRED), cached for as long as
// the name exists.
func (b *busLink) uidOf(ctx context.Context, sender string) (int, error) {
	b.mu.Lock()
	uid, ok := b.uids[sender]
	c := b.c
	b.mu.Unlock()
	if ok {
		return uid, nil
	}
	if c == nil {
		return 0, errors.New("not connected to the bus")
	}
	ctx, cancel := context.WithTimeout(ctx, busCallTimeout)
	defer cancel()
	m, err := b.callWait(ctx, c, "GetConnectionUnixUser", sender)
	if err != nil {
		return 0, err
	}
	u, ok := m.Body[0].(uint32)
	if !ok {
		return 0, errors.New("GetConnectionUnixUser: unexpected answer")
	}
	b.mu.Lock()
	if b.uids != nil {
		b.uids[sender] = int(u)
	}
	b.mu.Unlock()
	return int(u), nil
}

// signal hands a signal from the bus to its handler, off the reader; a NameOwnerChanged of a watched name is
// taken on the reader first, to keep the bus's order.
func (b *busLink) signal(c *conn, m *dbus.Message) {
	iface, _ := m.Headers[dbus.FieldInterface].Value().(string)
	member, _ := m.Headers[dbus.FieldMember].Value().(string)
	if sender, _ := m.Headers[dbus.FieldSender].Value().(string); b.s.names != nil && sender == "org.freedesktop.DBus" &&
		iface == "org.freedesktop.DBus" && member == "NameOwnerChanged" && len(m.Body) == 3 {
		name, _ := m.Body[0].(string)
		owner, _ := m.Body[2].(string)
		b.s.names.changed(c, name, owner)
	}
	if fn := busSignals[iface+"."+member]; fn != nil {
		go fn(b.s, m)
	}
}

func init() { handleBusSignal("org.freedesktop.DBus", "NameOwnerChanged", nameOwnerChanged) }

// nameOwnerChanged forgets a unique name that went away (its uid, its subscription). Only the bus daemon's own
// signal counts: another client may send one of that name too.
func nameOwnerChanged(s *Server, m *dbus.Message) {
	b := s.bus
	if sender, _ := m.Headers[dbus.FieldSender].Value().(string); sender != "org.freedesktop.DBus" || b == nil || len(m.Body) != 3 {
		return
	}
	name, _ := m.Body[0].(string)
	newOwner, _ := m.Body[2].(string)
	if newOwner != "" {
		return
	}
	b.mu.Lock()
	delete(b.uids, name)
	delete(b.subscribers, name)
	b.mu.Unlock()
}

// subscribe adds or removes a subscriber of the signals.
func (b *busLink) subscribe(name string, on bool) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.subscribers == nil || name == "" {
		return
	}
	if on {
		b.subscribers[name] = true
	} else {
		delete(b.subscribers, name)
	}
}

// subscribed is the bus connection when some client there has subscribed, else nil.
func (b *busLink) subscribed() *conn {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.subscribers) == 0 {
		return nil
	}
	return b.c
}
