package daemon

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/memtrim"
)

// restQuiet is how long udevd must be idle before it pages out its own code. Longer than the heap's trim
// (memtrim.DefaultQuiet): the pages of a burst's next event come back from the file, which costs more than a
// heap page.
const restQuiet = 5 * time.Second

// atRest gives memory back once udevd is idle, in two steps. After memtrim's quiet period the heap's free pages go
// back to the kernel. After restQuiet the pages of udevd's executable (its code and read-only data, most of them
// touched once at start: the runtime's and the rules parser's) are paged out with MADV_PAGEOUT: clean file pages,
// so the kernel drops them, and what the next event runs is read back from the file. A Go binary is statically
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

// pageOutImage pages out the read-only mappings of the running executable. Errors are ignored: a kernel without
// MADV_PAGEOUT (before 5.4) keeps the pages, as before.
func pageOutImage() {
	exe, err := os.Readlink("/proc/self/exe")
	if err != nil {
		return
	}
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return
	}
	for _, m := range imageMappings(maps, exe) {
		_, _, _ = unix.Syscall(unix.SYS_MADVISE, m[0], m[1]-m[0], unix.MADV_PAGEOUT)
	}
}

// imageMappings returns the [start, end) ranges of the read-only mappings of file exe in a /proc/PID/maps text.
// The path is compared as the kernel writes both (" (deleted)" appended to a replaced file, in /proc/PID/exe
// too), which also holds on overlayfs, where the device and inode of the mapping are the lower file's.
func imageMappings(maps []byte, exe string) [][2]uintptr {
	var out [][2]uintptr
	sc := bufio.NewScanner(bytes.NewReader(maps))
	for sc.Scan() {
		// 00400000-00541000 r-xp 00000000 fe:00 10290241                   /usr/lib/sysmaster/udevd
		line := sc.Text()
		f := strings.Fields(line)
		if len(f) < 6 || len(f[1]) < 2 || f[1][1] == 'w' {
			continue
		}
		if i := strings.Index(line, "/"); i < 0 || line[i:] != exe {
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
