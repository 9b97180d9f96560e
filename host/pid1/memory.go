package pid1

import (
	"os"
	"runtime"
	"runtime/debug"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/initproto"
	"github.com/sysmaster/sysmaster/pkg/memtrim"
)

// init's own footprint. PID 1 lives as long as the machine, and its budget is small (2 MB PSS). Beyond the live
// data (a few exit records and descriptors) two things cost: the heap the Go runtime grows for a burst and keeps,
// and the pages of init's binary that the boot touched once (mounting, setting up, starting the core) and that the
// kernel mapped with their neighbours (read-ahead, fault-around): soon all of its text and tables. A small GC
// target keeps the heap near the live data; once a burst (the boot, a core's start, a wave of exits) has been
// quiet for trimQuiet, trim gives back the free heap and the binary's clean pages, and MADV_RANDOM keeps what
// comes back to what init runs. Measured in a namespace (docs/performance.md): 4.4 MB before the trim, 2.9–3.0 MB
// after it, of which 1.3 MB text the kernel keeps resident (the tables go) and 1.4 MB anonymous memory; an idle Go
// program that does nothing at all takes 2.1 MB.
const (
	gcPercent = 25
	trimQuiet = memtrim.DefaultQuiet
)

// lean sets the runtime up for PID 1: one P (init has nothing to run in parallel, and each P caches a span of
// every size class it allocates from), and a GC target that keeps the heap at about 1 MB instead of 4 with the
// live heap in tens of kilobytes (the collector then runs rarely still, at a cost of microseconds).
func lean() {
	runtime.GOMAXPROCS(1)
	debug.SetGCPercent(gcPercent)
}

// trimmer runs trim once a burst has been quiet for trimQuiet. Its timer's goroutine is the only one that trims.
type trimmer struct{ t *time.Timer }

func newTrimmer() *trimmer { return &trimmer{t: time.AfterFunc(trimQuiet, trim)} }

// touch notes activity: the trim waits until trimQuiet has passed since the last touch.
func (t *trimmer) touch() { t.t.Reset(trimQuiet) }

// stop cancels a pending trim: the final stage unmounts and detaches what init's pages would be read back from.
func (t *trimmer) stop() { t.t.Stop() }

// trim returns the free heap to the kernel and reclaims the pages of init's own binary (file-backed, clean: the
// kernel reads again what is needed). It costs a few milliseconds once per burst.
func trim() {
	debug.FreeOSMemory()
	self, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return
	}
	memtrim.PageOut(func(path string) bool { return path == self }, unix.MADV_RANDOM, unix.MADV_PAGEOUT)
}

// endsBurst reports whether a message from the core is work after which init trims: all but the heartbeat, which
// comes every second for as long as the core lives and would put the trim off for ever. A boot's or a burst of
// starts' fd-store messages (each unit's log pipes, kept and removed) grow init's heap by the hundreds of
// kilobytes with 1,000 units; the trim after them gives it back.
func endsBurst(lm linkMsg) bool { return lm.err != nil || lm.m.Type != initproto.TypeHeartbeat }
