package manager

import (
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/host/job"
	"github.com/sysmaster/sysmaster/pkg/memtrim"
)

// The core trims at once when its job queue empties after a burst of jobs, and not after a few.
func TestTrimAfterBurst(t *testing.T) {
	m := &Manager{engine: job.NewEngine(nil)}
	trim := memtrim.New(time.Hour) // no quiet period comes in the test
	defer trim.Stop()
	trim.Touch()
	m.jobsEnded = burstJobs - 1
	m.trimAfterBurst(trim)
	if m.jobsEnded != 0 {
		t.Fatalf("jobsEnded %d once the queue is empty, want 0", m.jobsEnded)
	}
	m.jobsEnded = burstJobs
	m.trimAfterBurst(trim)
	deadline := time.Now().Add(10 * time.Second)
	for trim.Trims() == 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if trim.Trims() != 1 {
		t.Fatalf("trims %d after a burst of %d jobs, want 1", trim.Trims(), burstJobs)
	}
}
