package system

import (
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/sdk/client"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
	"github.com/sysmaster/sysmaster/test/harness"
)

// BenchmarkCoreRecovery measures design.md's promise that the core comes back from its own crash quickly
// (docs/performance.md, "Recovery"): with 1,000 services running (`sleep`), each iteration SIGKILLs the core and
// times how long until `is-active` of a service answers "active" again through the control socket. It reports:
//
//	ms-recovery  SIGKILL of the core until the answer (init notices the death, starts a core, which loads the
//	             1,000 units, restores the checkpoint and serves); kills are 10.5 s apart, so that init's
//	             crash-loop backoff does not count
//	ms-new-core  the part of it from the moment the new core's process is seen
//	pss-core-MiB the proportional set size of the core once it is back
func BenchmarkCoreRecovery(b *testing.B) {
	units := serviceMesh(nServices, "ExecStart=/bin/sleep 100000\n")
	s := harness.Start(b, harness.Options{Units: units})
	if _, errs, code := s.Sctl("start", "the.target"); code != 0 {
		b.Fatalf("start the.target: %s", errs)
	}
	sock := filepath.Join("/proc", strconv.Itoa(s.InitPid), "root/run/sysmaster/private")
	ask := func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		c, err := client.Dial(ctx, sock)
		if err != nil {
			return false
		}
		defer c.Close()
		r, err := c.Show(ctx, &controlv1.ShowRequest{Units: []string{"svc-0999.service"}, Properties: []string{"ActiveState"}})
		return err == nil && len(r.Units) == 1 && len(r.Units[0].Properties) == 1 && r.Units[0].Properties[0].Value == "active"
	}
	if !ask() {
		b.Fatal("the control socket does not answer from the test")
	}
	var total, restore time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// init spaces the restarts of a core that keeps crashing (100 ms, doubling, until one ran 10 s):
		// measure a crash, not a crash loop.
		b.StopTimer()
		time.Sleep(10500 * time.Millisecond)
		b.StartTimer()
		core := childOf(s.InitPid, "sysmaster")
		if core <= 1 {
			b.Fatal("no core")
		}
		t0 := time.Now()
		if err := syscall.Kill(core, syscall.SIGKILL); err != nil {
			b.Fatal(err)
		}
		var born time.Time
		for {
			c := childOf(s.InitPid, "sysmaster")
			if c != core && c != 0 && born.IsZero() {
				born = time.Now()
			}
			if c != core && c != 0 && ask() {
				break
			}
			if time.Since(t0) > 60*time.Second {
				b.Fatalf("the core did not come back in 60s\n%s", s.Console())
			}
			time.Sleep(time.Millisecond)
		}
		total += time.Since(t0)
		restore += time.Since(born)
	}
	b.StopTimer()
	b.ReportMetric(float64(total.Microseconds())/1000/float64(b.N), "ms-recovery")
	b.ReportMetric(float64(restore.Microseconds())/1000/float64(b.N), "ms-new-core")
	b.ReportMetric(pssMiB(childOf(s.InitPid, "sysmaster")), "pss-core-MiB")
	for _, l := range strings.Split(s.Console(), "\n") {
		if strings.Contains(l, "restored from the checkpoint") {
			b.Log(l) // the core's own account: load and total restore time
		}
	}
	out, _, _ := s.Sctl("list-units", "--state=active", "--no-legend", "svc-*")
	if n := len(strings.Split(strings.TrimSpace(out), "\n")); n != nServices {
		b.Errorf("%d services active after the crashes, want %d", n, nServices)
	}
}
