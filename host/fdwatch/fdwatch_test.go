package fdwatch

import (
	"os"
	"runtime"
	"testing"
	"time"
)

type report struct {
	fd  int
	gen uint32
}

func watcher(t *testing.T) (*Watcher, chan report) {
	t.Helper()
	ch := make(chan report, 16)
	w, err := New(func(fd int, gen uint32) { ch <- report{fd, gen} })
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.Close() })
	return w, ch
}

func pipe(t *testing.T) (r, w *os.File) {
	t.Helper()
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Close(); w.Close() })
	return r, w
}

func expect(t *testing.T, ch chan report, want report) {
	t.Helper()
	select {
	case got := <-ch:
		if got != want {
			t.Fatalf("report %+v, want %+v", got, want)
		}
	case <-time.After(5 * time.Second):
		t.Fatalf("no report, want %+v", want)
	}
}

func expectNone(t *testing.T, ch chan report) {
	t.Helper()
	select {
	case got := <-ch:
		t.Fatalf("unexpected report %+v", got)
	case <-time.After(100 * time.Millisecond):
	}
}

// A watch fires once per Arm, with the generation of the latest Arm, and not after Disarm.
func TestOneReportPerArm(t *testing.T) {
	w, ch := watcher(t)
	r, wr := pipe(t)
	fd := int(r.Fd())
	if err := w.Arm(fd, 1); err != nil {
		t.Fatal(err)
	}
	expectNone(t, ch)
	wr.Write([]byte("x"))
	expect(t, ch, report{fd, 1})
	expectNone(t, ch) // still readable, but not armed again
	if err := w.Arm(fd, 2); err != nil {
		t.Fatal(err)
	}
	expect(t, ch, report{fd, 2}) // readable already: reported at once
	w.Disarm(fd)
	expectNone(t, ch)
	r.Read(make([]byte, 1)) // drained: not readable any more
	if err := w.Arm(fd, 3); err != nil {
		t.Fatal(err)
	}
	if err := w.Arm(fd, 4); err != nil { // re-arming before the report replaces the generation
		t.Fatal(err)
	}
	wr.Write([]byte("y"))
	expect(t, ch, report{fd, 4})
	w.Disarm(fd)
	expectNone(t, ch)
}

func TestArmClosedFd(t *testing.T) {
	w, _ := watcher(t)
	r, _ := pipe(t)
	fd := int(r.Fd())
	r.Close()
	if err := w.Arm(fd, 1); err == nil {
		t.Fatal("arming a closed fd succeeded")
	}
}

// Close ends the goroutine, gives back both descriptors, and no report follows it, even for a descriptor armed
// and readable.
func TestClose(t *testing.T) {
	fds := func() int { ents, _ := os.ReadDir("/proc/self/fd"); return len(ents) }
	before, routines := fds(), runtime.NumGoroutine()
	ch := make(chan report, 1)
	w, err := New(func(fd int, gen uint32) { ch <- report{fd, gen} })
	if err != nil {
		t.Fatal(err)
	}
	r, wr := pipe(t)
	if err := w.Arm(int(r.Fd()), 1); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	wr.Write([]byte("x"))
	if len(ch) != 0 { // the goroutine has ended with Close: nothing can come later
		t.Fatalf("a report after Close: %+v", <-ch)
	}
	if n := fds(); n != before+2 { // the pipe's two ends
		t.Errorf("%d descriptors open, want %d", n, before+2)
	}
	if n := runtime.NumGoroutine(); n > routines {
		t.Errorf("%d goroutines, %d before", n, routines)
	}
}
