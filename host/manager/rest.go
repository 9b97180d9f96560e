package manager

import (
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/memtrim"
)

// burstJobs is how many jobs make a burst worth trimming after at once (trimAfterBurst): a boot's or a large
// start's, not a single restart's.
const burstJobs = 64

// trimAfterBurst trims at once when the job queue has emptied after at least burstJobs jobs: what the burst grew
// and ran once (the heap its transaction and 500 starts left free, the code of loading and starting) goes back
// right after it, not only after the next quiet period, which may not come soon: on a system where commands or
// events keep coming the core would otherwise keep a burst's high-water mark. It costs one forced GC per burst.
func (m *Manager) trimAfterBurst(trim *memtrim.Trimmer) {
	if m.engine.Len() > 0 {
		return
	}
	if m.jobsEnded >= burstJobs {
		trim.Now()
	}
	m.jobsEnded = 0
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
