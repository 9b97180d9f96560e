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

// vsIdleTimeout is sysmaster's Plugins.IdleTimeoutSec in the benchmark (the default is 30 s): the at-rest figure
// is taken once the plugins it stops are gone and memtrim's quiet period has passed.
const vsIdleTimeout = 5 * time.Second

// vsConfig is system.conf for sysmaster in the benchmark: the installed one's paths, a short idle timeout.
const vsConfig = "[Manager]\nDefaultUnit = \"default.target\"\nUnitPaths = [\"/etc/sysmaster/system\", \"/run/sysmaster/system\", \"/usr/lib/sysmaster/system\"]\n" +
	"[Plugins]\nDir = \"/usr/lib/sysmaster/plugins\"\nIdleTimeoutSec = 5\n"

// manager is what the benchmark needs of either system.
type manager struct {
	ctl  func(args ...string) (string, string, int)
	pids func() []int // the manager's own processes, for their PSS
	// rest returns once the manager is at rest after the runs: sysmaster's idle plugins stopped.
	rest func()
}

// vsFigures are one manager's figures.
type vsFigures struct {
	bootMs, startMs, restartMs, isActiveMs, pssMiB, restMiB float64
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
	var each []string
	for _, pid := range m.pids() {
		f.pssMiB += pssMiB(pid)
		each = append(each, pssParts(pid))
		keepSmaps(pid, "after")
	}
	b.Logf("PSS after the runs (MiB): %s", strings.Join(each, ", "))
	// At rest: both wait the idle timeout and memtrim's quiet period (2 s) with a second to spare, sysmaster until
	// its idle plugins are gone too.
	time.Sleep(vsIdleTimeout + 3*time.Second)
	m.rest()
	each = nil
	for _, pid := range m.pids() {
		f.restMiB += pssMiB(pid)
		each = append(each, pssParts(pid))
		keepSmaps(pid, "rest")
	}
	b.Logf("PSS at rest (MiB): %s", strings.Join(each, ", "))
	return f
}

// pssParts is pid's command name, PSS and its anonymous and file-backed parts in MiB, for the log.
func pssParts(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps_rollup")
	kb := map[string]float64{}
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) == 3 && f[2] == "kB" {
			kb[strings.TrimSuffix(f[0], ":")], _ = strconv.ParseFloat(f[1], 64)
		}
	}
	return fmt.Sprintf("%s %.1f (anon %.1f, file %.1f)", commOf(pid), kb["Pss"]/1024, kb["Pss_Anon"]/1024, kb["Pss_File"]/1024)
}

// keepSmaps copies pid's smaps, as COMM-PID.WHEN.smaps ("after" the runs, at "rest"), into $SYSMASTER_HEAP_PROFILE's
// directory when it is set, beside the heap profiles the processes write there: where a process's PSS goes mapping
// by mapping (text, heap, the checkpoint store's file).
func keepSmaps(pid int, when string) {
	dir := os.Getenv("SYSMASTER_HEAP_PROFILE")
	if dir == "" {
		return
	}
	if b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/smaps"); err == nil {
		os.WriteFile(filepath.Join(dir, fmt.Sprintf("%s-%d.%s.smaps", commOf(pid), pid, when)), b, 0o644)
	}
}

// commOf is pid's command name.
func commOf(pid int) string {
	b, _ := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/comm")
	return strings.TrimSpace(string(b))
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
		theirs := measure(b, manager{ctl: sd.Ctl, pids: func() []int { return []int{sd.InitPid} }, rest: func() {}}, boot)
		sd.Kill()

		boot = time.Now()
		s := harness.Start(b, harness.Options{Units: units, Config: vsConfig, Args: []string{"sysmaster.unit=bench-a.target"}})
		rest := func() {
			if !s.WaitFor(time.Minute, func() bool { return len(sysmasterPids(s)) <= 2 }) {
				out, _, _ := s.Sctl("list-plugins")
				b.Fatalf("plugins still running %s after the runs:\n%s", time.Minute, out)
			}
			time.Sleep(3 * time.Second) // memtrim's quiet period after the stops
		}
		ours := measure(b, manager{ctl: s.Sctl, pids: func() []int { return sysmasterPids(s) }, rest: rest}, boot)
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
		report("rest-MiB", theirs.restMiB, ours.restMiB)
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
