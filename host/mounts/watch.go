package mounts

import (
	"fmt"
	"sync"

	"github.com/sysmaster/sysmaster/host/procwatch"
)

// Watcher reports changes of the mount table to its callback, from a goroutine of its own.
type Watcher struct {
	w *procwatch.Watcher
}

// Watch reads the mount table and returns it, and from then on reports each change. fn runs on the watcher's
// goroutine, one call at a time; it should hand the changes on and return. A burst of changes comes as one call
// when the kernel's notices pile up while the table is read.
func Watch(fn func([]Change)) (*Watcher, Table, error) {
	// The table is read after the watch is armed, so that no change falls between; mu holds the watcher's
	// first call back until that read is done.
	var mu sync.Mutex
	var table Table
	mu.Lock()
	pw, err := procwatch.Watch("/proc/self/mountinfo", func() {
		mu.Lock()
		defer mu.Unlock()
		now, err := Read()
		if err != nil {
			return // a read cut short by a change comes again with its notice
		}
		if ch := Diff(table, now); len(ch) > 0 {
			fn(ch)
		}
		table = now
	})
	if err != nil {
		mu.Unlock()
		return nil, nil, fmt.Errorf("mounts: %w", err)
	}
	table, err = Read()
	mu.Unlock()
	if err != nil {
		pw.Close()
		return nil, nil, fmt.Errorf("mounts: %w", err)
	}
	return &Watcher{w: pw}, table, nil
}

// Close stops the watcher and waits until its callback returned for the last time.
func (w *Watcher) Close() { w.w.Close() }
