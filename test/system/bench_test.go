package system

import (
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// BenchmarkBootToDefaultTarget measures from starting init as PID 1 of a fresh namespace until sctl reports
// default.target active (it includes unshare, the mounts and sctl's own start, polled every 5 ms), and the CPU
// time the system used from its start to the end of its poweroff (init, the core, the plugins, the generators),
// mean per boot: on a loaded machine the CPU says more than the wall time.
func BenchmarkBootToDefaultTarget(b *testing.B) {
	harness.Install(b)
	var cpu time.Duration
	for i := 0; i < b.N; i++ {
		start := time.Now()
		s := harness.Start(b, harness.Options{})
		for s.Show("default.target", "ActiveState") != "active" {
			time.Sleep(5 * time.Millisecond)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-to-active")
		s.Sctl("poweroff")
		<-s.Exited()
		cpu += s.CPU()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/boot")
}

// BenchmarkLoad10kUnits measures the core loading the 10,000 target units of harness.Mesh the first time they
// are referenced: `sctl show big.target` makes the core
// read every file, have the target plugin parse them in one batched call, and link the graph.
func BenchmarkLoad10kUnits(b *testing.B) {
	harness.Install(b)
	units := harness.Mesh(10000)
	for i := 0; i < b.N; i++ {
		s := harness.Start(b, harness.Options{Units: units})
		s.WaitActive("multi-user.target", "active", 30*time.Second)
		start := time.Now()
		if got := s.Show("big.target", "LoadState"); got != "loaded" {
			b.Fatalf("big.target %s", got)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-load-10k")
		start = time.Now()
		if _, errs, code := s.Sctl("start", "big.target"); code != 0 {
			b.Fatalf("start big.target: %s", errs)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-start-10k")
		s.Sctl("poweroff")
		<-s.Exited()
	}
}
