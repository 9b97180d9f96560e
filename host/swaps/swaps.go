// Package swaps tracks the swaps in use (systemd's swap_enumerate and swap_dispatch_io): it reads /proc/swaps,
// waits for the kernel to mark the file with POLLPRI when a swap is turned on or off, and reports what changed
// since the last read. The core makes a .swap unit of every entry and hands each change to the swap plugin, so
// that a swapon or swapoff by hand is seen by the swap's unit.
//
//	w, table, err := swaps.Watch(func(ch []swaps.Change) { post(ch) })
//	…
//	w.Close()
package swaps

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/mountinfo"
)

// Path is the kernel's list of swaps in use.
const Path = "/proc/swaps"

// Entry is one swap in use, as /proc/swaps shows it.
type Entry struct {
	What     string // the swap device or file
	Type     string // "partition" or "file"
	Priority int
}

// Change is a swap turned on or changed (Active) or turned off (not Active).
type Change struct {
	Entry
	Active bool
}

// Table is the swaps in use by What.
type Table map[string]Entry

// Read reads /proc/swaps.
func Read() (Table, error) {
	f, err := os.Open(Path)
	if err != nil {
		return nil, fmt.Errorf("swaps: %w", err)
	}
	defer f.Close()
	return Parse(f)
}

// Parse parses the text of /proc/swaps: a header line, then "name type size used priority" per swap, the name
// with the kernel's octal escapes of blanks and backslashes. A malformed line is skipped, and the first one is
// reported as an error naming its line; the others are returned all the same.
func Parse(r io.Reader) (Table, error) {
	t := Table{}
	var bad error
	sc := bufio.NewScanner(r)
	for line := 1; sc.Scan(); line++ {
		if line == 1 {
			continue // the header
		}
		f := strings.Fields(sc.Text())
		if len(f) == 0 {
			continue
		}
		prio, err := strconv.Atoi(f[len(f)-1])
		if len(f) != 5 || err != nil || !strings.HasPrefix(f[0], "/") {
			if bad == nil {
				bad = fmt.Errorf("swaps: line %d: want \"name type size used priority\", got %.80q", line, sc.Text())
			}
			continue
		}
		what := mountinfo.Unescape(f[0])
		t[what] = Entry{What: what, Type: f[1], Priority: prio}
	}
	if err := sc.Err(); err != nil {
		return t, fmt.Errorf("swaps: %w", err)
	}
	return t, bad
}

// Diff lists what changed from old to now: swaps turned off first, then those turned on or changed, each
// group by name.
func Diff(old, now Table) []Change {
	var off, on []Change
	for what, e := range old {
		if _, ok := now[what]; !ok {
			off = append(off, Change{Entry: e})
		}
	}
	for what, e := range now {
		if o, ok := old[what]; !ok || o != e {
			on = append(on, Change{Entry: e, Active: true})
		}
	}
	sort.Slice(off, func(i, j int) bool { return off[i].What < off[j].What })
	sort.Slice(on, func(i, j int) bool { return on[i].What < on[j].What })
	return append(off, on...)
}
