package system

import (
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// BenchmarkBootToDefaultTarget measures from starting init as PID 1 of a fresh namespace until sctl reports
// default.target active (it includes unshare, the mounts and sctl's own start, polled every 5 ms).
func BenchmarkBootToDefaultTarget(b *testing.B) {
	harness.Install(b)
	for i := 0; i < b.N; i++ {
		start := time.Now()
		s := harness.Start(b, harness.Options{})
		for s.Show("default.target", "ActiveState") != "active" {
			time.Sleep(5 * time.Millisecond)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-to-active")
		s.Sctl("poweroff")
		<-s.Exited()
	}
}
