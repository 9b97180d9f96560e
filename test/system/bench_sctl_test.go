package system

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/sdk/client"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
	"github.com/sysmaster/sysmaster/test/harness"
)

// BenchmarkSctl takes `sctl is-active` apart (docs/performance.md, "sctl"): each iteration runs, one after the
// other so that they share the machine's load, the commands below in the system's namespaces through nsenter,
// as BenchmarkVsSystemd does, and reports each one's median wall time (`-ms`), its mean CPU (`-cpu-ms`, nsenter
// and what it ran: the rusage of the reaped process) and the mean CPU the core spent meanwhile (`-core-cpu-ms`,
// from the schedstat of its threads):
//
//   - true: nsenter running /bin/true, the part of every other figure that is not the client's;
//   - version: `sctl --version`, the client's start and exit without a call;
//   - is-active: `sctl is-active sleep.service`;
//   - systemctl: Debian's `systemctl is-active sleep.service`, over D-Bus to the same core (/run/systemd/private):
//     the same question answered by the core through another door, with a C client;
//
// and, in this process, `call`: a new client (client.Dial) and one Show of the unit's ActiveState, as sctl
// makes it. SYSMASTER_BENCH_SCTL=PATH adds `other`: `PATH is-active sleep.service`, for another build of the
// image (a link named sctl to it, outside the installed tree) measured in the same run.
func BenchmarkSctl(b *testing.B) {
	units := map[string]string{"sleep.service": "[Unit]\nDefaultDependencies=no\n[Service]\nExecStart=/bin/sleep infinity\n"}
	s := harness.Start(b, harness.Options{Units: units})
	if _, errs, code := s.Sctl("start", "sleep.service"); code != 0 {
		b.Fatalf("start sleep.service: exit %d: %s", code, errs)
	}
	sctl := s.Root + "/usr/bin/sctl"
	type variant struct {
		name string
		argv []string
	}
	variants := []variant{
		{"true", []string{"/bin/true"}},
		{"version", []string{sctl, "--version"}},
		{"is-active", []string{sctl, "is-active", "sleep.service"}},
	}
	if harness.HaveSystemd() {
		variants = append(variants, variant{"systemctl", []string{"systemctl", "is-active", "sleep.service"}})
	}
	if other := os.Getenv("SYSMASTER_BENCH_SCTL"); other != "" {
		variants = append(variants, variant{"other", []string{other, "is-active", "sleep.service"}})
	}
	core := childOf(s.InitPid, "sysmaster")
	if core == 0 {
		b.Fatal("no core under init")
	}
	wall := make([][]time.Duration, len(variants)+1)
	cpu := make([]time.Duration, len(variants))
	coreCPU := make([]time.Duration, len(variants))
	run := func(i int, v variant) {
		cmd := exec.Command("nsenter", append([]string{"-t", strconv.Itoa(s.InitPid), "-m", "-p", "--"}, v.argv...)...)
		before := schedCPU(core)
		start := time.Now()
		out, err := cmd.Output()
		wall[i] = append(wall[i], time.Since(start))
		coreCPU[i] += schedCPU(core) - before
		if err != nil {
			b.Fatalf("%s: %v", strings.Join(v.argv, " "), err)
		}
		if v.name != "true" && v.name != "version" && string(out) != "active\n" {
			b.Fatalf("%s: %q", strings.Join(v.argv, " "), out)
		}
		cpu[i] += cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()
	}
	socket := inRoot(s, "/run/sysmaster/private")
	call := func() {
		ctx := context.Background()
		start := time.Now()
		c, err := client.Dial(ctx, socket)
		if err != nil {
			b.Fatal(err)
		}
		r, err := c.Show(ctx, &controlv1.ShowRequest{Units: []string{"sleep.service"}, Properties: []string{"ActiveState"}})
		c.Close()
		wall[len(variants)] = append(wall[len(variants)], time.Since(start))
		if err != nil || len(r.Units) != 1 || len(r.Units[0].Properties) != 1 || r.Units[0].Properties[0].Value != "active" {
			b.Fatalf("Show: %v %v", r, err)
		}
	}
	for i, v := range variants { // warm the page cache and the core
		run(i, v)
		wall[i] = wall[i][:0]
		cpu[i] = 0
		coreCPU[i] = 0
	}
	call()
	wall[len(variants)] = nil
	b.ResetTimer()
	for n := 0; n < b.N; n++ {
		for i, v := range variants {
			run(i, v)
		}
		call()
	}
	b.StopTimer()
	median := func(ds []time.Duration) float64 {
		slices.Sort(ds)
		return float64(ds[len(ds)/2].Microseconds()) / 1000
	}
	for i, v := range variants {
		b.ReportMetric(median(wall[i]), v.name+"-ms")
		b.ReportMetric(float64(cpu[i].Microseconds())/1000/float64(b.N), v.name+"-cpu-ms")
		b.ReportMetric(float64(coreCPU[i].Microseconds())/1000/float64(b.N), v.name+"-core-cpu-ms")
	}
	b.ReportMetric(median(wall[len(variants)]), "call-ms")
}

// schedCPU is the CPU time pid's threads have run so far (the first field of each thread's schedstat, in ns):
// finer than /proc/PID/stat's clock ticks, which one call's few hundred microseconds would not move.
func schedCPU(pid int) time.Duration {
	tasks, _ := filepath.Glob("/proc/" + strconv.Itoa(pid) + "/task/*/schedstat")
	var ns int64
	for _, t := range tasks {
		b, _ := os.ReadFile(t)
		if f := strings.Fields(string(b)); len(f) > 0 {
			n, _ := strconv.ParseInt(f[0], 10, 64)
			ns += n
		}
	}
	return time.Duration(ns)
}
