// Package queue orders device events for udevd's workers: events run in parallel, at most Max at a time, except
// that an event waits until every earlier event of the same device, of one of its parents or of one of its
// children has finished (systemd-udevd's event_is_blocked: devpaths equal, or one a prefix of the other at a
// '/'; a renamed device's old devpath counts too; so do the same device number and the same interface index). The queue holds at most Limit events: Push blocks beyond
// that, so a burst waits in the kernel's socket buffer instead of in memory.
package queue

import (
	"context"
	"strings"
	"sync"
)

// Event is one queued event.
type Event struct {
	Seqnum uint64
	// Devpath is the device's path; DevpathOld its previous one for a "move".
	Devpath, DevpathOld string
	// ID names the device beside its path: "b8:0"/"c4:64" for a device number, "n3" for an interface index,
	// "" for neither (events of two devpaths with one ID are ordered too).
	ID string
	// Data is what the queue's Run receives.
	Data any

	running bool
}

// DefaultLimit is how many events the queue holds before Push blocks.
const DefaultLimit = 1024

// window is how many of the oldest queued events each dispatch looks at: an event further back waits, which keeps
// a dispatch cheap during a burst (udevd scans the whole queue) without reordering anything.
const window = 256

// Queue schedules events. Run is called in its own goroutine for each event that may start.
type Queue struct {
	Run func(*Event)
	// Idle, if set, is called with true when the first event is queued and false when the queue empties
	// (udevd's /run/udev/queue flag file).
	Idle func(busy bool)

	mu      sync.Mutex
	cond    *sync.Cond
	events  []*Event
	running int
	max     int
	limit   int
}

// New returns a queue running at most max events at a time and holding at most limit.
func New(max, limit int, run func(*Event)) *Queue {
	q := &Queue{Run: run, max: max, limit: limit}
	q.cond = sync.NewCond(&q.mu)
	return q
}

// SetMax changes how many events run at a time (udevd's children-max).
func (q *Queue) SetMax(n int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.max = max(n, 1)
	q.dispatch()
}

// Len is the number of queued events, running or waiting.
func (q *Queue) Len() int {
	q.mu.Lock()
	defer q.mu.Unlock()
	return len(q.events)
}

// Push queues e in seqnum order, blocking while the queue is full or until ctx ends.
func (q *Queue) Push(ctx context.Context, e *Event) error {
	q.mu.Lock()
	defer q.mu.Unlock()
	if len(q.events) >= q.limit {
		stop := context.AfterFunc(ctx, func() {
			q.mu.Lock()
			q.cond.Broadcast()
			q.mu.Unlock()
		})
		defer stop()
		for len(q.events) >= q.limit {
			if err := ctx.Err(); err != nil {
				return err
			}
			q.cond.Wait()
		}
	}
	i := len(q.events)
	for i > 0 && q.events[i-1].Seqnum > e.Seqnum {
		i--
	}
	q.events = append(q.events, nil)
	copy(q.events[i+1:], q.events[i:])
	q.events[i] = e
	if len(q.events) == 1 && q.Idle != nil {
		q.Idle(true)
	}
	q.dispatch()
	return nil
}

// WaitIdle blocks until the queue is empty or ctx ends.
func (q *Queue) WaitIdle(ctx context.Context) error {
	stop := context.AfterFunc(ctx, func() {
		q.mu.Lock()
		q.cond.Broadcast()
		q.mu.Unlock()
	})
	defer stop()
	q.mu.Lock()
	defer q.mu.Unlock()
	for len(q.events) > 0 {
		if err := ctx.Err(); err != nil {
			return err
		}
		q.cond.Wait()
	}
	return nil
}

func (q *Queue) done(e *Event) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for i, x := range q.events {
		if x == e {
			q.events = append(q.events[:i], q.events[i+1:]...)
			break
		}
	}
	q.running--
	if len(q.events) == 0 && q.Idle != nil {
		q.Idle(false)
	}
	q.cond.Broadcast()
	q.dispatch()
}

// dispatch starts the events that may run, oldest first. Called with mu held.
func (q *Queue) dispatch() {
	if q.running >= q.max {
		return
	}
	var seen, ancestors, ids map[string]bool
	for i, e := range q.events {
		if i >= window || q.running >= q.max {
			return
		}
		if !e.running && !blocked(e, seen, ancestors) && !ids[e.ID] {
			e.running = true
			q.running++
			go func() {
				q.Run(e)
				q.done(e)
			}()
		}
		if seen == nil {
			seen, ancestors, ids = map[string]bool{}, map[string]bool{}, map[string]bool{}
		}
		if e.ID != "" {
			ids[e.ID] = true
		}
		for _, p := range []string{e.Devpath, e.DevpathOld} {
			if p == "" {
				continue
			}
			seen[p] = true
			for a := parent(p); a != ""; a = parent(a) {
				ancestors[a] = true
			}
		}
	}
}

// blocked says whether an earlier event (its devpaths in seen, their parents in ancestors) concerns e's device,
// a parent or a child of it.
func blocked(e *Event, seen, ancestors map[string]bool) bool {
	if seen == nil {
		return false
	}
	for _, p := range []string{e.Devpath, e.DevpathOld} {
		if p == "" {
			continue
		}
		if seen[p] || ancestors[p] {
			return true
		}
		for a := parent(p); a != ""; a = parent(a) {
			if seen[a] {
				return true
			}
		}
	}
	return false
}

// parent is p without its last element ("" at the top).
func parent(p string) string {
	i := strings.LastIndexByte(p, '/')
	if i <= 0 {
		return ""
	}
	return p[:i]
}
