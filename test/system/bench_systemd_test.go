package system

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// The side-by-side benchmark of docs/performance.md ("Beside systemd"): sysmaster and systemd 252, each as PID 1
// of a fresh PID+mount namespace on the same host in the same run, with the same units, driven the same way
// (their own client run through nsenter, so a client's start is in every figure on both sides). Absolute times
// mean little on a shared machine; the ratios are the figures.

const (
	vsOneshots = 1000 // half wanted by the default target, half by a second target started afterwards
	vsRestarts = 100
	vsIsActive = 200
)

// vsUnits are the units both managers run: vsOneshots oneshot services (/bin/true, RemainAfterExit=yes,
// DefaultDependencies=no), bench-a.target (the default) wanting and ordered after the first half and a sleep
// service, and bench-b.target wanting and ordered after the second half.
func vsUnits() map[string]string {
	units := map[string]string{
		"sleep.service": "[Unit]\nDefaultDependencies=no\nStartLimitIntervalSec=0\n[Service]\nExecStart=/bin/sleep infinity\n",
	}
	var a, b []string
	for i := 0; i < vsOneshots; i++ {
		name := fmt.Sprintf("u-%04d.service", i)
		units[name] = "[Unit]\nDefaultDependencies=no\n[Service]\nType=oneshot\nExecStart=/bin/true\nRemainAfterExit=yes\n"
		if i < vsOneshots/2 {
			a = append(a, name)
		} else {
			b = append(b, name)
		}
	}
	units["bench-a.target"] = "[Unit]\nDefaultDependencies=no\nWants=sleep.service " + strings.Join(a, " ") +
		"\nAfter=" + strings.Join(a, " ") + "\n"
	units["bench-b.target"] = "[Unit]\nDefaultDependencies=no\nWants=" + strings.Join(b, " ") +
		"\nAfter=" + strings.Join(b, " ") + "\n"
	return units
}

// manager is what the benchmark needs of either system.
type manager struct {
	ctl  func(args ...string) (string, string, int)
	pids func() []int // the manager's own processes, for their PSS
}

// vsFigures are one manager's figures.
type vsFigures struct {
	bootMs, startMs, restartMs, isActiveMs, pssMiB float64
}

// measure drives m through the figures of vsFigures; boot is when the launch began.
func measure(b *testing.B, m manager, boot time.Time) vsFigures {
	b.Helper()
	var f vsFigures
	for {
		if out, _, _ := m.ctl("is-active", "bench-a.target"); strings.TrimSpace(out) == "active" {
			break
		}
		if time.Since(boot) > 2*time.Minute {
			b.Fatal("bench-a.target not active after 2 minutes")
		}
		time.Sleep(5 * time.Millisecond)
	}
	f.bootMs = ms(time.Since(boot))
	start := time.Now()
	if _, errs, code := m.ctl("start", "bench-b.target"); code != 0 {
		b.Fatalf("start bench-b.target: exit %d: %s", code, errs)
	}
	f.startMs = ms(time.Since(start))
	if out, _, _ := m.ctl("is-active", "u-0999.service"); strings.TrimSpace(out) != "active" {
		b.Fatalf("u-0999.service is %q after bench-b.target started", out)
	}
	start = time.Now()
	for i := 0; i < vsRestarts; i++ {
		if _, errs, code := m.ctl("restart", "sleep.service"); code != 0 {
			b.Fatalf("restart sleep.service: exit %d: %s", code, errs)
		}
	}
	f.restartMs = ms(time.Since(start)) / vsRestarts
	start = time.Now()
	for i := 0; i < vsIsActive; i++ {
		if out, _, _ := m.ctl("is-active", "sleep.service"); strings.TrimSpace(out) != "active" {
			b.Fatalf("is-active sleep.service: %q", out)
		}
	}
	f.isActiveMs = ms(time.Since(start)) / vsIsActive
	for _, pid := range m.pids() {
		f.pssMiB += pssMiB(pid)
	}
	return f
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// BenchmarkVsSystemd runs the figures of vsFigures for systemd 252 and for sysmaster, one after the other in each
// iteration, and reports both and their ratios (sysmaster / systemd), and the installed sizes.
func BenchmarkVsSystemd(b *testing.B) {
	if !harness.HaveSystemd() {
		b.Fatalf("%s is not installed (apt-get install systemd)", harness.SystemdBinary)
	}
	root := harness.Install(b)
	units := vsUnits()
	for i := 0; i < b.N; i++ {
		boot := time.Now()
		sd := harness.StartSystemd(b, units, "bench-a.target")
		theirs := measure(b, manager{ctl: sd.Ctl, pids: func() []int { return []int{sd.InitPid} }}, boot)
		sd.Kill()

		boot = time.Now()
		s := harness.Start(b, harness.Options{Units: units, Args: []string{"sysmaster.unit=bench-a.target"}})
		ours := measure(b, manager{ctl: s.Sctl, pids: func() []int { return sysmasterPids(s) }}, boot)
		s.Sctl("poweroff")
		<-s.Exited()

		report := func(name string, sd, sm float64) {
			b.ReportMetric(sd, name+"-systemd")
			b.ReportMetric(sm, name+"-sysmaster")
			b.ReportMetric(sm/sd, name+"-ratio")
		}
		report("boot-ms", theirs.bootMs, ours.bootMs)
		report("start500-ms", theirs.startMs, ours.startMs)
		report("restart-ms", theirs.restartMs, ours.restartMs)
		report("is-active-ms", theirs.isActiveMs, ours.isActiveMs)
		report("pss-MiB", theirs.pssMiB, ours.pssMiB)
	}
	sdSize, err := systemdInstalledMiB()
	if err != nil {
		b.Fatal(err)
	}
	smSize, err := treeMiB(root)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(sdSize, "installed-MiB-systemd")
	b.ReportMetric(smSize, "installed-MiB-sysmaster")
	b.ReportMetric(smSize/sdSize, "installed-MiB-ratio")
}

// sysmasterPids are init, the core and the plugins that run under it.
func sysmasterPids(s *harness.System) []int {
	pids := []int{s.InitPid}
	core := childOf(s.InitPid, "sysmaster")
	if core == 0 {
		return pids
	}
	pids = append(pids, core)
	plugins, _ := os.ReadDir(filepath.Join(s.Root, "usr/lib/sysmaster/plugins"))
	for _, p := range plugins {
		if pid := childOf(core, p.Name()); pid > 0 {
			pids = append(pids, pid)
		}
	}
	return pids
}

// systemdInstalledMiB is the Installed-Size of the three packages that make systemd's PID 1 and systemctl.
func systemdInstalledMiB() (float64, error) {
	out, err := exec.Command("dpkg-query", "-Wf", "${Installed-Size}\n", "systemd", "libsystemd-shared", "libsystemd0").Output()
	if err != nil {
		return 0, fmt.Errorf("dpkg-query: %v", err)
	}
	kib := 0
	for _, f := range strings.Fields(string(out)) {
		n, err := strconv.Atoi(f)
		if err != nil {
			return 0, fmt.Errorf("dpkg-query: %q", out)
		}
		kib += n
	}
	return float64(kib) / 1024, nil
}

// treeMiB is the size of the regular files under dir (make install's tree: binaries, units, configuration).
func treeMiB(dir string) (float64, error) {
	var bytes int64
	err := filepath.Walk(dir, func(_ string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode().IsRegular() {
			bytes += fi.Size()
		}
		return err
	})
	return float64(bytes) / (1 << 20), err
}
