package manager

import (
	"runtime/debug"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/pkg/memtrim"
)

// The core trims at once when its job queue empties after a burst of jobs, and not after a few; between bursts
// its GC runs at the idle pace.
func TestTrimAfterBurst(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(burstGCPercent))
	m := &Manager{engine: job.NewEngine(nil)}
	trim := memtrim.New(time.Hour) // no quiet period comes in the test
	defer trim.Stop()
	trim.Touch()
	m.jobsEnded = burstJobs - 1
	m.paceMemory(trim)
	if m.jobsEnded != 0 {
		t.Fatalf("jobsEnded %d once the queue is empty, want 0", m.jobsEnded)
	}
	m.jobsEnded = burstJobs
	m.paceMemory(trim)
	deadline := time.Now().Add(10 * time.Second)
	for trim.Trims() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if trim.Trims() != 1 {
		t.Fatalf("trims %d after a burst of %d jobs, want 1", trim.Trims(), burstJobs)
	}
	if p := debug.SetGCPercent(burstGCPercent); p != idleGCPercent && !gogcSet { // $GOGC: left alone
		t.Errorf("GOGC %d with no job, want %d", p, idleGCPercent)
	}
}
