package system

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// nsAlive reports whether pid (as the system's namespace numbers it) runs and is no zombie, through the
// system's own /proc.
func nsAlive(s *harness.System, pid int) bool {
	if pid <= 1 {
		return false
	}
	b, err := os.ReadFile(inRoot(s, "/proc/"+strconv.Itoa(pid)+"/stat"))
	if err != nil {
		return false
	}
	f := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// pluginRow returns list-plugins' row for typ as fields: TYPE BINARY SHA256 PID UNITS VERSION RESTARTS
// SWAPPED STATE….
func pluginRow(t *testing.T, s *harness.System, typ string) []string {
	t.Helper()
	out, errs, code := s.Sctl("list-plugins", "--full")
	if code != 0 {
		t.Fatalf("list-plugins: exit %d %s", code, errs)
	}
	return strings.Fields(rowOf(out, typ))
}

// mainPids returns the MainPID of each unit, read with one sctl show.
func mainPids(t *testing.T, s *harness.System, units []string) map[string]int {
	t.Helper()
	out, errs, code := s.Sctl(append([]string{"show", "-p", "Id,MainPID"}, units...)...)
	if code != 0 {
		t.Fatalf("show: exit %d %s", code, errs)
	}
	pids := map[string]int{}
	id := ""
	for _, line := range strings.Split(out, "\n") {
		if v, ok := strings.CutPrefix(line, "Id="); ok {
			id = v
		} else if v, ok := strings.CutPrefix(line, "MainPID="); ok {
			pids[id], _ = strconv.Atoi(v)
		}
	}
	return pids
}

// replaceFile puts a copy of src at dst the way binaries are upgraded: written beside, renamed over.
// serviceVersion is the variable the service plugin's Describe reports as its version.
const serviceVersion = "github.com/sysmaster/sysmaster/plugins/service.version"

func replaceFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst+".new", b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dst+".new", dst); err != nil {
		t.Fatal(err)
	}
}

// Live swaps of the service plugin while 100 services run: by sctl reload-plugin with a new binary, and by
// daemon-reload after that binary changed on disk. No service notices (same main pids, still running), stop
// works on each afterwards, and binaries that fail their pin or protocol version are refused while the running
// plugin keeps serving.
func TestLivePluginSwapKeepsServicesRunning(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	verA := filepath.Join(t.TempDir(), "service")
	// New versions of the built-in service plugin: the image, which serves the type the core launches it for.
	replaceFile(t, harness.BuildPlugin(t, "cmd/sysmaster", t.TempDir(), "-X "+serviceVersion+"=2.0.0-a"), verA)
	verB := harness.BuildPlugin(t, "cmd/sysmaster", t.TempDir(), "-X "+serviceVersion+"=2.0.0-b")
	other := harness.BuildPlugin(t, "test/system/testdata/otherproto", t.TempDir())
	live := filepath.Join(dir, "service") // the binary swapped in, later replaced on disk
	replaceFile(t, verA, live)

	units := map[string]string{}
	var names []string
	for i := 0; i < 100; i++ {
		n := fmt.Sprintf("s%03d.service", i)
		units[n] = "[Service]\nExecStart=/bin/sleep 1000\n"
		names = append(names, n)
	}
	s := harness.Start(t, harness.Options{Units: units})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl(append([]string{"start"}, names...)...); code != 0 {
		t.Fatalf("start: exit %d %s\n%s", code, errs, s.Console())
	}
	before := mainPids(t, s, names)
	for _, n := range names {
		if !nsAlive(s, before[n]) {
			t.Fatalf("%s: MainPID %d not running", n, before[n])
		}
	}
	row := pluginRow(t, s, "service")
	oldPid, _ := strconv.Atoi(row[3])
	if oldPid <= 1 || row[5] != "1.0.0" {
		t.Fatalf("service plugin before the swap: %v", row)
	}

	// 1. reload-plugin with a new binary. It re-parses the 100 services, the factory rescue.service and
	// emergency.service (loaded with rescue.target and emergency.target, which the factory targets name),
	// sysmaster-udevd.service, sysmaster-udev-trigger.service, sysmaster-hwdb-update.service and
	// sysmaster-update-done.service (pulled in by sysinit.target, skipped in a container) and
	// sysmaster-random-seed.service (enabled in sysinit.target).
	out, errs, code := s.Sctl("reload-plugin", "service", live)
	if code != 0 {
		t.Fatalf("reload-plugin: exit %d %s\n%s", code, errs, s.Console())
	}
	if !strings.Contains(out, fmt.Sprintf("1.0.0 (pid %d) replaced by 2.0.0-a", oldPid)) || !strings.Contains(out, "107 units re-parsed") {
		t.Errorf("reload-plugin says %q", out)
	}
	t.Logf("swap: %s", strings.TrimSpace(out))
	row = pluginRow(t, s, "service")
	newPid, _ := strconv.Atoi(row[3])
	if row[1] != live || row[2] != sha(t, live) || newPid == oldPid || newPid <= 1 || row[4] != "107" || row[5] != "2.0.0-a" || row[6] != "0" || row[7] == "-" ||
		row[8] != "loaded" {
		t.Errorf("list-plugins after the swap: %v", row)
	}
	if !s.WaitFor(5*time.Second, func() bool { return !nsAlive(s, oldPid) }) {
		t.Errorf("the old plugin (pid %d) still runs", oldPid)
	}

	// 2. The binary changes on disk: daemon-reload swaps it.
	replaceFile(t, verB, live)
	if _, errs, code := s.Sctl("daemon-reload"); code != 0 {
		t.Fatalf("daemon-reload: exit %d %s", code, errs)
	}
	row = pluginRow(t, s, "service")
	pidB, _ := strconv.Atoi(row[3])
	if row[5] != "2.0.0-b" || pidB == newPid || row[2] != sha(t, verB) {
		t.Errorf("list-plugins after daemon-reload: %v", row)
	}

	// 3. Refusals: a binary that does not match the pin, one of another protocol. The running plugin serves on.
	s.WriteFile("system.conf", "[Plugin.service]\nSHA256 = \""+sha(t, verB)+"\"\n")
	if _, errs, code := s.Sctl("daemon-reload"); code != 0 {
		t.Fatalf("daemon-reload with the pin: exit %d %s", code, errs)
	}
	_, errs, code = s.Sctl("reload-plugin", "service", verA)
	if code == 0 || !strings.Contains(errs, "pins "+sha(t, verB)) || !strings.Contains(errs, "keeps serving") {
		t.Errorf("reload-plugin with a wrong pin: exit %d %q", code, errs)
	}
	s.WriteFile("system.conf", "")
	if _, errs, code := s.Sctl("daemon-reload"); code != 0 {
		t.Fatalf("daemon-reload without the pin: exit %d %s", code, errs)
	}
	_, errs, code = s.Sctl("reload-plugin", "service", other)
	if code == 0 || !strings.Contains(errs, "protocol version") {
		t.Errorf("reload-plugin with another protocol: exit %d %q", code, errs)
	}
	if row = pluginRow(t, s, "service"); row[3] != strconv.Itoa(pidB) || row[5] != "2.0.0-b" {
		t.Errorf("a refused swap replaced the plugin: %v", row)
	}

	// Every service ran through it all, and every one stops.
	after := mainPids(t, s, names)
	for _, n := range names {
		if after[n] != before[n] || !nsAlive(s, after[n]) {
			t.Errorf("%s: MainPID %d before, %d after (alive %v)", n, before[n], after[n], nsAlive(s, after[n]))
		}
	}
	if _, errs, code := s.Sctl(append([]string{"stop"}, names...)...); code != 0 {
		t.Fatalf("stop: exit %d %s\n%s", code, errs, s.Console())
	}
	// Stopped units nothing references are collected (docs/units.md): ask each, which loads it afresh if so.
	for _, n := range names {
		if st := s.Show(n, "ActiveState"); st != "inactive" {
			t.Errorf("%s not stopped: %s", n, st)
			break
		}
		if nsAlive(s, before[n]) {
			t.Errorf("%s: pid %d survived its stop", n, before[n])
		}
	}
}

// A plugin that crashes on every start is backed off, shown so by list-plugins and sctl status, while the core
// serves on; its held start goes through once the plugin stops crashing.
func TestCrashingPluginIsBackedOff(t *testing.T) {
	t.Parallel()
	fault := harness.BuildPlugin(t, "sdk/sdktest/fault", t.TempDir())
	s := harness.Start(t, harness.Options{
		Config: "[Plugin.fault]\nPath = \"" + fault + "\"\n",
		Units: map[string]string{
			"x.fault":   "[Unit]\nDescription=Crashes\n\n[Fault]\nExit=3\nUnlessExists=/run/crash.ok\n",
			"a.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "--no-block", "x.fault"); code != 0 {
		t.Fatalf("start x.fault: exit %d %s", code, errs)
	}
	var row []string
	if !s.WaitFor(10*time.Second, func() bool {
		row = pluginRow(t, s, "fault")
		return len(row) > 8 && row[8] == "backoff"
	}) {
		t.Fatalf("never backed off: %v\n%s", row, s.Console())
	}
	if row[3] != "-" || !strings.Contains(strings.Join(row, " "), "crashes in") {
		t.Errorf("list-plugins: %v", row)
	}
	// The core serves on: other units, other calls.
	start := time.Now()
	if _, errs, code := s.Sctl("list-units"); code != 0 || time.Since(start) > 2*time.Second {
		t.Errorf("list-units: exit %d %s (%v)", code, errs, time.Since(start))
	}
	if _, errs, code := s.Sctl("start", "a.service"); code != 0 {
		t.Errorf("start a.service while crash is backed off: exit %d %s", code, errs)
	}
	out, _, _ := s.Sctl("status", "x.fault")
	if !strings.Contains(out, "Plugin: fault plugin backoff (") || !strings.Contains(out, "events held for this unit") {
		t.Errorf("status does not say the plugin is backed off:\n%s", out)
	}
	if st := s.Show("x.fault", "ActiveState"); st != "inactive" {
		t.Errorf("x.fault is %s", st)
	}
	if j := s.Show("x.fault", "Job"); !strings.HasSuffix(j, "start") {
		t.Errorf("the start job is gone: %q", j)
	}
	// It stops crashing: the held start is delivered when the backoff ends.
	if err := os.WriteFile(inRoot(s, "/run/crash.ok"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.WaitActive("x.fault", "active", 70*time.Second)
	row = pluginRow(t, s, "fault")
	if restarts, _ := strconv.Atoi(row[6]); row[8] != "loaded" || restarts < 4 {
		t.Errorf("after recovery: %v", row)
	}
	if c := strings.Count(s.Console(), "plugin keeps crashing; backing off"); c == 0 || c > 10 {
		t.Errorf("%d backoffs logged", c)
	}
}

// With IdleTimeoutSec=1 a plugin with nothing to do is stopped, and launched again when a unit of its type
// needs it; the services it served run on meanwhile.
func TestIdlePluginIsStoppedAndRelaunched(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{
		Config: "[Plugins]\nIdleTimeoutSec = 1\n",
		Units: map[string]string{
			"a.service": "[Service]\nExecStart=/bin/sleep 1000\n",
			"b.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "a.service"); code != 0 {
		t.Fatalf("start: exit %d %s", code, errs)
	}
	first := pluginPid(s, "service")
	main, _ := strconv.Atoi(s.Show("a.service", "MainPID"))
	for _, typ := range []string{"service", "target"} {
		var row []string
		if !s.WaitFor(10*time.Second, func() bool { row = pluginRow(t, s, typ); return len(row) > 8 && row[8] == "idle" }) {
			t.Fatalf("%s plugin not stopped when idle: %v", typ, row)
		}
		if row[3] != "-" || row[6] != "0" {
			t.Errorf("idle %s plugin: %v", typ, row)
		}
	}
	if !s.WaitFor(5*time.Second, func() bool { return !nsAlive(s, first) }) {
		t.Errorf("idle plugin pid %d still runs", first)
	}
	if !nsAlive(s, main) || s.Show("a.service", "ActiveState") != "active" {
		t.Fatalf("a.service suffered from the idle stop")
	}
	// On demand: a start and a stop launch it again.
	if _, errs, code := s.Sctl("start", "b.service"); code != 0 || s.Show("b.service", "ActiveState") != "active" {
		t.Fatalf("start b.service on demand: exit %d %s", code, errs)
	}
	if p := pluginPid(s, "service"); p == 0 || p == first {
		t.Errorf("service plugin pid %d after the on-demand start (first %d)", p, first)
	}
	if _, errs, code := s.Sctl("stop", "a.service"); code != 0 || s.Show("a.service", "ActiveState") != "inactive" || nsAlive(s, main) {
		t.Errorf("stop a.service: exit %d %s", code, errs)
	}
}

// The embedded profile allows services, targets, mounts and devices only: a .socket loads as not-found with
// a message naming the profile. A profile of one's own in /etc/sysmaster/profiles adds a third-party type.
func TestPluginProfiles(t *testing.T) {
	t.Parallel()
	run := harness.BuildPlugin(t, "sdk/examples/run", t.TempDir())
	s := harness.Start(t, harness.Options{
		Config: "[Plugins]\nProfile = \"embedded\"\n",
		Units: map[string]string{
			"x.socket":  "[Socket]\nListenStream=/run/x.sock\n",
			"a.service": "[Service]\nExecStart=/bin/sleep 1000\n",
			"hello.run": helloRun,
		},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	_, errs, code := s.Sctl("start", "x.socket")
	if code == 0 || !strings.Contains(errs, `not allowed by plugin profile "embedded"`) {
		t.Errorf("start x.socket: exit %d %q", code, errs)
	}
	if ls, le := s.Show("x.socket", "LoadState"), s.Show("x.socket", "LoadError"); ls != "not-found" ||
		!strings.Contains(le, `profile "embedded" (/usr/lib/sysmaster/profiles/embedded.conf)`) {
		t.Errorf("x.socket: %s, %q", ls, le)
	}
	if _, errs, code := s.Sctl("start", "a.service"); code != 0 {
		t.Errorf("start a.service: exit %d %s", code, errs)
	}
	out, _, _ := s.Sctl("list-plugins")
	for _, typ := range []string{"service", "target", "mount", "device"} {
		if rowOf(out, typ) == "" {
			t.Errorf("list-plugins lacks %s:\n%s", typ, out)
		}
	}
	if rowOf(out, "run") != "" || rowOf(out, "socket") != "" {
		t.Errorf("list-plugins shows types the profile refuses:\n%s", out)
	}

	// A device's own profile, with a third-party type pinned in it.
	s.WriteFile("profiles/mydevice.conf", "[Profile]\nTypes = [\"service\", \"target\", \"run\"]\n\n[Plugin.run]\nPath = \""+run+
		"\"\nSHA256 = \""+sha(t, run)+"\"\n")
	s.WriteFile("system.conf", "[Plugins]\nProfile = \"mydevice\"\n")
	if _, errs, code := s.Sctl("daemon-reload"); code != 0 {
		t.Fatalf("daemon-reload: exit %d %s", code, errs)
	}
	if _, errs, code := s.Sctl("start", "hello.run"); code != 0 {
		t.Errorf("start hello.run under mydevice: exit %d %s\n%s", code, errs, s.Console())
	}
	if le := s.Show("x.socket", "LoadError"); !strings.Contains(le, `profile "mydevice"`) {
		t.Errorf("x.socket under mydevice: %q", le)
	}
}
