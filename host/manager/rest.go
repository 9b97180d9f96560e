package manager

import (
	"os"
	"path/filepath"
	"runtime/debug"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/memtrim"
)

// burstJobs is how many jobs make a burst (paceMemory): a boot's or a large start's, not a single restart's.
const burstJobs = 64

// Between bursts the core collects its garbage when the heap has grown by half of the live one (GOGC=50), in a
// burst by all of it (Go's default): a boot or a start of 500 units runs at full speed, and the core between them
// (single commands, a restart) holds about 1.5 times its live heap instead of twice. With 1,000 units the live
// heap is ≈ 12 MiB, and a collection of it a few milliseconds of CPU: single commands make too little garbage
// for the extra collections to count. $GOGC, when set, is left alone.
const (
	burstGCPercent = 100
	idleGCPercent  = 50
)

var gogcSet = os.Getenv("GOGC") != ""

// paceMemory runs after every turn. When the job queue has emptied after at least burstJobs jobs it trims at
// once: what the burst grew and ran once (the heap its transaction and 500 starts left free, the code of loading
// and starting) goes back right after it, not only after the next quiet period, which may not come soon (commands
// or events that keep coming would keep a burst's high-water mark). That costs one forced GC per burst. It sets
// the GC's pace for a burst or for the time between.
func (m *Manager) paceMemory(trim *memtrim.Trimmer) {
	if n := m.engine.Len(); n > 0 {
		if n >= burstJobs {
			m.setGCPercent(burstGCPercent)
		}
		return
	}
	if m.jobsEnded >= burstJobs {
		trim.Now()
	}
	m.jobsEnded = 0
	m.setGCPercent(idleGCPercent)
}

func (m *Manager) setGCPercent(p int) {
	if gogcSet || m.gcPercent == p {
		return
	}
	m.gcPercent = p
	debug.SetGCPercent(p)
}

// pageOutAtRest returns what the core gives back, beside its free heap, once a burst has been quiet for memtrim's
// period: the clean pages of its own binary and of the checkpoint store's mapping. Without it the core at rest
// keeps about 16 MiB of its executable image resident (PSS), nearly all of it code and tables a boot, a
// daemon-reload or 1,000 starts ran once, and bbolt's mapping of the store keeps every page a commit read. The
// kernel reads back what the loop runs at rest (heartbeats, timers, a call) on first use; a burst that follows
// pays page faults, not more memory. The trim's goroutine runs it: the advice is safe beside the loop, it never
// discards data (pages of a tmpfs without swap are unmapped, and stay in the file).
func (m *Manager) pageOutAtRest() func() {
	self, _ := os.Readlink("/proc/self/exe")
	store := filepath.Join(m.opts.RunDir, "state.db")
	return func() {
		memtrim.PageOut(func(path string) bool { return path == self || path == store }, unix.MADV_PAGEOUT)
	}
}
