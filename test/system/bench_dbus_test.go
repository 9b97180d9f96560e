package system

import (
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// The D-Bus API beside systemd 252 (docs/performance.md, "The D-Bus API"): both managers in namespaces of their
// own in the same run, with the same units, called by the same client (testdata/dbusbench, godbus, run in each
// one's namespaces on its /run/systemd/private): GetUnit + Get(ActiveState) round trips, and ListUnits with
// 1,000 loaded units.

const dbusBenchTargets = 1000

// dbusBenchUnits: the default target wants dbusBenchTargets empty targets, so that they are all loaded and
// active on both managers.
func dbusBenchUnits() map[string]string {
	units := map[string]string{}
	var names []string
	for i := 0; i < dbusBenchTargets; i++ {
		name := fmt.Sprintf("t-%04d.target", i)
		units[name] = "[Unit]\nDefaultDependencies=no\n"
		names = append(names, name)
	}
	units["bench-d.target"] = "[Unit]\nDefaultDependencies=no\nWants=" + strings.Join(names, " ") + "\n"
	return units
}

// dbusRounds runs dbusbench in the namespace of PID 1 pid: the mean GetUnit + Get(ActiveState) round trip and
// the mean ListUnits call.
func dbusRounds(b *testing.B, bin string, pid, n int) (getUnit, listUnits time.Duration) {
	b.Helper()
	out, err := exec.Command("nsenter", "-t", strconv.Itoa(pid), "-m", "-p", "--", bin, strconv.Itoa(n), "t-0500.target").CombinedOutput()
	if err != nil {
		b.Fatalf("dbusbench: %v: %s", err, out)
	}
	var get, list, units int64
	if _, err := fmt.Sscan(string(out), &get, &list, &units); err != nil || units < dbusBenchTargets {
		b.Fatalf("dbusbench: %q %v", out, err)
	}
	return time.Duration(get), time.Duration(list)
}

func BenchmarkDBusVsSystemd(b *testing.B) {
	if !harness.HaveSystemd() {
		b.Fatalf("systemd is needed: %s", harness.SystemdBinary)
	}
	units := dbusBenchUnits()
	bin := harness.BuildPlugin(b, "test/system/testdata/dbusbench", b.TempDir())
	for i := 0; i < b.N; i++ {
		sd := harness.StartSystemd(b, units, "bench-d.target")
		s := harness.Start(b, harness.Options{Units: units, Args: []string{"sysmaster.unit=bench-d.target"}})
		s.WaitActive("bench-d.target", "active", 60*time.Second)
		for !sdActive(sd, "t-0500.target") {
			time.Sleep(10 * time.Millisecond)
		}
		const n = 2000
		sdGet, sdList := dbusRounds(b, bin, sd.InitPid, n)
		smGet, smList := dbusRounds(b, bin, s.InitPid, n)
		for _, f := range []struct {
			name   string
			sd, sm time.Duration
		}{{"getunit-get-us", sdGet, smGet}, {"listunits-1000-us", sdList, smList}} {
			b.ReportMetric(float64(f.sd.Microseconds()), f.name+"-systemd")
			b.ReportMetric(float64(f.sm.Microseconds()), f.name+"-sysmaster")
			b.ReportMetric(float64(f.sm)/float64(f.sd), f.name+"-ratio")
		}
	}
}

func sdActive(sd *harness.Systemd, unit string) bool {
	out, _, _ := sd.Ctl("is-active", unit)
	return strings.TrimSpace(out) == "active"
}

// BenchmarkDBusBurstVsSystemd: a burst of 1,000 StartUnit calls, then of 1,000 StopUnit calls, of oneshot services
// on /run/systemd/private (testdata/dbusburst, godbus), on one connection, subscribed (each job waited for by its
// JobRemoved) or not (until ListJobs is empty), and spread over 20 connections, beside systemd 252 in the same
// run. systemd did not answer Subscribe on the second connection of a client here (docs/performance.md): the
// burst over 20 connections is not subscribed.
func BenchmarkDBusBurstVsSystemd(b *testing.B) {
	if !harness.HaveSystemd() {
		b.Fatalf("systemd is needed: %s", harness.SystemdBinary)
	}
	units := burstUnitFiles("b")
	units["bench-b.target"] = "[Unit]\nDefaultDependencies=no\n"
	bin := harness.BuildPlugin(b, "test/system/testdata/dbusburst", b.TempDir())
	for i := 0; i < b.N; i++ {
		sd := harness.StartSystemd(b, units, "bench-b.target")
		s := harness.Start(b, harness.Options{Units: units, Args: []string{"sysmaster.unit=bench-b.target"}})
		s.WaitActive("bench-b.target", "active", 60*time.Second)
		for _, c := range []struct {
			name string
			args []string
		}{{"1conn", nil}, {"1conn-sub", []string{"-subscribe"}}, {"20conns", []string{"-conns", "20"}}} {
			for _, m := range []string{"StartUnit", "StopUnit"} {
				args := append(append([]string{}, c.args...), m, "b", strconv.Itoa(burstUnits))
				_, sdDone, err := runBurst(bin, sd.InitPid, args...)
				if err != nil {
					b.Fatalf("systemd: %v", err)
				}
				_, smDone, err := runBurst(bin, s.InitPid, args...)
				if err != nil {
					b.Fatalf("sysmaster: %v", err)
				}
				name := strings.ToLower(strings.TrimSuffix(m, "Unit")) + "-" + c.name + "-ms"
				b.ReportMetric(float64(sdDone.Milliseconds()), name+"-systemd")
				b.ReportMetric(float64(smDone.Milliseconds()), name+"-sysmaster")
				b.ReportMetric(float64(smDone)/float64(sdDone), name+"-ratio")
			}
		}
	}
}

// BenchmarkDBusProperties: a service's properties through the D-Bus API (docs/performance.md, "Unit properties"):
// Get of its MainPID (outside the list-units fast path), GetAll of its Unit and of its Service interface, with
// dbusbench beside the GetUnit + Get(ActiveState) round trip. sysmaster alone: with this service in its
// namespace, systemd 252 stopped answering godbus clients on its private socket here.
func BenchmarkDBusProperties(b *testing.B) {
	units := dbusBenchUnits()
	units["bench-svc.service"] = "[Service]\nExecStartPre=/bin/true\nExecStart=/bin/sleep 1000\n"
	bin := harness.BuildPlugin(b, "test/system/testdata/dbusbench", b.TempDir())
	for i := 0; i < b.N; i++ {
		s := harness.Start(b, harness.Options{Units: units, Args: []string{"sysmaster.unit=bench-d.target"}})
		s.WaitActive("bench-d.target", "active", 60*time.Second)
		if _, errs, code := s.Sctl("start", "bench-svc.service"); code != 0 {
			b.Fatal(errs)
		}
		out, err := exec.Command("nsenter", "-t", strconv.Itoa(s.InitPid), "-m", "-p", "--", bin, "2000", "t-0500.target",
			"bench-svc.service").CombinedOutput()
		if err != nil {
			b.Fatalf("dbusbench: %v: %s", err, out)
		}
		var get, list, units, main, allUnit, nUnit, allService, nService int64
		if _, err := fmt.Sscan(string(out), &get, &list, &units, &main, &allUnit, &nUnit, &allService, &nService); err != nil || main < 0 || allUnit < 0 || allService < 0 {
			b.Fatalf("dbusbench: %q %v", out, err)
		}
		for name, ns := range map[string]int64{"getunit-get-us": get, "get-mainpid-us": main, "getall-unit-us": allUnit, "getall-service-us": allService} {
			b.ReportMetric(float64(ns)/1e3, name)
		}
		b.ReportMetric(float64(nUnit+nService), "getall-props")
	}
}
