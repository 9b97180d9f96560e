package swaps

import (
	"sync"

	"github.com/sysmaster/sysmaster/host/procwatch"
)

// Watcher reports changes of /proc/swaps to its callback, from a goroutine of its own.
type Watcher struct{ w *procwatch.Watcher }

// Watch reads the swaps in use and returns them, and from then on reports each change. fn runs on the watcher's
// goroutine, one call at a time; it should hand the changes on and return.
func Watch(fn func([]Change)) (*Watcher, Table, error) {
	var mu sync.Mutex // table is set once the watch runs already
	var table Table
	w, err := procwatch.Watch(Path, func() {
		mu.Lock()
		defer mu.Unlock()
		now, err := Read()
		if err != nil && len(now) == 0 {
			return // a read cut short comes again with the next mark
		}
		if ch := Diff(table, now); len(ch) > 0 {
			fn(ch)
		}
		table = now
	})
	if err != nil {
		return nil, nil, err
	}
	// Read after the watch is set, so that a change between the two is reported, not lost.
	mu.Lock()
	defer mu.Unlock()
	first, err := Read()
	if err != nil && len(first) == 0 {
		mu.Unlock()
		w.Close() // waits for a callback that may wait for mu
		mu.Lock()
		return nil, nil, err
	}
	table = first
	return &Watcher{w}, first, nil
}

// Close stops the watcher and waits until its callback returned for the last time.
func (w *Watcher) Close() { w.w.Close() }
