package pid1

import (
	"fmt"
	"sort"

	"golang.org/x/sys/unix"
)

// Bounds of the fd store: at most maxStoredFds descriptors, and never so many that init itself, holding them
// and one packet's worth more, would run out (fdReserve below its RLIMIT_NOFILE, which Go's runtime raised to
// the hard limit when init started).
const (
	maxStoredFds = 65536
	fdReserve    = 512
)

// storeLimit is how many descriptors init keeps for the core under a NOFILE limit of nofile.
func storeLimit(nofile uint64) int {
	if nofile <= fdReserve {
		return 0
	}
	return int(min(nofile-fdReserve, maxStoredFds))
}

// nofileLimit is init's own RLIMIT_NOFILE (the soft one, which Go's runtime raised to the hard one).
func nofileLimit() uint64 {
	var r unix.Rlimit
	if err := unix.Getrlimit(unix.RLIMIT_NOFILE, &r); err != nil {
		return 1024
	}
	return r.Cur
}

// fdStore keeps descriptors for the core under names, across core restarts and init's re-executions, until
// the core removes them. They are raw close-on-exec descriptors that init never reads nor polls.
type fdStore struct {
	fds map[string]int
	max int
}

func newFdStore(max int) *fdStore { return &fdStore{fds: make(map[string]int), max: max} }

func (st *fdStore) len() int { return len(st.fds) }

// put keeps fds under names (one each; names distinct), closing what it kept under the same names before. It
// takes all or nothing: when they would not fit it takes none, and the caller still owns fds.
func (st *fdStore) put(names []string, fds []int) error {
	if len(names) != len(fds) {
		return fmt.Errorf("%d names for %d descriptors", len(names), len(fds))
	}
	added := 0
	for _, n := range names {
		if _, ok := st.fds[n]; !ok {
			added++
		}
	}
	if len(st.fds)+added > st.max {
		return fmt.Errorf("the store is full: it keeps %d of at most %d", len(st.fds), st.max)
	}
	for i, n := range names {
		if old, ok := st.fds[n]; ok && old != fds[i] {
			unix.Close(old)
		}
		st.fds[n] = fds[i]
	}
	return nil
}

// remove closes what is kept under names, and reports how many there were.
func (st *fdStore) remove(names []string) int {
	n := 0
	for _, name := range names {
		if fd, ok := st.fds[name]; ok {
			unix.Close(fd)
			delete(st.fds, name)
			n++
		}
	}
	return n
}

// get is the descriptor kept under name.
func (st *fdStore) get(name string) (int, bool) {
	fd, ok := st.fds[name]
	return fd, ok
}

// names lists what is kept, sorted.
func (st *fdStore) names() []string {
	out := make([]string, 0, len(st.fds))
	for n := range st.fds {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}
