package dbusapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"github.com/godbus/dbus/v5"
	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/api"
)

// Server serves systemd's D-Bus API (org.freedesktop.systemd1) over an api.Core: on the private socket, one
// peer-to-peer connection per client as systemd's /run/systemd/private, and on the system bus when there is one
// (bus.go).
type Server struct {
	core api.Core
	log  *slog.Logger
	ln   net.Listener
	// ctx ends when the server stops; the core's event queue and every call under way end with it.
	ctx    context.Context
	cancel context.CancelFunc

	mu    sync.Mutex
	conns map[*conn]bool
	bus   *busLink
	names *nameWatch // nil without a bus or a NameOwner
	seq   int        // names the private connections in logs and Hello
	done  chan struct{}
}

// Options configure a Server.
type Options struct {
	// PrivateSocket is the peer-to-peer socket's path (systemd's /run/systemd/private).
	PrivateSocket string
	// BusSocket is the system bus's socket; empty for none. The server connects when it appears and after the
	// bus restarts.
	BusSocket string
	Log       *slog.Logger
	// NameOwner, when set, is told the owner of each name given to WatchBusNames ("" for none): on each change
	// the bus reports and each time the server connects to the bus. Calls come one at a time, in the bus's order.
	NameOwner func(name, owner string)
}

// Listen binds the private socket (mode 0600, root's, as systemd's) and serves it; it watches for the system bus.
func Listen(core api.Core, opts Options) (*Server, error) {
	if err := os.MkdirAll(filepath.Dir(opts.PrivateSocket), 0o755); err != nil {
		return nil, err
	}
	_ = os.Remove(opts.PrivateSocket)
	ln, err := net.Listen("unix", opts.PrivateSocket)
	if err != nil {
		return nil, err
	}
	if err := os.Chmod(opts.PrivateSocket, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	events, err := core.Watch(ctx)
	if err != nil {
		cancel()
		ln.Close()
		return nil, err
	}
	s := &Server{core: core, log: opts.Log, ln: ln, ctx: ctx, cancel: cancel, conns: map[*conn]bool{}, done: make(chan struct{})}
	if s.log == nil {
		s.log = slog.Default()
	}
	if opts.BusSocket != "" {
		s.bus = newBusLink(s, opts.BusSocket)
		if opts.NameOwner != nil {
			s.names = newNameWatch(s, opts.NameOwner)
		}
		go s.bus.run()
		go func() { // the bus may run already (a core that came back, a re-execution)
			units, err := core.ListUnits(ctx, api.UnitFilter{Patterns: sortedKeys(busUnits), States: []string{"active", "reloading"}})
			if err == nil && len(units) > 0 {
				s.bus.setUp(true)
			}
		}()
	}
	go s.accept()
	go s.relay(events)
	s.releaseHeld()
	return s, nil
}

// Stop closes the socket and every connection.
func (s *Server) Stop() {
	s.cancel()
	s.ln.Close()
	for _, c := range s.connections() {
		c.close()
	}
}

// connections are the private connections and the bus connection.
func (s *Server) connections() []*conn {
	s.mu.Lock()
	defer s.mu.Unlock()
	conns := make([]*conn, 0, len(s.conns)+1)
	for c := range s.conns {
		conns = append(conns, c)
	}
	return conns
}

func (s *Server) accept() {
	for {
		nc, err := s.ln.Accept()
		if err != nil {
			return
		}
		go s.serve(nc.(*net.UnixConn))
	}
}

// serve authenticates a private connection and runs it.
func (s *Server) serve(nc *net.UnixConn) {
	cred, err := peerCred(nc)
	if err != nil {
		nc.Close()
		return
	}
	s.mu.Lock()
	s.seq++
	id := s.seq
	s.mu.Unlock()
	name := fmt.Sprintf("private:%d(pid %d uid %d)", id, cred.Pid, cred.Uid)
	r := bufio.NewReader(nc)
	if err := serverAuth(r, nc, int(cred.Uid)); err != nil {
		s.log.Debug("D-Bus handshake failed", "client", name, "error", err)
		nc.Close()
		return
	}
	c := newConn(s, nc, r, name, int(cred.Uid), nil)
	c.id, c.pid = id, int(cred.Pid)
	s.mu.Lock()
	if s.ctx.Err() != nil {
		s.mu.Unlock()
		nc.Close()
		return
	}
	s.conns[c] = true
	s.mu.Unlock()
	c.run()
}

// forget drops a closed connection.
func (s *Server) forget(c *conn) {
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
	if c.bus != nil {
		c.bus.lost(c)
	}
}

func peerCred(nc *net.UnixConn) (*unix.Ucred, error) {
	raw, err := nc.SyscallConn()
	if err != nil {
		return nil, err
	}
	var cred *unix.Ucred
	var cerr error
	if err := raw.Control(func(fd uintptr) {
		cred, cerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return nil, err
	}
	return cred, cerr
}

// request is one method call being answered.
type request struct {
	ctx  context.Context
	c    *conn
	msg  *dbus.Message
	uid  int
	path dbus.ObjectPath
	// unit is the unit of a unit object's call, job the job of a job object's.
	unit string
	job  uint64
	args []any
}

// handler answers a method; write methods change the system and are root's only (as polkit's default policy
// leaves them to root; sysmaster asks no polkit).
type handler struct {
	fn    func(s *Server, r *request) ([]any, error)
	write bool
}

// handlers are the implemented methods by "interface.member". Each file of the package registers its own in
// init (manager_units.go, manager_jobs.go, …): a method of systemd's interfaces without a handler answers
// NotSupported.
var handlers = map[string]handler{}

// handle registers fn as iface's member.
func handle(iface, member string, write bool, fn func(s *Server, r *request) ([]any, error)) {
	key := iface + "." + member
	if _, ok := handlers[key]; ok {
		panic("dbusapi: " + key + " registered twice")
	}
	// That key is a method of systemd's interfaces is checked by TestHandlersAreSystemdMethods, not here: the
	// schema is read only when a server runs.
	handlers[key] = handler{fn: fn, write: write}
}

func hasMethod(i *ifaceSchema, member string) bool { _, ok := i.Methods[member]; return ok }

// dispatch answers one method call.
func (s *Server) dispatch(c *conn, msg *dbus.Message) {
	get := func(f dbus.HeaderField) string {
		v, ok := msg.Headers[f]
		if !ok {
			return ""
		}
		switch x := v.Value().(type) {
		case string:
			return x
		case dbus.ObjectPath:
			return string(x)
		case dbus.Signature:
			return x.String()
		}
		return ""
	}
	path, iface, member := dbus.ObjectPath(get(dbus.FieldPath)), get(dbus.FieldInterface), get(dbus.FieldMember)
	sig := get(dbus.FieldSignature)
	if dest := get(dbus.FieldDestination); dest == "org.freedesktop.DBus" && c.bus == nil {
		c.reply(msg, s.busDaemonCall(c, member)...)
		return
	}
	r := &request{ctx: s.ctx, c: c, msg: msg, path: path, args: msg.Body, uid: c.uid}
	obj, err := s.object(r)
	if err != nil {
		c.replyError(msg, err)
		return
	}
	if iface == "" {
		iface = obj.ifaceOf(member)
	}
	is := systemdSchema()[iface]
	if is == nil || !obj.has(iface) {
		c.replyError(msg, newError(errUnknownMethod, fmt.Sprintf("Unknown method %s or interface %s.", member, iface)))
		return
	}
	ms, ok := is.Methods[member]
	if !ok {
		c.replyError(msg, newError(errUnknownMethod, fmt.Sprintf("Unknown method %s or interface %s.", member, iface)))
		return
	}
	if sig != ms.In {
		c.replyError(msg, newError(errInvalidArgs, fmt.Sprintf("Invalid arguments '%s' to call %s.%s(), expecting '%s'.", sig, iface, member, ms.In)))
		return
	}
	h, ok := handlers[iface+"."+member]
	if !ok {
		c.replyError(msg, newError(errNotSupported, fmt.Sprintf("%s.%s is not supported by sysmaster.", iface, member)))
		return
	}
	if c.bus != nil {
		uid, err := c.bus.uidOf(s.ctx, get(dbus.FieldSender))
		if err != nil {
			c.replyError(msg, newError(errAccessDenied, "Cannot tell who the caller is: "+err.Error()))
			return
		}
		r.uid = uid
	}
	if h.write && r.uid != 0 {
		c.replyError(msg, newError(errAccessDenied, fmt.Sprintf("Access denied: %s.%s changes the system and is root's only (uid %d).", iface, member, r.uid)))
		return
	}
	if h.write {
		// The answer goes out before the signals of what the call did (outqueue.go).
		c.out.hold()
		defer c.out.release()
	}
	out, err := h.fn(s, r)
	if errors.Is(err, errNoReply) {
		return
	}
	if err != nil {
		c.replyError(msg, err)
		return
	}
	c.reply(msg, out...)
}

// busDaemonCall answers what a client that thinks it talks to a bus asks the bus on a private connection (sd-bus
// and GLib send Hello; match rules need nothing here, as every signal is sent to every private connection).
func (s *Server) busDaemonCall(c *conn, member string) []any {
	switch member {
	case "Hello", "GetNameOwner":
		return []any{":1." + strconv.Itoa(c.id)}
	case "ListNames":
		return []any{[]string{"org.freedesktop.systemd1"}}
	}
	return nil
}
