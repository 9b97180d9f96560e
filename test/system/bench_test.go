package system

import (
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// BenchmarkBootToDefaultTarget measures from starting init as PID 1 of a fresh namespace until sctl reports
// default.target active (it includes unshare, the mounts and sctl's own start, polled every 5 ms), and the CPU
// time the system used from its start to the end of its poweroff (init, the core, the plugins, the generators),
// mean per boot: on a loaded machine the CPU says more than the wall time. ms-userspace is the core's own
// figure, `sctl analyze time`'s: from init's start to the end of the boot transaction (FinishTimestamp), median of
// the boots, free of the polling (ms-to-active is the last boot's).
func BenchmarkBootToDefaultTarget(b *testing.B) {
	harness.Install(b)
	var cpu time.Duration
	var userspace []float64
	for i := 0; i < b.N; i++ {
		start := time.Now()
		s := harness.Start(b, harness.Options{})
		for s.Show("default.target", "ActiveState") != "active" {
			time.Sleep(5 * time.Millisecond)
		}
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-to-active")
		userspace = append(userspace, userspaceMs(b, s))
		s.Sctl("poweroff")
		<-s.Exited()
		cpu += s.CPU()
	}
	b.ReportMetric(float64(cpu.Microseconds())/1000/float64(b.N), "cpu-ms/boot")
	slices.Sort(userspace)
	b.ReportMetric(userspace[len(userspace)/2], "ms-userspace")
}

// userspaceMs is the time from init's start to the end of the boot transaction, as the core stamped them (the
// end is stamped when the last job of the boot ends, which may come after default.target is active).
func userspaceMs(b *testing.B, s *harness.System) float64 {
	stamp := func(p string) float64 {
		out, _, _ := s.Sctl("show", "-p", p, "--value")
		v, _ := strconv.ParseFloat(strings.TrimSpace(out), 64)
		return v
	}
	var finish float64
	if !s.WaitFor(10*time.Second, func() bool { finish = stamp("FinishTimestampMonotonic"); return finish > 0 }) {
		b.Fatal("FinishTimestampMonotonic never set")
	}
	start := stamp("UserspaceTimestampMonotonic")
	if start <= 0 || finish < start {
		b.Fatalf("UserspaceTimestampMonotonic %v, FinishTimestampMonotonic %v", start, finish)
	}
	return (finish - start) / 1000
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
