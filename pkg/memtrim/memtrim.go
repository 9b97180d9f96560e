// Package memtrim gives memory back to the kernel once a process goes quiet after a burst of work.
//
// The Go runtime keeps the heap it grew for a burst (loading 1,000 units, parsing them, starting them) and hands
// it back only slowly: with the default GOGC a process holds about twice its live heap for minutes. On a small
// device that is the difference between the manager's footprint at rest and at its peak. A Trimmer waits for a
// quiet period after the last activity and then returns every free page at once (debug.FreeOSMemory), once per
// burst: a busy process never pays for it, an idle one pays once.
//
// With $SYSMASTER_HEAP_PROFILE set to a directory, each trim also writes the process's heap profile there, as
// NAME-PID.heap (NAME: its executable's base name) for `go tool pprof`, and the runtime's memory statistics
// (heap in use, stacks, GC metadata) as NAME-PID.memstats: where the memory of the core and of each plugin goes
// at rest (docs/performance.md).
package memtrim

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strings"
	"sync"
	"time"
)

// ProfileEnv names the directory each trim writes the process's heap profile to; unset, nothing is written.
const ProfileEnv = "SYSMASTER_HEAP_PROFILE"

// DefaultQuiet is how long a process must be idle before its free memory is returned.
const DefaultQuiet = 2 * time.Second

// Trimmer returns free memory to the kernel after a quiet period. The zero value is not usable; use New.
type Trimmer struct {
	quiet time.Duration
	mu    sync.Mutex
	timer *time.Timer
	dirty bool // activity since the last trim
	busy  bool // a trim runs: Now and the timer never run two at once
	trims int
	// then runs after each trim's return of the heap (Then).
	then func()
	// profile is the heap profile's file, written after each trim; "" for none.
	profile string
}

// Finer samples than the default one per 512 KiB when profiles are asked for: small per-unit records are what they
// are for. Set before the process allocates much, as the profile scales every sample by the rate in force when it
// is written.
func init() {
	if os.Getenv(ProfileEnv) != "" {
		runtime.MemProfileRate = 16 << 10
	}
}

// New returns a Trimmer that trims quiet after the last Touch.
func New(quiet time.Duration) *Trimmer {
	t := &Trimmer{quiet: quiet}
	if dir := os.Getenv(ProfileEnv); dir != "" {
		t.profile = filepath.Join(dir, fmt.Sprintf("%s-%d.heap", filepath.Base(os.Args[0]), os.Getpid()))
	}
	t.timer = time.AfterFunc(time.Hour, t.fire)
	t.timer.Stop()
	return t
}

// Then sets f to run after each trim has returned the free heap: what else a process gives back at rest, such as
// the clean pages of its binary (PageOut). Set it before the first Touch.
func (t *Trimmer) Then(f func()) { t.then = f }

// Touch records activity: the trim waits until quiet has passed since the last Touch. It is cheap enough to call
// on every event-loop turn or every call.
func (t *Trimmer) Touch() {
	t.mu.Lock()
	t.dirty = true
	t.timer.Reset(t.quiet)
	t.mu.Unlock()
}

// Now trims at once, off the caller's goroutine, when there was activity since the last trim: for the end of a
// large burst (a boot's or a transaction's last job) that more work follows at once, so that no quiet period comes
// soon. What the burst grew and ran once (the heap it left free, the code and tables of loading and of 500 starts)
// goes back now rather than after the work that follows; the quiet period's trim still comes after that work.
func (t *Trimmer) Now() { go t.fire() }

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
	if t.busy && t.dirty {
		t.timer.Reset(t.quiet) // the activity since the running trim began gets its own
	}
	if !t.dirty || t.busy {
		t.mu.Unlock()
		return
	}
	t.dirty, t.busy = false, true
	t.mu.Unlock()
	debug.FreeOSMemory()
	if t.profile != "" {
		writeProfile(t.profile)
		writeStats(strings.TrimSuffix(t.profile, ".heap") + ".memstats")
	}
	// After the profile, whose symbols are read from the binary's tables: they would come back resident.
	if t.then != nil {
		t.then()
	}
	t.mu.Lock()
	t.trims++
	t.busy = false
	t.mu.Unlock()
}

// writeStats writes the runtime's memory statistics to path, one "Name = bytes" a line; a failure loses them.
func writeStats(path string) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	s := fmt.Sprintf("HeapAlloc = %d\nHeapInuse = %d\nHeapIdle = %d\nHeapReleased = %d\nStackInuse = %d\nGCSys = %d\n"+
		"MSpanInuse = %d\nBuckHashSys = %d\nOtherSys = %d\nSys = %d\nNumGC = %d\n", ms.HeapAlloc, ms.HeapInuse, ms.HeapIdle,
		ms.HeapReleased, ms.StackInuse, ms.GCSys, ms.MSpanInuse, ms.BuckHashSys, ms.OtherSys, ms.Sys, ms.NumGC)
	os.WriteFile(path, []byte(s), 0o644)
}

// writeProfile writes the heap profile to path, replacing the last one; a failure only loses the profile.
func writeProfile(path string) {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return
	}
	err = pprof.Lookup("heap").WriteTo(f, 0)
	if cerr := f.Close(); err == nil && cerr == nil {
		os.Rename(tmp, path)
	}
}
