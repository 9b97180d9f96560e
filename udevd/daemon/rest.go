package daemon

import (
	"bufio"
	"bytes"
	"os"
	"runtime/debug"
	"strconv"
	"strings"
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
// (hwdb.bin, 13 MB with Debian's sources, of which a coldplug's lookups touch several MB). Errors are ignored: a
// kernel without MADV_PAGEOUT (before 5.4) keeps the pages, as before.
func pageOutImage() {
	// What was freed since the heap's trim (the last events' goroutines ending after the queue went idle) goes
	// back too.
	debug.FreeOSMemory()
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return
	}
	for _, m := range fileMappings(maps) {
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, m[0], m[1]-m[0], unix.MADV_PAGEOUT)
	}
}

// fileMappings returns the [start, end) ranges of the read-only mappings of files in a /proc/PID/maps text
// (not the anonymous ones, nor the kernel's [vdso] and the like).
func fileMappings(maps []byte) [][2]uintptr {
	var out [][2]uintptr
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		// 00400000-00541000 r-xp 00000000 fe:00 10290241                   /usr/lib/sysmaster/udevd
		f := strings.Fields(sc.Text())
		if len(f) < 6 || len(f[1]) < 2 || f[1][1] == 'w' || !strings.HasPrefix(f[5], "/") {
			continue
		}
		a, b, _ := strings.Cut(f[0], "-")
		start, err1 := strconv.ParseUint(a, 16, 64)
		end, err2 := strconv.ParseUint(b, 16, 64)
		if err1 != nil || err2 != nil || end <= start {
			continue
		}
		out = append(out, [2]uintptr{uintptr(start), uintptr(end)})
	}
	return out
}
