package daemon

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/sysmaster/sysmaster/udevd/uevent"
)

// The spool gives back what was put and not done, in SEQNUM order; a half-written or foreign entry is dropped;
// the socket's copies of spooled events are recognised until the socket is past them.
func TestSpool(t *testing.T) {
	run := t.TempDir()
	s := newSpool(run)
	if left, err := s.load(); err != nil || len(left) != 0 {
		t.Fatalf("empty spool: %v %v", left, err)
	}
	for _, seq := range []string{"12", "10", "11"} {
		m := uevent.NewMessage()
		for _, kv := range [][2]string{{"ACTION", "change"}, {"DEVPATH", "/devices/virtual/net/lo"}, {"SUBSYSTEM", "net"}, {"SEQNUM", seq}} {
			m.Set(kv[0], kv[1])
		}
		if err := s.put(m); err != nil {
			t.Fatal(err)
		}
	}
	s.done(11)
	for name, content := range map[string]string{"13.tmp": "cut short", "14": "not libudev", "x": ""} {
		if err := os.WriteFile(filepath.Join(run, "spool", name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	next := newSpool(run)
	left, err := next.load()
	if err != nil || len(left) != 2 || left[0].Seqnum() != 10 || left[1].Seqnum() != 12 || left[0].Get("ACTION") != "change" {
		t.Fatalf("load: %v %+v", err, left)
	}
	if ents, _ := os.ReadDir(filepath.Join(run, "spool")); len(ents) != 2 {
		t.Errorf("the bad entries were kept: %v", ents)
	}
	for _, c := range []struct {
		seq  uint64
		seen bool
	}{{10, true}, {11, false}, {12, true}, {13, false}, {12, false}} {
		if got := next.seen(c.seq); got != c.seen {
			t.Errorf("seen(%d) = %v", c.seq, got)
		}
	}
}
