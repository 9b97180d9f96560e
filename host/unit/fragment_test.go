package unit

import (
	"testing"
	"time"
)

// A path noted twice keeps one entry, with the later time.
func TestNoteModTimeReplaces(t *testing.T) {
	f := &Fragment{}
	t0, t1 := time.Unix(1, 0), time.Unix(2, 0)
	f.noteModTime("/etc/a.service", t0)
	f.noteModTime("/etc/a.service.d", t0)
	f.noteModTime("/etc/a.service", t1)
	want := []ModTime{{"/etc/a.service", t1}, {"/etc/a.service.d", t0}}
	if len(f.ModTimes) != len(want) {
		t.Fatalf("ModTimes %v, want %v", f.ModTimes, want)
	}
	for i := range want {
		if f.ModTimes[i].Path != want[i].Path || !f.ModTimes[i].Time.Equal(want[i].Time) {
			t.Errorf("ModTimes %v, want %v", f.ModTimes, want)
		}
	}
}
