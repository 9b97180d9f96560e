package memtrim

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

var burst [][]byte

// A burst that grows the heap is followed by one trim, after the quiet period, that returns the freed pages.
func TestTrimAfterQuiet(t *testing.T) {
	tr := New(200 * time.Millisecond) // longer than the burst takes on a loaded machine: one trim, after it
	defer tr.Stop()
	for i := 0; i < 64; i++ {
		burst = append(burst, make([]byte, 1<<20)) // 64 MiB live, then dropped: free heap the runtime keeps
		tr.Touch()
	}
	burst = nil
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	deadline := time.Now().Add(5 * time.Second)
	for tr.Trims() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if tr.Trims() != 1 {
		t.Fatalf("trims %d, want 1", tr.Trims())
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	// Free heap the runtime still holds: it is what a trim gives back.
	retained := func(m runtime.MemStats) uint64 { return m.HeapIdle - m.HeapReleased }
	if retained(before) < 32<<20 {
		t.Fatalf("the burst left only %d bytes of free heap: the test proves nothing", retained(before))
	}
	if retained(after) > 4<<20 {
		t.Errorf("free heap still held after the trim: %d bytes (%d before)", retained(after), retained(before))
	}
	// No activity since: no second trim.
	time.Sleep(300 * time.Millisecond)
	if tr.Trims() != 1 {
		t.Errorf("trims %d after a quiet period without activity, want 1", tr.Trims())
	}
}

// Activity keeps pushing the trim back.
func TestTouchPostpones(t *testing.T) {
	tr := New(100 * time.Millisecond)
	defer tr.Stop()
	for i := 0; i < 10; i++ {
		tr.Touch()
		time.Sleep(20 * time.Millisecond)
	}
	if n := tr.Trims(); n != 0 {
		t.Fatalf("trimmed %d times while busy", n)
	}
}

// With $SYSMASTER_HEAP_PROFILE set, a trim leaves the process's heap profile in that directory.
func TestTrimWritesHeapProfile(t *testing.T) {
	dir := t.TempDir()
	t.Setenv(ProfileEnv, dir)
	tr := New(10 * time.Millisecond)
	defer tr.Stop()
	tr.Touch()
	deadline := time.Now().Add(5 * time.Second)
	for tr.Trims() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	path := filepath.Join(dir, fmt.Sprintf("%s-%d.heap", filepath.Base(os.Args[0]), os.Getpid()))
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	// A profile is gzipped protobuf.
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		t.Errorf("%s is not a gzipped profile (%d bytes)", path, len(b))
	}
	stats, err := os.ReadFile(strings.TrimSuffix(path, ".heap") + ".memstats")
	if err != nil || !strings.Contains(string(stats), "HeapInuse = ") {
		t.Errorf("memstats: %v\n%s", err, stats)
	}
}

// What a process gives back beside the heap (Then) runs once per trim, not while the process is busy.
func TestThenRunsWithEachTrim(t *testing.T) {
	tr := New(20 * time.Millisecond)
	defer tr.Stop()
	ran := make(chan int, 4)
	tr.Then(func() { ran <- tr.Trims() })
	tr.Touch()
	select {
	case n := <-ran:
		if n != 0 {
			t.Fatalf("Then ran with %d trims counted, want it inside the first", n)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no trim ran Then")
	}
	deadline := time.Now().Add(5 * time.Second)
	for tr.Trims() == 0 && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	tr.Touch()
	select {
	case <-ran:
	case <-time.After(5 * time.Second):
		t.Fatal("the second trim did not run Then")
	}
	time.Sleep(100 * time.Millisecond) // five quiet periods without activity
	if len(ran) != 0 {
		t.Fatalf("Then ran %d more times without activity", len(ran))
	}
}

// Now trims at once, however recent the last activity, and only once per burst: without activity since, it does
// nothing.
func TestNowTrimsWithoutQuiet(t *testing.T) {
	tr := New(time.Hour)
	defer tr.Stop()
	for i := 0; i < 64; i++ {
		burst = append(burst, make([]byte, 1<<20))
		tr.Touch()
	}
	burst = nil
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	retained := func(m runtime.MemStats) uint64 { return m.HeapIdle - m.HeapReleased }
	if retained(before) < 32<<20 {
		t.Fatalf("the burst left only %d bytes of free heap: the test proves nothing", retained(before))
	}
	tr.Now()
	deadline := time.Now().Add(5 * time.Second)
	for tr.Trims() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if tr.Trims() != 1 {
		t.Fatalf("trims %d after Now, want 1", tr.Trims())
	}
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if retained(after) > 4<<20 {
		t.Errorf("free heap still held after Now: %d bytes (%d before)", retained(after), retained(before))
	}
	tr.Now() // no activity since the trim
	time.Sleep(100 * time.Millisecond)
	if tr.Trims() != 1 {
		t.Errorf("trims %d after Now without activity, want 1", tr.Trims())
	}
}
