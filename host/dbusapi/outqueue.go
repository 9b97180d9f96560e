package dbusapi

import (
	"encoding/binary"
	"errors"
	"sync"
	"time"
)

// errQueueFull says a connection's queue out has no room: the peer does not read what it is sent.
var errQueueFull = errors.New("dbusapi: the client's queue is full")

// outQueue is what waits to be written to one connection: encoded messages, bounded in bytes (a slow reader costs
// at most limit, and nothing is allocated while it reads). It numbers the messages as it queues them, so that
// serials go out in order.
//
// While a call of the connection changes the system, its signals are held (hold) and queued after the call's
// answer (release): a client learns of a job from the answer before any signal about it, as from systemd, which
// answers a call before its event loop runs the jobs the call made. systemctl ignores a JobRemoved for a job it
// does not know yet, and would wait for it forever.
type outQueue struct {
	limit int

	mu       sync.Mutex
	serial   uint32
	msgs     [][]byte // to write, in order
	held     [][]byte // signals held while a call is answered
	holding  bool
	bytes    int // of msgs and held
	closed   bool
	ready    chan struct{} // has a value when msgs may be non-empty
	roomMade chan struct{} // has a value when the writer has taken messages
}

func newOutQueue(limit int) *outQueue {
	return &outQueue{limit: limit, ready: make(chan struct{}, 1), roomMade: make(chan struct{}, 1)}
}

// push queues the encoded message b (its serial is set here) and returns its serial. A signal (held: a message the
// connection's hold applies to) waits behind the answer of a call being answered. When there is no room, push waits
// up to patience for the writer to make some, then fails with errQueueFull.
func (q *outQueue) push(b []byte, signal bool, patience time.Duration) (uint32, error) {
	var deadline time.Time
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return 0, errConnClosed
		}
		if q.bytes+len(b) <= q.limit || q.bytes == 0 {
			break
		}
		q.mu.Unlock()
		if patience <= 0 {
			return 0, errQueueFull
		}
		if deadline.IsZero() {
			deadline = time.Now().Add(patience)
		}
		wait := time.Until(deadline)
		if wait <= 0 {
			return 0, errQueueFull
		}
		t := time.NewTimer(wait)
		select {
		case <-q.roomMade:
		case <-t.C:
		}
		t.Stop()
	}
	defer q.mu.Unlock()
	q.bytes += len(b)
	if signal && q.holding {
		q.held = append(q.held, b)
		return 0, nil
	}
	q.serial++
	// godbus keeps a message's serial to itself: it is the fixed header's third field (bytes 8-11).
	binary.LittleEndian.PutUint32(b[8:12], q.serial)
	q.msgs = append(q.msgs, b)
	q.wake()
	return q.serial, nil
}

// hold makes signals wait until release.
func (q *outQueue) hold() {
	q.mu.Lock()
	q.holding = true
	q.mu.Unlock()
}

// release queues the held signals, in order, after what was queued meanwhile.
func (q *outQueue) release() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.holding = false
	for _, b := range q.held {
		q.serial++
		binary.LittleEndian.PutUint32(b[8:12], q.serial)
		q.msgs = append(q.msgs, b)
	}
	if len(q.held) > 0 {
		q.held = nil
		q.wake()
	}
}

// take returns what is to be written and counts it as gone.
func (q *outQueue) take() [][]byte {
	q.mu.Lock()
	msgs := q.msgs
	q.msgs = nil
	for _, b := range msgs {
		q.bytes -= len(b)
	}
	q.mu.Unlock()
	select {
	case q.roomMade <- struct{}{}:
	default:
	}
	return msgs
}

// close drops what is queued; a push after it fails, and one waiting for room stops waiting.
func (q *outQueue) close() {
	q.mu.Lock()
	q.closed, q.msgs, q.held, q.bytes = true, nil, nil, 0
	q.mu.Unlock()
	select {
	case q.roomMade <- struct{}{}:
	default:
	}
}

func (q *outQueue) wake() {
	select {
	case q.ready <- struct{}{}:
	default:
	}
}
