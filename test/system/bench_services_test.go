package system

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/sdk/client"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
	"github.com/sysmaster/sysmaster/test/harness"
)

// The benchmarks of this file measure services that run for real (docs/performance.md, "Services"). They boot
// their own system per iteration and are meant for -benchtime 1x (bench/services.sh). Each reports:
//
//	ms/op         wall time of what is measured (per restart for the restart benchmarks)
//	core-cpu-ms   user+system CPU time of the core (the sysmaster process under init) over the same span
//	plugin-cpu-ms same for the service plugin process
//	reaped-cpu-ms CPU time of the processes the core reaped over the span (its cutime+cstime): executors and
//	              the services' commands
//	pss-*-MiB     proportional set size (/proc/PID/smaps_rollup) of the core and of the service plugin
//	ms-poweroff   `sctl poweroff` until the namespace has ended
//	s-total       the whole restart loop
//
// CPU times come in clock ticks of 10 ms: per restart their resolution is 0.01 ms (one tick over 1,000 restarts).
// SYSMASTER_BENCH_PERF=DIR also records the core (and what it starts) with `perf record -g` over the span.

const nServices = 1000

// serviceMesh returns n services named svc-NNNN.service with the given [Service] section, all wanted by and
// ordered before the.target, so that `sctl start the.target` returns when every one of them has started.
func serviceMesh(n int, service string) map[string]string {
	units := map[string]string{}
	var names []string
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("svc-%04d.service", i)
		names = append(names, name)
		units[name] = "[Service]\n" + service
	}
	all := strings.Join(names, " ")
	units["the.target"] = "[Unit]\nWants=" + all + "\nAfter=" + all + "\n"
	return units
}

// childOf returns the host pid of a child of parent whose /proc/PID/comm is comm, or 0. Children are listed per
// thread (/proc/PID/task/TID/children), so every thread is read.
func childOf(parent int, comm string) int {
	if parent <= 0 {
		return 0
	}
	tasks, _ := filepath.Glob("/proc/" + itoa(parent) + "/task/*/children")
	for _, task := range tasks {
		b, _ := os.ReadFile(task)
		for _, f := range strings.Fields(string(b)) {
			c, _ := os.ReadFile("/proc/" + f + "/comm")
			if strings.TrimSpace(string(c)) == comm {
				if pid, err := strconv.Atoi(f); err == nil && pid > 1 {
					return pid
				}
			}
		}
	}
	return 0
}

// cpuMs is the user+system CPU time pid has used so far, in ms (/proc/PID/stat fields 14 and 15, utime and
// stime, in clock ticks of USER_HZ = 100 on Linux). 0 when pid is gone or unknown.
func cpuMs(pid int) float64 { return statMs(pid, 11) }

// childrenCPUMs is the CPU time of pid's children it has waited for (fields 16 and 17, cutime and cstime): for
// the core, the executors and the service processes it has reaped.
func childrenCPUMs(pid int) float64 { return statMs(pid, 13) }

// statMs adds the two clock-tick fields of /proc/PID/stat that start at index i of the fields after the command.
func statMs(pid, i int) float64 {
	if pid <= 0 {
		return 0
	}
	b, err := os.ReadFile("/proc/" + itoa(pid) + "/stat")
	if err != nil {
		return 0
	}
	// The command (field 2) is in parentheses and may hold spaces: count fields after the last ')'.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < i+2 {
		return 0
	}
	a, _ := strconv.ParseFloat(f[i], 64)
	c, _ := strconv.ParseFloat(f[i+1], 64)
	return (a + c) * 10
}

// perfRecord starts `perf record -g` on pid when SYSMASTER_BENCH_PERF names a directory, writing
// DIR/NAME.perf.data; the returned function stops it. Without the variable it does nothing.
func perfRecord(b *testing.B, pid int) func() {
	dir := os.Getenv("SYSMASTER_BENCH_PERF")
	if dir == "" || pid <= 0 {
		return func() {}
	}
	out := filepath.Join(dir, strings.ReplaceAll(b.Name(), "/", "_")+".perf.data")
	cmd := exec.Command("perf", "record", "-g", "-F", "999", "-o", out, "-p", itoa(pid))
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Start(); err != nil {
		b.Logf("perf: %v", err)
		return func() {}
	}
	time.Sleep(300 * time.Millisecond) // perf attaches
	return func() {
		// cmd.Process is perf itself (a pid > 0 once Start succeeded); SIGINT makes it write its data.
		_ = cmd.Process.Signal(os.Interrupt)
		_ = cmd.Wait()
		b.Logf("perf data: %s", out)
	}
}

// pssMiB is the Pss: line of /proc/PID/smaps_rollup in MiB, 0 when pid is gone or unknown.
func pssMiB(pid int) float64 {
	if pid <= 0 {
		return 0
	}
	f, err := os.Open("/proc/" + itoa(pid) + "/smaps_rollup")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "Pss:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// procs are the processes whose cost the benchmarks report.
type procs struct{ core, plugin int }

func findProcs(b *testing.B, s *harness.System) procs {
	b.Helper()
	p := procs{core: childOf(s.InitPid, "sysmaster")}
	if p.core == 0 {
		b.Fatalf("no core under init %d", s.InitPid)
	}
	p.plugin = childOf(p.core, "service")
	return p
}

// dial connects to the control socket of s from the host side, through init's root.
func dial(b *testing.B, s *harness.System) *client.Client {
	b.Helper()
	c, err := client.Dial(context.Background(), filepath.Join("/proc", itoa(s.InitPid), "root/run/sysmaster/private"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { c.Close() })
	return c
}

// countActive counts the svc-* services whose ActiveState is active.
func countActive(b *testing.B, c *client.Client) int {
	b.Helper()
	resp, err := c.ListUnits(context.Background(), &controlv1.ListUnitsRequest{Types: []string{"service"},
		States: []string{"active"}, Patterns: []string{"svc-*"}})
	if err != nil {
		b.Fatal(err)
	}
	return len(resp.Units)
}

func poweroff(b *testing.B, s *harness.System) {
	start := time.Now()
	s.Sctl("poweroff")
	select {
	case <-s.Exited():
		b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms-poweroff")
	case <-time.After(60 * time.Second):
		b.Fatalf("no poweroff in 60 s")
	}
}

// startAll starts the.target with sctl and waits until all nServices are active: the wall time, and the CPU time
// of the core and the plugin, are reported; the plugin's pid is filled in (it may start on demand).
func startAll(b *testing.B, s *harness.System, c *client.Client) procs {
	b.Helper()
	p := findProcs(b, s)
	cpu0, plugin0, children0 := cpuMs(p.core), cpuMs(p.plugin), childrenCPUMs(p.core)
	stopPerf := perfRecord(b, p.core)
	start := time.Now()
	if _, errs, code := s.Sctl("start", "the.target"); code != 0 {
		b.Fatalf("start the.target: exit %d %s", code, errs)
	}
	if !s.WaitFor(60*time.Second, func() bool { return countActive(b, c) == nServices }) {
		b.Fatalf("only %d of %d services active", countActive(b, c), nServices)
	}
	b.ReportMetric(float64(time.Since(start).Milliseconds()), "ms/op")
	stopPerf()
	if p.plugin == 0 {
		p.plugin = childOf(p.core, "service")
	}
	b.ReportMetric(cpuMs(p.core)-cpu0, "core-cpu-ms")
	b.ReportMetric(cpuMs(p.plugin)-plugin0, "plugin-cpu-ms")
	b.ReportMetric(childrenCPUMs(p.core)-children0, "reaped-cpu-ms")
	return p
}

func reportPss(b *testing.B, p procs, what string) {
	b.ReportMetric(pssMiB(p.core), "pss-core-"+what+"-MiB")
	b.ReportMetric(pssMiB(p.plugin), "pss-plugin-"+what+"-MiB")
}

// BenchmarkServices1000Oneshot starts 1,000 Type=oneshot ExecStart=/bin/true RemainAfterExit=yes services
// wanted by one target: wall time from `sctl start the.target` to all 1,000 active, the CPU time of the core and
// the service plugin over it, and their PSS afterwards (the plugin is idle before: its PSS is 0 until the first
// service is loaded).
func BenchmarkServices1000Oneshot(b *testing.B) {
	harness.Install(b)
	units := serviceMesh(nServices, "Type=oneshot\nExecStart=/bin/true\nRemainAfterExit=yes\n")
	for i := 0; i < b.N; i++ {
		s := harness.Start(b, harness.Options{Units: units})
		s.WaitActive("multi-user.target", "active", 30*time.Second)
		c := dial(b, s)
		reportPss(b, findProcs(b, s), "idle")
		p := startAll(b, s, c)
		reportPss(b, p, "1000")
		poweroff(b, s)
	}
}

// BenchmarkServices1000Simple is the same with 1,000 Type=simple ExecStart=/bin/sleep infinity services, which
// stay running (1,000 processes in 1,000 cgroups): start time, CPU, PSS, and the poweroff that stops them all.
// "log" keeps the default output (StandardOutput=journal: a pipe into the unit's log, read by the core),
// "null" sets StandardOutput=null and StandardError=null, which shows what those pipes cost.
func BenchmarkServices1000Simple(b *testing.B) {
	b.Run("log", func(b *testing.B) { simpleBench(b, "") })
	b.Run("null", func(b *testing.B) { simpleBench(b, "StandardOutput=null\nStandardError=null\n") })
}

func simpleBench(b *testing.B, extra string) {
	harness.Install(b)
	units := serviceMesh(nServices, "ExecStart=/bin/sleep infinity\n"+extra)
	for i := 0; i < b.N; i++ {
		s := harness.Start(b, harness.Options{Units: units})
		s.WaitActive("multi-user.target", "active", 30*time.Second)
		c := dial(b, s)
		reportPss(b, findProcs(b, s), "idle")
		p := startAll(b, s, c)
		reportPss(b, p, "1000")
		poweroff(b, s)
	}
}

const nRestarts = 1000

// restartTimeout bounds one restart: one that takes longer is a hang, reported with the unit's status, the jobs
// and the end of the console.
const restartTimeout = 30 * time.Second

// restartBench runs restartOnce for Type=simple and for Type=exec. A simple service is started as soon as it is
// forked, so a quick restart loop kills most of them while they are still the executor (before exec); an exec
// service is started once its command has been executed, which measures the whole cycle.
func restartBench(b *testing.B, restart func(s *harness.System, c *client.Client) error) {
	for _, typ := range []string{"simple", "exec"} {
		b.Run(typ, func(b *testing.B) { restartOnce(b, typ, restart) })
	}
}

// restartOnce boots a system with one service of type typ, starts it, and restarts it nRestarts times with
// restart; it reports the wall time and the core's and plugin's CPU time per restart.
func restartOnce(b *testing.B, typ string, restart func(s *harness.System, c *client.Client) error) {
	harness.Install(b)
	// Without StartLimitIntervalSec=0 the sixth restart within 10 s would fail, as with systemd.
	units := map[string]string{"r.service": "[Unit]\nStartLimitIntervalSec=0\n[Service]\nType=" + typ + "\nExecStart=/bin/sleep 1000\n"}
	for i := 0; i < b.N; i++ {
		s := harness.Start(b, harness.Options{Units: units})
		s.WaitActive("multi-user.target", "active", 30*time.Second)
		if _, errs, code := s.Sctl("start", "r.service"); code != 0 {
			b.Fatalf("start: exit %d %s", code, errs)
		}
		c := dial(b, s)
		p := findProcs(b, s)
		if p.plugin == 0 {
			b.Fatal("no service plugin")
		}
		first := s.Show("r.service", "MainPID")
		cpu0, plugin0, children0 := cpuMs(p.core), cpuMs(p.plugin), childrenCPUMs(p.core)
		stopPerf := perfRecord(b, p.core)
		start := time.Now()
		for r := 0; r < nRestarts; r++ {
			if err := restart(s, c); err != nil {
				status, _, _ := s.Sctl("status", "r.service")
				jobs, _, _ := s.Sctl("list-jobs")
				console := s.Console()
				console = console[max(0, len(console)-4000):]
				b.Fatalf("restart %d: %v\nstatus:\n%s\njobs:\n%s\nconsole (end):\n%s", r, err, status, jobs, console)
			}
		}
		elapsed := time.Since(start)
		stopPerf()
		b.ReportMetric(float64(elapsed.Microseconds())/1000/nRestarts, "ms/op")
		b.ReportMetric((cpuMs(p.core)-cpu0)/nRestarts, "core-cpu-ms")
		b.ReportMetric((cpuMs(p.plugin)-plugin0)/nRestarts, "plugin-cpu-ms")
		b.ReportMetric((childrenCPUMs(p.core)-children0)/nRestarts, "reaped-cpu-ms")
		b.ReportMetric(elapsed.Seconds(), "s-total")
		if st, pid := s.Show("r.service", "SubState"), s.Show("r.service", "MainPID"); st != "running" || pid == first {
			b.Fatalf("after the restarts: SubState %s, MainPID %s (was %s)", st, pid, first)
		}
		reportPss(b, p, "end")
		poweroff(b, s)
	}
}

// BenchmarkServiceRestartSctl restarts one service 1,000 times with `sctl restart` (each through
// nsenter: two process startups per restart on top of the manager's work).
func BenchmarkServiceRestartSctl(b *testing.B) {
	restartBench(b, func(s *harness.System, _ *client.Client) error {
		// As s.Sctl does, but keeping the process state: a signal is named, not reduced to exit -1.
		ctx, cancel := context.WithTimeout(context.Background(), restartTimeout)
		defer cancel()
		cmd := exec.CommandContext(ctx, "nsenter", "-t", itoa(s.InitPid), "-m", "-p", "--",
			filepath.Join(s.Root, "usr/bin/sctl"), "restart", "r.service")
		out, err := cmd.CombinedOutput()
		if err != nil {
			return fmt.Errorf("%v (%s): %s", err, cmd.ProcessState, out)
		}
		return nil
	})
}

// BenchmarkServiceRestartClient restarts it 1,000 times through sdk/client from the benchmark's process, the
// calls sctl makes (Enqueue, then WaitJobs for the job), so that the figure is the manager's.
func BenchmarkServiceRestartClient(b *testing.B) {
	restartBench(b, func(_ *harness.System, c *client.Client) error {
		ctx, cancel := context.WithTimeout(context.Background(), restartTimeout)
		defer cancel()
		resp, err := c.Enqueue(ctx, &controlv1.EnqueueRequest{Units: []string{"r.service"}, Type: "restart", Manual: true})
		if err != nil {
			return err
		}
		if len(resp.Jobs) == 0 {
			return fmt.Errorf("no job")
		}
		res, err := c.WaitJobs(ctx, &controlv1.WaitJobsRequest{Ids: []uint64{resp.Jobs[0].Id}})
		if err != nil {
			return err
		}
		if len(res.Results) != 1 || res.Results[0].Result != "done" {
			return fmt.Errorf("job result %v", res.Results)
		}
		return nil
	})
}
