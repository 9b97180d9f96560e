package daemon

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/sysmaster/sysmaster/udevd/uevent"
)

// spool keeps each uevent udevd took from the kernel's socket until it was processed and broadcast, one file per
// event in RunDir/spool (named by its SEQNUM, in libudev's format; /run is a tmpfs), so that a udevd killed in the
// middle of a burst (SIGKILL, the OOM killer) loses none of its queue: the core restarts it, with the socket it
// holds, and the new udevd takes the spooled events before the socket's. A message is peeked, spooled, and only
// then taken from the socket; killed in between, it is in both, and the next udevd drops from the socket the
// SEQNUMs it found in the spool. An event processed but not yet unspooled when udevd died is processed again:
// a repeated event, never a lost one.
type spool struct {
	dir string
	// replayed are the SEQNUMs taken from the spool at start, until the socket gives one past max, their
	// highest.
	replayed map[uint64]bool
	max      uint64
}

func newSpool(runDir string) *spool {
	return &spool{dir: filepath.Join(runDir, "spool")}
}

// load returns the events a previous udevd left, in SEQNUM order. An entry that does not parse (cut short by the
// kill) is dropped.
func (s *spool) load() ([]*uevent.Message, error) {
	if err := os.MkdirAll(s.dir, 0o700); err != nil {
		return nil, err
	}
	ents, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, err
	}
	var out []*uevent.Message
	s.replayed = map[uint64]bool{}
	for _, e := range ents {
		p := filepath.Join(s.dir, e.Name())
		seq, err := strconv.ParseUint(e.Name(), 10, 64)
		b, rerr := os.ReadFile(p)
		var m *uevent.Message
		if err == nil && rerr == nil {
			m, err = uevent.ParseLibudev(b)
		}
		if err != nil || rerr != nil || m.Seqnum() != seq {
			_ = os.Remove(p)
			continue
		}
		s.replayed[seq] = true
		s.max = max(s.max, seq)
		out = append(out, m)
	}
	slices.SortFunc(out, func(a, b *uevent.Message) int {
		switch {
		case a.Seqnum() < b.Seqnum():
			return -1
		case a.Seqnum() > b.Seqnum():
			return 1
		}
		return 0
	})
	return out, nil
}

// seen says whether a message the socket gives was taken from the spool already.
func (s *spool) seen(seq uint64) bool {
	if s.replayed == nil {
		return false
	}
	if s.replayed[seq] {
		return true
	}
	if seq > s.max {
		s.replayed = nil // the socket is past what the spool held
	}
	return false
}

// put keeps m until done; written to a temporary name and renamed, so that a kill leaves no partial entry.
func (s *spool) put(m *uevent.Message) error {
	p := filepath.Join(s.dir, strconv.FormatUint(m.Seqnum(), 10))
	if err := os.WriteFile(p+".tmp", m.Libudev(), 0o600); err != nil {
		return err
	}
	return os.Rename(p+".tmp", p)
}

// done drops the event seq from the spool.
func (s *spool) done(seq uint64) { _ = os.Remove(filepath.Join(s.dir, strconv.FormatUint(seq, 10))) }
