package system

import (
	"maps"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// memoryLimit reads the memory limit of the cgroup at cg (as ControlGroup shows it, relative to the tracking
// hierarchy): memory.limit_in_bytes on a v1 memory hierarchy, where the system's root sits below the memory
// cgroup the test runs in, or memory.max on v2.
func memoryLimit(t *testing.T, cg string) string {
	t.Helper()
	own := ""
	if b, err := os.ReadFile("/proc/self/cgroup"); err == nil {
		for _, line := range strings.Split(string(b), "\n") {
			if f := strings.SplitN(line, ":", 3); len(f) == 3 && strings.Contains(","+f[1]+",", ",memory,") {
				own = strings.TrimSuffix(f[2], "/")
			}
		}
	}
	for _, f := range []string{"/sys/fs/cgroup/memory" + own + cg + "/memory.limit_in_bytes", "/sys/fs/cgroup" + cg + "/memory.max"} {
		if b, err := os.ReadFile(f); err == nil {
			return strings.TrimSpace(string(b))
		}
	}
	t.Fatalf("no memory limit file for %s", cg)
	return ""
}

// A service in batch.slice with MemoryMax= set on the slice (not on the service) is OOM-contained at the slice:
// the limit is in the slice's cgroup, the service's cgroup is below it, and the service that fills 200 MB is
// killed by the OOM killer.
func TestSliceMemoryMaxContainsService(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"batch.slice": "[Slice]\nMemoryMax=32M\n",
		"hog.service": "[Service]\nSlice=batch.slice\nExecStart=/usr/bin/python3 -c " +
			"'import time; x = [b\"\\\\x01\" * (1 << 20) for i in range(200)]; print(\"allocated\", len(x)); time.sleep(1000)'\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.Sctl("start", "hog.service")
	if st := s.Show("batch.slice", "ActiveState"); st != "active" {
		t.Fatalf("batch.slice is %s: the service's Requires= on its slice did not start it", st)
	}
	slice, svc := s.Show("batch.slice", "ControlGroup"), s.Show("hog.service", "ControlGroup")
	if !strings.HasSuffix(slice, "/batch.slice") || svc != slice+"/hog.service" {
		t.Fatalf("ControlGroup: slice %q, service %q", slice, svc)
	}
	if got := memoryLimit(t, slice); got != "33554432" {
		t.Errorf("the slice's memory limit is %s, want 33554432", got)
	}
	if !s.WaitFor(20*time.Second, func() bool { return s.Show("hog.service", "ActiveState") == "failed" }) {
		logs, _, _ := s.Sctl("logs", "hog.service")
		t.Fatalf("hog: %s/%s\n%s", s.Show("hog.service", "ActiveState"), s.Show("hog.service", "SubState"), logs)
	}
	logs, _, _ := s.Sctl("logs", "hog.service")
	if strings.Contains(logs, "allocated 200") {
		t.Errorf("the service got its 200 MB under the slice's MemoryMax=32M:\n%s", logs)
	}
	if r := s.Show("hog.service", "Result"); r != "oom-kill" {
		t.Errorf("Result %s, want oom-kill\n%s", r, logs)
	}
}

// The hierarchy comes from the names: a service in a-b-c.slice (which has no file) sits in
// a.slice/a-b.slice/a-b-c.slice, each slice pulled in by the one below; an instance of a template goes in
// system-PREFIX.slice; `sctl status` of a slice draws the units below it; stopping a slice stops its units.
func TestSliceHierarchy(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"deep.service":  "[Service]\nSlice=a-b-c.slice\nExecStart=/bin/sleep 1000\n",
		"inst@.service": "[Service]\nExecStart=/bin/sleep 1000\n",
		"bad.service":   "[Service]\nSlice=not-a-slice.service\nExecStart=/bin/sleep 1000\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "deep.service", "inst@one.service", "bad.service"); code != 0 {
		t.Fatalf("start: %d %s", code, errs)
	}
	for _, sl := range []string{"a.slice", "a-b.slice", "a-b-c.slice", "system.slice", "system-inst.slice"} {
		if st := s.Show(sl, "ActiveState"); st != "active" {
			t.Errorf("%s is %s", sl, st)
		}
	}
	if sl := s.Show("deep.service", "Slice"); sl != "a-b-c.slice" {
		t.Errorf("deep.service Slice=%q", sl)
	}
	if sl := s.Show("a-b.slice", "Slice"); sl != "a.slice" {
		t.Errorf("a-b.slice Slice=%q", sl)
	}
	cg := s.Show("deep.service", "ControlGroup")
	if !strings.HasSuffix(cg, "/a.slice/a-b.slice/a-b-c.slice/deep.service") {
		t.Errorf("deep.service ControlGroup %q", cg)
	}
	if cg := s.Show("inst@one.service", "ControlGroup"); !strings.HasSuffix(cg, "/system.slice/system-inst.slice/inst@one.service") {
		t.Errorf("inst@one.service ControlGroup %q", cg)
	}
	// An invalid Slice= is a warning in the unit's log and the default slice stands.
	if cg := s.Show("bad.service", "ControlGroup"); !strings.HasSuffix(cg, "/system.slice/bad.service") {
		t.Errorf("bad.service ControlGroup %q", cg)
	}
	if logs, _, _ := s.Sctl("logs", "bad.service"); !strings.Contains(logs, "not a valid slice unit name") {
		t.Errorf("no warning about Slice=:\n%s", logs)
	}
	pid := s.Show("deep.service", "MainPID")
	out, _, _ := s.Sctl("status", "a.slice")
	for _, want := range []string{"a.slice", "└─a-b.slice", "└─a-b-c.slice", "└─deep.service", pid + " /bin/sleep 1000"} {
		if !strings.Contains(out, want) {
			t.Errorf("status a.slice lacks %q:\n%s", want, out)
		}
	}
	if _, errs, code := s.Sctl("stop", "a.slice"); code != 0 {
		t.Fatalf("stop a.slice: %d %s", code, errs)
	}
	for _, u := range []string{"deep.service", "a-b-c.slice", "a-b.slice", "a.slice"} {
		if st := s.Show(u, "ActiveState"); st != "inactive" {
			t.Errorf("after stopping a.slice, %s is %s", u, st)
		}
	}
	if st := s.Show("inst@one.service", "ActiveState"); st != "active" {
		t.Errorf("inst@one.service is %s: stopping a.slice reached beyond it", st)
	}
}

// random-seed is a boot service: enabled by default, it loads the seed before sysinit.target (and saves a fresh
// one at once), and poweroff saves another.
func TestRandomSeedBootAndPoweroff(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	waitState(t, s, "sysmaster-random-seed.service", "active/exited", 5*time.Second)
	if before := s.Show("sysmaster-random-seed.service", "Before"); !strings.Contains(before, "sysinit.target") {
		t.Errorf("Before=%s", before)
	}
	seedFile := s.VarLib + "/random-seed"
	fi, err := os.Stat(seedFile)
	if err != nil || fi.Size() != 512 || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the seed after boot: %v %v", fi, err)
	}
	booted, _ := os.ReadFile(seedFile)
	s.Sctl("poweroff")
	select {
	case <-s.Exited():
	case <-time.After(30 * time.Second):
		t.Fatalf("no poweroff; console:\n%s", s.Console())
	}
	saved, err := os.ReadFile(seedFile)
	if err != nil || len(saved) != 512 || string(saved) == string(booted) {
		t.Fatalf("poweroff saved no new seed (%d bytes, %v)", len(saved), err)
	}
}

// random-seed credits only a seed it wrote itself, outside the first boot: the first boot mixes the seed in
// uncredited, the next boot of the same machine credits the seed the first saved, and a seed file others could
// read is fixed to 0600 and not credited.
func TestRandomSeedCreditsOnlyATrustedSeed(t *testing.T) {
	t.Parallel()
	seedLog := func(s *harness.System, want string) {
		t.Helper()
		if !s.WaitFor(10*time.Second, func() bool {
			out, _, _ := s.Sctl("logs", "sysmaster-random-seed.service")
			return strings.Contains(out, want)
		}) {
			out, _, _ := s.Sctl("logs", "sysmaster-random-seed.service")
			t.Fatalf("the seed's log never said %q:\n%s", want, out)
		}
	}
	first := harness.Start(t, harness.Options{FirstBoot: true})
	seedFile := first.VarLib + "/random-seed"
	waitState(t, first, "sysmaster-random-seed.service", "active/exited", 10*time.Second)
	// The restart saves a marked seed and loads it again: still the first boot, so it is not trusted.
	first.Sctl("restart", "sysmaster-random-seed.service")
	seedLog(first, "not credited: first boot")
	first.Sctl("poweroff")
	<-first.Exited()

	second := harness.Start(t, harness.Options{VarLib: first.VarLib})
	waitState(t, second, "sysmaster-random-seed.service", "active/exited", 10*time.Second)
	seedLog(second, "Seed of 512 bytes credited to the kernel's entropy pool.")

	// Stopped, the unit saves (0600 forced); the file is then opened to others before the next load.
	second.Sctl("stop", "sysmaster-random-seed.service")
	if err := os.Chmod(seedFile, 0o644); err != nil {
		t.Fatal(err)
	}
	second.Sctl("start", "sysmaster-random-seed.service")
	seedLog(second, "mode 0644 owner 0:0, fixed to 0600 root:root; its seed is not credited.")
	if fi, err := os.Stat(seedFile); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the seed file after the fix: %v %v", fi, err)
	}
}

// TestFreezeSlice freezes a slice as systemd 252 does (slice_freezer_action): the units in it that run, and those
// of a slice below it, are frozen with it and each reports FreezerState=frozen, a unit of the slice that never
// ran stays running; thaw (Debian's systemctl, through the D-Bus ThawUnit) lets them run again. A slice that holds
// a socket (no freezer in systemd 252) and the root slice are refused.
func TestFreezeSlice(t *testing.T) {
	t.Parallel()
	busy := "[Service]\nExecStart=/bin/sh -c 'while :; do :; done'\nSlice="
	units := maps.Clone(busUnits) // systemctl freeze and thaw need the system bus
	units["a.service"] = busy + "batch.slice\n"
	units["b.service"] = busy + "batch-sub.slice\n"
	units["idle.service"] = busy + "batch.slice\n"
	units["l.socket"] = "[Socket]\nListenStream=/run/l.sock\nSlice=sock.slice\n"
	units["l.service"] = "[Service]\nExecStart=/bin/sleep 1000\n"
	s := harness.Start(t, harness.Options{Units: units, Env: []string{"DBUS_SYSTEM_BUS_ADDRESS=" + testBus}})
	s.WriteFile("bus.conf", busConfig)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "dbus.service")
	waitBusName(t, s)
	mustSctl(t, s, "start", "a.service", "b.service", "l.socket")
	s.Sctl("status", "idle.service") // loaded, never started
	pids := []string{s.Show("a.service", "MainPID"), s.Show("b.service", "MainPID")}
	for _, pid := range pids {
		if !s.WaitFor(10*time.Second, func() bool { return procStateOf(t, s, pid) == "R" }) {
			t.Fatalf("busy loop %s does not run: %s", pid, procStateOf(t, s, pid))
		}
	}
	for _, bad := range []string{"sock.slice", "-.slice"} {
		if _, errs, code := s.Sctl("freeze", "--", bad); code != 1 || !strings.Contains(errs, "does not support freezing") {
			t.Errorf("freeze %s: exit %d %q", bad, code, errs)
		}
	}
	states := func() map[string]string {
		out := map[string]string{}
		for _, u := range []string{"batch.slice", "batch-sub.slice", "a.service", "b.service", "idle.service"} {
			out[u] = s.Show(u, "FreezerState")
		}
		return out
	}
	mustSctl(t, s, "freeze", "batch.slice")
	want := map[string]string{"batch.slice": "frozen", "batch-sub.slice": "frozen", "a.service": "frozen", "b.service": "frozen", "idle.service": "running"}
	if got := states(); !maps.Equal(got, want) {
		t.Errorf("FreezerState after freeze batch.slice: %v, want %v", got, want)
	}
	for _, pid := range pids {
		if st := procStateOf(t, s, pid); st == "R" {
			t.Errorf("a busy loop of the frozen slice is runnable (%s)", st)
		}
	}
	mustSystemctl(t, s, "thaw", "batch.slice")
	for u := range want {
		want[u] = "running"
	}
	if got := states(); !maps.Equal(got, want) {
		t.Errorf("FreezerState after systemctl thaw batch.slice: %v, want %v", got, want)
	}
	for _, pid := range pids {
		if !s.WaitFor(10*time.Second, func() bool { return procStateOf(t, s, pid) == "R" }) {
			t.Errorf("busy loop %s does not run after thaw: %s", pid, procStateOf(t, s, pid))
		}
	}
	// Debian's systemctl freezes a slice through the D-Bus FreezeUnit the same way.
	mustSystemctl(t, s, "freeze", "batch-sub.slice")
	if st, a := s.Show("b.service", "FreezerState"), s.Show("a.service", "FreezerState"); st != "frozen" || a != "running" {
		t.Errorf("after systemctl freeze batch-sub.slice: b.service %s, a.service %s", st, a)
	}
	mustSctl(t, s, "thaw", "batch-sub.slice")
	if st := s.Show("b.service", "FreezerState"); st != "running" {
		t.Errorf("b.service after thaw of its slice: %s", st)
	}
}
