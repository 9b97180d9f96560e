package daemon

import (
	"runtime/debug"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/memtrim"
)

// restQuiet is how long udevd must be idle before it pages out its own code and the hardware database. Longer than the heap's trim
// (memtrim.DefaultQuiet): the pages of a burst's next event come back from the file, which costs more than a
// heap page.
const restQuiet = 5 * time.Second

// atRest gives memory back once udevd is idle, in two steps. After memtrim's quiet period the heap's free pages go
// back to the kernel. After restQuiet the pages of udevd's executable (its code and read-only data, most of them
// touched once at start: the runtime's and the rules parser's) and of the hardware database are paged out with
// MADV_PAGEOUT: clean file pages, so the kernel drops them, and what the next event needs is read back from the
// file. A Go binary is statically
// linked, so without this its whole image (about 3 MB) stays resident, where a C daemon's libraries are shared
// with every other process. The kernel skips what it cannot drop: pages another process maps too (one image
// shared by several programs), and large folios only partly mapped here (ext4 has them since Linux 6.16, so there
// part of the image stays resident).
type atRest struct {
	trim    *memtrim.Trimmer
	pageout *time.Timer
}

func newAtRest() *atRest {
	r := &atRest{trim: memtrim.New(memtrim.DefaultQuiet)}
	r.pageout = time.AfterFunc(time.Hour, pageOutImage)
	r.pageout.Stop()
	return r
}

// Touch records activity: both steps wait for their quiet period after the last Touch.
func (r *atRest) Touch() {
	r.trim.Touch()
	r.pageout.Reset(restQuiet)
}

func (r *atRest) Stop() {
	r.trim.Stop()
	r.pageout.Stop()
}

// pageOutImage pages out the read-only file mappings: the executable's code and data, and the hardware database
// (hwdb.bin, 13 MB with Debian's sources, of which a coldplug's lookups touch several MB).
func pageOutImage() {
	// What was freed since the heap's trim (the last events' goroutines ending after the queue went idle) goes
	// back too.
	debug.FreeOSMemory()
	memtrim.PageOut(func(string) bool { return true }, unix.MADV_PAGEOUT)
}
