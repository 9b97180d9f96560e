package memtrim

import (
	"bufio"
	"bytes"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Mapping is a read-only mapping of a file: [Start, End) of the address space, and the file's path as
// /proc/PID/maps names it.
type Mapping struct {
	Start, End uintptr
	Path       string
}

// FileMappings returns the read-only mappings of files in a /proc/PID/maps text (not the writable ones, not
// anonymous memory, nor the kernel's [vdso] and the like).
func FileMappings(maps []byte) []Mapping {
	var out []Mapping
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
		out = append(out, Mapping{Start: uintptr(start), End: uintptr(end), Path: strings.Join(f[5:], " ")})
	}
	return out
}

// PageOut gives the advice (MADV_PAGEOUT, and MADV_RANDOM to keep what comes back to what runs) for each
// read-only file mapping of this process whose path match accepts: clean file pages, which the kernel drops and
// reads back from the file when they are touched again. Errors are ignored: a kernel without MADV_PAGEOUT
// (before 5.4) keeps the pages.
func PageOut(match func(path string) bool, advice ...int) {
	maps, err := os.ReadFile("/proc/self/maps")
	if err != nil {
		return
	}
	for _, m := range FileMappings(maps) {
		if !match(m.Path) {
			continue
		}
		for _, a := range advice {
			_, _, _ = unix.Syscall(unix.SYS_MADVISE, m.Start, m.End-m.Start, uintptr(a))
		}
	}
}
