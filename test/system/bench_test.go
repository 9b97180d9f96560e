package system

import (
	"fmt"
	"strings"
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

// BenchmarkLoad10kUnits measures the core loading 10,000 target units in a layered mesh (100 layers of 100;
// each unit Wants= and After= three units of the next layer, so the ordering is 100 deep and has no cycle;
// every tenth unit has a drop-in) the first time they are referenced: `sctl show big.target` makes the core
// read every file, have the target plugin parse them in one batched call, and link the graph.
func BenchmarkLoad10kUnits(b *testing.B) {
	harness.Install(b)
	const n = 10000
	units := map[string]string{}
	var all strings.Builder
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("u%05d.target", i)
		var ds []string
		if next := (i/100 + 1) * 100; next < n {
			for k := 0; k < 3; k++ {
				ds = append(ds, fmt.Sprintf("u%05d.target", next+(i*7+k*13)%100))
			}
		}
		deps := strings.Join(ds, " ")
		units[name] = "[Unit]\nDescription=Unit " + name + "\nWants=" + deps + "\nAfter=" + deps + "\n"
		if i%10 == 0 {
			units[name+".d/override.conf"] = "[Unit]\nDocumentation=man:bench(1)\n"
		}
		all.WriteString(name + " ")
	}
	units["big.target"] = "[Unit]\nDescription=Big\nWants=" + all.String() + "\n"
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
