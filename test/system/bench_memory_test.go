package system

import (
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// BenchmarkMemoryAtRest measures what sysmaster costs in memory once a system has booted with 100 services
// (`sleep`) running (docs/performance.md, "Memory"): the proportional set size (PSS) of init, the core and the
// plugins that run, before and after the plugins are unloaded for being idle (Plugins.IdleTimeoutSec=2). It
// reports pss-before-MiB, pss-after-MiB and, for the first, the core's and the plugins' parts.
func BenchmarkMemoryAtRest(b *testing.B) {
	conf := "[Manager]\nDefaultUnit = \"default.target\"\nUnitPaths = [\"/etc/sysmaster/system\", \"/run/sysmaster/system\", \"/usr/lib/sysmaster/system\"]\n" +
		"[Plugins]\nDir = \"/usr/lib/sysmaster/plugins\"\nIdleTimeoutSec = 2\n"
	for i := 0; i < b.N; i++ {
		s := harness.Start(b, harness.Options{Units: serviceMesh(100, "ExecStart=/bin/sleep 100000\n"), Config: conf})
		if _, errs, code := s.Sctl("start", "the.target"); code != 0 {
			b.Fatalf("start the.target: %s", errs)
		}
		core := childOf(s.InitPid, "sysmaster")
		plugins := func() (pids []int) {
			for _, typ := range []string{"service", "target", "socket"} {
				if p := childOf(core, typ); p > 0 {
					pids = append(pids, p)
				}
			}
			return pids
		}
		sum := func(pids []int) (mib float64) {
			for _, p := range pids {
				mib += pssMiB(p)
			}
			return mib
		}
		running := plugins()
		if len(running) == 0 {
			b.Fatal("no plugin runs after boot")
		}
		before := pssMiB(s.InitPid) + pssMiB(core) + sum(running)
		b.ReportMetric(before, "pss-before-MiB")
		b.ReportMetric(pssMiB(s.InitPid), "pss-init-MiB")
		b.ReportMetric(pssMiB(core), "pss-core-MiB")
		b.ReportMetric(sum(running), "pss-plugins-MiB")
		if !s.WaitFor(20*time.Second, func() bool { return len(plugins()) == 0 }) {
			out, _, _ := s.Sctl("list-plugins")
			b.Fatalf("plugins not unloaded after IdleTimeoutSec=2:\n%s", out)
		}
		out, _, _ := s.Sctl("list-plugins")
		if !strings.Contains(out, "idle") {
			b.Errorf("list-plugins does not show idle plugins:\n%s", out)
		}
		b.ReportMetric(pssMiB(s.InitPid)+pssMiB(childOf(s.InitPid, "sysmaster")), "pss-after-MiB")
		b.ReportMetric(pssMiB(s.InitPid), "pss-init-after-MiB")
	}
}
