package clockwatch

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func start(t *testing.T, localtime string) <-chan Change {
	t.Helper()
	ch := make(chan Change, 16)
	w, err := Start(localtime, func(c Change) { ch <- c })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Close)
	return ch
}

func wait(t *testing.T, ch <-chan Change, want Change) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case c := <-ch:
			if c == want {
				return
			}
		case <-deadline:
			t.Fatalf("no %+v reported", want)
		}
	}
}

// TestClockSet sets CLOCK_REALTIME to the time it reads (a jump of the microseconds between the two calls, which
// the machine's other users do not notice) and expects the real kernel's cancellation to be reported.
func TestClockSet(t *testing.T) {
	if os.Getuid() != 0 {
		t.Skip("setting the clock needs root")
	}
	ch := start(t, filepath.Join(t.TempDir(), "localtime"))
	var ts unix.Timespec
	if err := unix.ClockGettime(unix.CLOCK_REALTIME, &ts); err != nil {
		t.Fatal(err)
	}
	if err := unix.ClockSettime(unix.CLOCK_REALTIME, &ts); err != nil {
		t.Fatalf("clock_settime: %v", err)
	}
	wait(t, ch, Change{Clock: true})
	// The watch is armed again: a second set is reported too.
	_ = unix.ClockGettime(unix.CLOCK_REALTIME, &ts)
	if err := unix.ClockSettime(unix.CLOCK_REALTIME, &ts); err != nil {
		t.Fatal(err)
	}
	wait(t, ch, Change{Clock: true})
}

// TestZoneReplaced: a new zone file renamed over the watched one (as timedatectl and `ln -sf` do) is a time zone
// change; another file in the directory is not.
func TestZoneReplaced(t *testing.T) {
	dir := t.TempDir()
	lt := filepath.Join(dir, "localtime")
	if err := os.Symlink("/usr/share/zoneinfo/UTC", lt); err != nil {
		t.Fatal(err)
	}
	ch := start(t, lt)
	if err := os.WriteFile(filepath.Join(dir, "other"), []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	select {
	case c := <-ch:
		t.Fatalf("another file reported as %+v", c)
	case <-time.After(200 * time.Millisecond):
	}
	tmp := filepath.Join(dir, ".localtime.new")
	if err := os.Symlink("/usr/share/zoneinfo/Europe/Berlin", tmp); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, lt); err != nil {
		t.Fatal(err)
	}
	wait(t, ch, Change{Timezone: true})
}

func TestCloseStops(t *testing.T) {
	w, err := Start(filepath.Join(t.TempDir(), "localtime"), func(Change) {})
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { w.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
}
