// Package memtrim gives memory back to the kernel once a process goes quiet after a burst of work.
//
// The Go runtime keeps the heap it grew for a burst (loading 1,000 units, parsing them, starting them) and hands
// it back only slowly: with the default GOGC a process holds about twice its live heap for minutes. On a small
// device that is the difference between the manager's footprint at rest and at its peak. A Trimmer waits for a
// quiet period after the last activity and then returns every free page at once (debug.FreeOSMemory), once per
// burst: a busy process never pays for it, an idle one pays once.
package memtrim

import (
	"runtime/debug"
	"sync"
	"time"
)

// DefaultQuiet is how long a process must be idle before its free memory is returned.
const DefaultQuiet = 2 * time.Second

// Trimmer returns free memory to the kernel after a quiet period. The zero value is not usable; use New.
type Trimmer struct {
	quiet time.Duration
	mu    sync.Mutex
	timer *time.Timer
	dirty bool // activity since the last trim
	trims int
}

// New returns a Trimmer that trims quiet after the last Touch.
func New(quiet time.Duration) *Trimmer {
	t := &Trimmer{quiet: quiet}
	t.timer = time.AfterFunc(time.Hour, t.fire)
	t.timer.Stop()
	return t
}

// Touch records activity: the trim waits until quiet has passed since the last Touch. It is cheap enough to call
// on every event-loop turn or every call.
func (t *Trimmer) Touch() {
	t.mu.Lock()
	t.dirty = true
	t.timer.Reset(t.quiet)
	t.mu.Unlock()
}

// Trims counts the trims completed so far.
func (t *Trimmer) Trims() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.trims
}

// Stop cancels a pending trim.
func (t *Trimmer) Stop() { t.timer.Stop() }

func (t *Trimmer) fire() {
	t.mu.Lock()
	if !t.dirty {
		t.mu.Unlock()
		return
	}
	t.dirty = false
	t.mu.Unlock()
	debug.FreeOSMemory()
	t.mu.Lock()
	t.trims++
	t.mu.Unlock()
}
