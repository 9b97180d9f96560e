package plugin

import (
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// BenchmarkLaunch measures what one plugin launch costs, as a boot pays it six times: from the launch to the
// answer of the plugin's first Handle (the process start, the image's initialisers, go-plugin's handshake on
// both sides, Describe, the first call). It reports the wall time (ms/launch, and ms-ready/launch up to the
// Describe answer) and the CPU both sides spent (cpu-ms/launch; plugin-cpu-ms and host-cpu-ms split it). The
// plugin's CPU is read from /proc before it is stopped; the stop is not counted.
func BenchmarkLaunch(b *testing.B) {
	dir := plugins(b)
	var wall, ready, hostCPU, pluginCPU time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := newManager(b, cfgFor(dir))
		c0 := selfCPU(b)
		t0 := time.Now()
		p, err := m.Get("target")
		if err != nil {
			b.Fatal(err)
		}
		ready += time.Since(t0)
		if _, err := m.Handle("target", []*pb.Item{startItem("a.target")}); err != nil {
			b.Fatal(err)
		}
		wall += time.Since(t0)
		hostCPU += selfCPU(b) - c0
		pluginCPU += procCPU(b, p.Pid)
		b.StopTimer()
		m.StopAll()
		b.StartTimer()
	}
	per := func(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 / float64(b.N) }
	b.ReportMetric(per(wall), "ms/launch")
	b.ReportMetric(per(ready), "ms-ready/launch")
	b.ReportMetric(per(hostCPU+pluginCPU), "cpu-ms/launch")
	b.ReportMetric(per(pluginCPU), "plugin-cpu-ms/launch")
	b.ReportMetric(per(hostCPU), "host-cpu-ms/launch")
}

// selfCPU is the CPU this process has used (user and system).
func selfCPU(t testing.TB) time.Duration {
	var ru unix.Rusage
	if err := unix.Getrusage(unix.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// procCPU is the CPU process pid has used: the sum of its threads' run time in /proc/PID/task/*/schedstat
// (nanoseconds; /proc/PID/stat counts in 10 ms ticks, too coarse for one launch). A Go process keeps its threads.
func procCPU(t testing.TB, pid int) time.Duration {
	dir := "/proc/" + strconv.Itoa(pid) + "/task"
	tasks, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var sum time.Duration
	for _, task := range tasks {
		b, err := os.ReadFile(dir + "/" + task.Name() + "/schedstat")
		if err != nil {
			t.Fatal(err)
		}
		ns, err := strconv.ParseInt(strings.Fields(string(b))[0], 10, 64)
		if err != nil {
			t.Fatal(err)
		}
		sum += time.Duration(ns)
	}
	return sum
}
