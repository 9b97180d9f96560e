package api

import "sync"

// EventKind says what an Event announces; the names are those of systemd's D-Bus signals.
type EventKind int

const (
	// UnitNew: a unit was loaded (Unit).
	UnitNew EventKind = iota + 1
	// UnitRemoved: a unit was unloaded (Unit).
	UnitRemoved
	// UnitChanged: a unit's load, active or sub state changed (Unit, Load, Active, Sub).
	UnitChanged
	// JobNew: a job was installed (JobID, JobType, Unit).
	JobNew
	// JobRemoved: a job finished (JobID, JobType, Unit, Result).
	JobRemoved
	// StartupFinished: the boot's jobs are all done (Startup).
	StartupFinished
	// UnitFilesChanged: unit files were enabled, disabled, masked, … (no fields).
	UnitFilesChanged
	// Reloading: a daemon-reload begins (Reloading true) or has ended (false).
	Reloading
)

// Event is a change the core announces to its watchers (the D-Bus API turns them into signals). Only the fields
// its Kind names are set.
type Event struct {
	Kind              EventKind
	Unit              string
	Load, Active, Sub string
	JobID             uint64
	JobType, Result   string
	Reloading         bool
	Startup           StartupTimes
}

// StartupTimes are StartupFinished's spans in µs: firmware, loader, kernel, initrd, userspace and total.
type StartupTimes struct{ Firmware, Loader, Kernel, Initrd, Userspace, Total uint64 }

// EventQueue carries the core's events to one watcher, in order. The core never waits on it: Push appends to a
// list that Take empties, and Ready has a value whenever the list may be non-empty. The watcher must drain it
// promptly (it is unbounded); what it cannot deliver is its own to drop.
type EventQueue struct {
	mu    sync.Mutex
	list  []Event
	ready chan struct{}
}

// NewEventQueue returns an empty queue.
func NewEventQueue() *EventQueue { return &EventQueue{ready: make(chan struct{}, 1)} }

// Push appends e; it never blocks.
func (q *EventQueue) Push(e Event) {
	q.mu.Lock()
	q.list = append(q.list, e)
	q.mu.Unlock()
	select {
	case q.ready <- struct{}{}:
	default:
	}
}

// Ready yields when events may be waiting.
func (q *EventQueue) Ready() <-chan struct{} { return q.ready }

// Take returns the waiting events and empties the queue.
func (q *EventQueue) Take() []Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	l := q.list
	q.list = nil
	return l
}
