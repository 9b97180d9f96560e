package dbusapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"sync"
	"time"

	"github.com/godbus/dbus/v5"
)

// Bounds per connection: a peer's calls wait in a queue of maxQueuedCalls (beyond it the connection is not read
// until there is room: a client that floods calls only slows itself down), and what goes out to it in a queue of
// maxOutBytes (outqueue.go). An answer waits up to replyPatience for room there; a signal does not wait. A client
// that does not read what it is sent is dropped (and logged) when either finds no room: nothing the loop or other
// clients do waits for it. The queue out holds the signals of a burst of a thousand jobs (some 5,000 signals of
// 150-250 bytes, which every private connection gets) for a client that reads them more slowly than they come,
// as sd-bus's queue of up to 384 Ki messages does for systemd's. The bus connection, which carries every client of
// the bus, has larger queues, and refuses a call beyond its queue with LimitsExceeded (it must go on reading the
// bus daemon's answers to sysmaster's own calls).
const (
	maxQueuedCalls    = 64
	maxOutBytes       = 4 << 20
	maxQueuedCallsBus = 1024
	maxOutBytesBus    = 32 << 20
	// replyPatience is how long an answer waits for room in a full queue out, which a client that reads (slowly)
	// makes: the answers of its own burst of calls. A client that has not made room by then does not read.
	replyPatience = 5 * time.Second
)

// conn is one D-Bus connection: a peer on the private socket, or sysmaster's own connection to the system bus.
// A reader decodes messages and queues calls, one worker answers them in order, a writer sends.
type conn struct {
	srv  *Server
	nc   net.Conn
	r    *bufio.Reader
	name string // the peer's description in logs
	id   int    // the private connection's number (its unique name for a client that says Hello)
	// uid is the peer's uid on a private connection; on the bus each call's sender is looked up instead.
	uid   int
	pid   int      // the peer's pid on a private connection
	bus   *busLink // non-nil for the system bus connection
	calls chan *dbus.Message
	out   *outQueue

	closeOnce sync.Once
	closed    chan struct{}

	mu      sync.Mutex
	pending map[uint32]chan *dbus.Message // our own calls (to the bus daemon) awaiting their reply
}

func newConn(srv *Server, nc net.Conn, r *bufio.Reader, name string, uid int, bus *busLink) *conn {
	nCalls, nOut := maxQueuedCalls, maxOutBytes
	if bus != nil {
		nCalls, nOut = maxQueuedCallsBus, maxOutBytesBus
	}
	return &conn{srv: srv, nc: nc, r: r, name: name, uid: uid, bus: bus, calls: make(chan *dbus.Message, nCalls),
		out: newOutQueue(nOut), closed: make(chan struct{}), pending: map[uint32]chan *dbus.Message{}}
}

// run serves the connection until it ends; it closes it.
func (c *conn) run() {
	go c.write()
	go c.work()
	defer c.close()
	for {
		msg, err := dbus.DecodeMessage(c.r)
		if err != nil {
			var fe dbus.FormatError
			var ie dbus.InvalidMessageError
			if errors.As(err, &fe) || errors.As(err, &ie) {
				c.srv.log.Warn("D-Bus client sent a malformed message, dropped", "client", c.name, "error", err)
			}
			return
		}
		switch msg.Type {
		case dbus.TypeMethodCall:
			if c.bus == nil {
				// A peer's calls beyond its queue wait in its socket: it is slowed down, not refused.
				select {
				case c.calls <- msg:
				case <-c.closed:
					return
				}
				continue
			}
			// The bus connection carries the answers to our own calls too, which must not wait behind a full
			// queue: a call beyond it is refused.
			select {
			case c.calls <- msg:
			default:
				c.replyError(msg, errLimits(fmt.Errorf("Too many calls in flight on the bus connection (%d).", cap(c.calls))))
			}
		case dbus.TypeMethodReply, dbus.TypeError:
			c.answered(msg)
		case dbus.TypeSignal:
			if c.bus != nil {
				c.bus.signal(c, msg)
			}
		}
	}
}

// work answers the queued calls in order.
func (c *conn) work() {
	for {
		select {
		case msg := <-c.calls:
			c.srv.dispatch(c, msg)
		case <-c.closed:
			return
		}
	}
}

// write sends what is queued, in order, as many messages as are waiting in one write.
func (c *conn) write() {
	for {
		select {
		case <-c.out.ready:
			msgs := net.Buffers(c.out.take())
			if _, err := msgs.WriteTo(c.nc); err != nil {
				c.close()
				return
			}
		case <-c.closed:
			return
		}
	}
}

// close ends the connection once.
func (c *conn) close() {
	c.closeOnce.Do(func() {
		close(c.closed)
		c.out.close()
		c.nc.Close()
		c.srv.forget(c)
		c.mu.Lock()
		for _, ch := range c.pending {
			close(ch)
		}
		c.pending = nil
		c.mu.Unlock()
	})
}

// errConnClosed is a message queued to a connection that has ended.
var errConnClosed = errors.New("dbusapi: connection closed")

// send queues msg with the connection's next serial and returns the serial. It never blocks: a client whose queue
// is full is dropped.
func (c *conn) send(msg *dbus.Message) (uint32, error) { return c.queue(msg, 0) }

// queue is send, waiting up to patience for room in a full queue before dropping the client. Only the worker
// waits (for its answers): the client's own calls are what it holds up.
func (c *conn) queue(msg *dbus.Message, patience time.Duration) (uint32, error) {
	var buf bytes.Buffer
	if err := msg.EncodeTo(&buf, binary.LittleEndian); err != nil {
		return 0, err
	}
	return c.push(buf.Bytes(), false, patience)
}

// push queues the encoded message b (a signal: held while a call is answered), dropping the client when there is
// no room for it.
func (c *conn) push(b []byte, signal bool, patience time.Duration) (uint32, error) {
	serial, err := c.out.push(b, signal, patience)
	if errors.Is(err, errQueueFull) {
		c.srv.log.Warn("D-Bus client does not read what it is sent: dropped", "client", c.name)
		go c.close() // not here: a caller of send may hold c.mu, which close takes
		return 0, errors.New("dbusapi: client dropped")
	}
	return serial, err
}

// reply answers call with body.
func (c *conn) reply(call *dbus.Message, body ...any) {
	if call.Flags&dbus.FlagNoReplyExpected != 0 {
		return
	}
	msg := &dbus.Message{Type: dbus.TypeMethodReply, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldReplySerial: dbus.MakeVariant(call.Serial()),
	}, Body: body}
	c.address(msg, call)
	if len(body) > 0 {
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(body...))
	}
	if _, err := c.queue(msg, replyPatience); err != nil && !errors.Is(err, errConnClosed) {
		c.srv.log.Debug("D-Bus reply not sent", "client", c.name, "error", err)
	}
}

// replyError answers call with err, named as systemd names it (errors.go).
func (c *conn) replyError(call *dbus.Message, err error) {
	if call.Flags&dbus.FlagNoReplyExpected != 0 {
		return
	}
	name, text := errorName(err)
	msg := &dbus.Message{Type: dbus.TypeError, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldReplySerial: dbus.MakeVariant(call.Serial()),
		dbus.FieldErrorName:   dbus.MakeVariant(name),
		dbus.FieldSignature:   dbus.MakeVariant(dbus.SignatureOf(text)),
	}, Body: []any{text}}
	c.address(msg, call)
	_, _ = c.queue(msg, replyPatience)
}

// address sets the destination of a reply on the bus (the caller's unique name).
func (c *conn) address(msg, call *dbus.Message) {
	if sender, ok := call.Headers[dbus.FieldSender]; ok {
		msg.Headers[dbus.FieldDestination] = sender
	}
}

// call sends a method call of our own and returns the channel its answer comes on (closed if the connection
// ends first).
func (c *conn) call(dest string, path dbus.ObjectPath, iface, member string, args ...any) (<-chan *dbus.Message, error) {
	msg := &dbus.Message{Type: dbus.TypeMethodCall, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldDestination: dbus.MakeVariant(dest),
		dbus.FieldPath:        dbus.MakeVariant(path),
		dbus.FieldInterface:   dbus.MakeVariant(iface),
		dbus.FieldMember:      dbus.MakeVariant(member),
	}, Body: args}
	if len(args) > 0 {
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(args...))
	}
	ch := make(chan *dbus.Message, 1)
	// The serial is taken under the lock, so that the answer cannot come before the channel is registered.
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		return nil, errors.New("dbusapi: connection closed")
	}
	serial, err := c.send(msg)
	if err != nil {
		return nil, err
	}
	c.pending[serial] = ch
	return ch, nil
}

// answered hands a reply or error to the call of ours it answers.
func (c *conn) answered(msg *dbus.Message) {
	v, ok := msg.Headers[dbus.FieldReplySerial]
	if !ok {
		return
	}
	serial, _ := v.Value().(uint32)
	c.mu.Lock()
	ch := c.pending[serial]
	delete(c.pending, serial)
	c.mu.Unlock()
	if ch != nil {
		ch <- msg
	}
}

// encodeSignal encodes a signal from path once, for every connection it goes to (sendSignal numbers each copy).
func encodeSignal(path dbus.ObjectPath, iface, member string, body ...any) ([]byte, error) {
	msg := &dbus.Message{Type: dbus.TypeSignal, Headers: map[dbus.HeaderField]dbus.Variant{
		dbus.FieldPath:      dbus.MakeVariant(path),
		dbus.FieldInterface: dbus.MakeVariant(iface),
		dbus.FieldMember:    dbus.MakeVariant(member),
	}, Body: body}
	if len(body) > 0 {
		msg.Headers[dbus.FieldSignature] = dbus.MakeVariant(dbus.SignatureOf(body...))
	}
	var buf bytes.Buffer
	if err := msg.EncodeTo(&buf, binary.LittleEndian); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// sendSignal queues a copy of the encoded signal b.
func (c *conn) sendSignal(b []byte) { _, _ = c.push(bytes.Clone(b), true, 0) }

// peerPid is the pid of r's caller: the peer's on a private connection, the sender's (asked of the bus daemon)
// on the bus; 0 when unknown.
func (c *conn) peerPid(r *request) int {
	if c.bus == nil {
		return c.pid
	}
	ctx, cancel := context.WithTimeout(r.ctx, busCallTimeout)
	defer cancel()
	m, err := c.bus.callWait(ctx, c, "GetConnectionUnixProcessID", r.sender())
	if err != nil || len(m.Body) != 1 {
		return 0
	}
	pid, _ := m.Body[0].(uint32)
	return int(pid)
}
