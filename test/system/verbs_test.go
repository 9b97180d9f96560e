package system

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Issue 15's manager verbs through the installed sctl: freeze, thaw, clean, log-level, log-target,
// service-watchdogs, exit and kexec.

// procStateOf is the state letter of pid in the system's /proc.
func procStateOf(t *testing.T, s *harness.System, pid string) string {
	t.Helper()
	b, err := s.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		t.Fatal(err)
	}
	return strings.Fields(b[strings.LastIndexByte(b, ')')+1:])[0]
}

// TestFreezeThaw freezes a busy service: its cgroup says frozen, its process is not runnable, FreezerState and
// status say so, also after a daemon-reexec; thaw makes it run again; a stop of a frozen unit thaws it first.
func TestFreezeThaw(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"busy.service": "[Service]\nExecStart=/bin/sh -c 'while :; do :; done'\n",
	}})
	if _, errs, code := s.Sctl("freeze", "busy.service"); code != 1 || !strings.Contains(errs, "Failed to freeze unit busy.service: Unit is inactive.") {
		t.Errorf("freeze of an inactive unit: exit %d %q", code, errs)
	}
	if _, errs, code := s.Sctl("freeze", "multi-user.target"); code != 1 || !strings.Contains(errs, "does not support freezing") {
		t.Errorf("freeze of a target: exit %d %q", code, errs)
	}
	mustSctl(t, s, "start", "busy.service")
	pid := s.Show("busy.service", "MainPID")
	if !s.WaitFor(10*time.Second, func() bool { return procStateOf(t, s, pid) == "R" }) {
		t.Fatalf("the busy loop does not run: %s", procStateOf(t, s, pid))
	}
	mustSctl(t, s, "freeze", "busy.service")
	if st := s.Show("busy.service", "FreezerState"); st != "frozen" {
		t.Errorf("FreezerState after freeze: %q", st)
	}
	// The kernel's view: the cgroup2 cgroup.freeze (or the v1 freezer.state) of the unit's cgroup.
	cg := s.Show("busy.service", "ControlGroup")
	var kernel string
	for _, f := range []string{"/sys/fs/cgroup/unified" + cg + "/cgroup.events", "/sys/fs/cgroup" + cg + "/cgroup.events", "/sys/fs/cgroup/freezer" + cg + "/freezer.state"} {
		if b, err := os.ReadFile(f); err == nil {
			kernel = f + ": " + string(b)
			break
		}
	}
	if !strings.Contains(kernel, "frozen 1") && !strings.Contains(kernel, "FROZEN") {
		t.Errorf("the kernel does not say the cgroup %s is frozen: %q", cg, kernel)
	}
	if st := procStateOf(t, s, pid); st == "R" {
		t.Errorf("a frozen busy loop is runnable (%s)", st)
	}
	if out, _, _ := s.Sctl("status", "busy.service"); !strings.Contains(out, "Active: active (running) (frozen) since") {
		t.Errorf("status of a frozen unit:\n%s", out)
	}
	// The state is the kernel's: a core that re-executed knows it, and thaws.
	mustSctl(t, s, "daemon-reexec")
	if st := s.Show("busy.service", "FreezerState"); st != "frozen" {
		t.Errorf("FreezerState after daemon-reexec: %q", st)
	}
	mustSctl(t, s, "thaw", "busy.service")
	if st := s.Show("busy.service", "FreezerState"); st != "running" {
		t.Errorf("FreezerState after thaw: %q", st)
	}
	if !s.WaitFor(10*time.Second, func() bool { return procStateOf(t, s, pid) == "R" }) {
		t.Errorf("the thawed loop does not run: %s", procStateOf(t, s, pid))
	}
	// A frozen unit stops: the core thaws it before its plugin signals it.
	mustSctl(t, s, "freeze", "busy.service")
	mustSctl(t, s, "stop", "busy.service")
	if st := s.Show("busy.service", "ActiveState"); st != "inactive" {
		t.Errorf("stop of a frozen unit: %s", st)
	}
}

// TestClean removes the directories of an inactive unit by kind, and refuses an active one.
func TestClean(t *testing.T) {
	t.Parallel()
	tag := fmt.Sprintf("sysmaster-clean-%d", os.Getpid())
	t.Cleanup(func() {
		for _, d := range []string{"/var/lib/", "/var/cache/", "/var/log/"} {
			os.RemoveAll(d + tag)
		}
	})
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"dirs.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nRuntimeDirectory=" + tag + "\nRuntimeDirectoryPreserve=yes\n" +
			"StateDirectory=" + tag + "\nCacheDirectory=" + tag + "\nLogsDirectory=" + tag + "\nExecStart=/bin/true\n",
		"none.service": "[Service]\nType=oneshot\nExecStart=/bin/true\n",
	}})
	exists := func(p string) bool {
		_, err := os.Stat(filepath.Join("/proc", strconv.Itoa(s.InitPid), "root", p))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		return err == nil
	}
	mustSctl(t, s, "start", "dirs.service")
	for _, d := range []string{"/run/", "/var/lib/", "/var/cache/", "/var/log/"} {
		if !exists(d + tag) {
			t.Fatalf("%s%s was not made", d, tag)
		}
	}
	if _, errs, code := s.Sctl("clean", "dirs.service"); code != 1 || !strings.Contains(errs, "Failed to clean unit dirs.service: Unit is not inactive or has pending job.") {
		t.Errorf("clean of an active unit: exit %d %q", code, errs)
	}
	mustSctl(t, s, "stop", "dirs.service")
	if !exists("/run/" + tag) {
		t.Fatal("RuntimeDirectoryPreserve=yes: the runtime directory went with the stop")
	}
	// Without --what=: cache and runtime, as systemctl.
	mustSctl(t, s, "clean", "dirs.service")
	if exists("/run/"+tag) || exists("/var/cache/"+tag) || !exists("/var/lib/"+tag) || !exists("/var/log/"+tag) {
		t.Errorf("clean: runtime %v cache %v state %v logs %v", exists("/run/"+tag), exists("/var/cache/"+tag), exists("/var/lib/"+tag), exists("/var/log/"+tag))
	}
	mustSctl(t, s, "clean", "--what=logs", "dirs.service")
	if exists("/var/log/"+tag) || !exists("/var/lib/"+tag) {
		t.Errorf("clean --what=logs: logs %v state %v", exists("/var/log/"+tag), exists("/var/lib/"+tag))
	}
	mustSctl(t, s, "clean", "--what=all", "dirs.service")
	if exists("/var/lib/" + tag) {
		t.Errorf("clean --what=all left the state directory")
	}
	if _, errs, code := s.Sctl("clean", "none.service"); code != 1 || !strings.Contains(errs, "No matching resources found.") {
		t.Errorf("clean of a unit without directories: exit %d %q", code, errs)
	}
	if _, errs, code := s.Sctl("clean", "--what=bogus", "dirs.service"); code != 1 || !strings.Contains(errs, "bogus") {
		t.Errorf("clean --what=bogus: exit %d %q", code, errs)
	}
}

// TestLogLevelAndTarget: log-level and log-target read and change what the core writes; a reload's info line is
// the probe, and a second reload at the old level is the barrier that shows the first was not written.
func TestLogLevelAndTarget(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	const probe = "reloaded unit files and configuration"
	reloaded := func() int { return strings.Count(s.Console(), probe) }
	waitReloads := func(n int) {
		t.Helper()
		if !s.WaitFor(10*time.Second, func() bool { return reloaded() >= n }) {
			t.Fatalf("%d reload lines, want %d", reloaded(), n)
		}
	}
	if out := mustSctl(t, s, "log-level"); out != "info\n" {
		t.Errorf("log-level: %q", out)
	}
	if out := mustSctl(t, s, "log-target"); out != "console\n" {
		t.Errorf("log-target: %q", out)
	}
	mustSctl(t, s, "daemon-reload")
	waitReloads(1)

	mustSctl(t, s, "log-level", "warning")
	if out := mustSctl(t, s, "log-level"); out != "warning\n" {
		t.Errorf("log-level after log-level warning: %q", out)
	}
	mustSctl(t, s, "daemon-reload")  // not logged
	mustSctl(t, s, "log-level", "6") // info, by number
	mustSctl(t, s, "daemon-reload")
	waitReloads(2)
	if n := reloaded(); n != 2 {
		t.Errorf("at level warning the core logged an info line (%d reload lines)", n)
	}
	mustSctl(t, s, "log-target", "null")
	mustSctl(t, s, "daemon-reload") // not logged
	mustSctl(t, s, "log-target", "console")
	mustSctl(t, s, "daemon-reload")
	waitReloads(3)
	if n := reloaded(); n != 3 {
		t.Errorf("with log-target null the core logged (%d reload lines)", n)
	}
	mustSctl(t, s, "log-level", "debug")
	mustSctl(t, s, "daemon-reexec") // kept in the checkpoint
	if out := mustSctl(t, s, "log-level"); out != "debug\n" {
		t.Errorf("log-level after daemon-reexec: %q", out)
	}
	if _, errs, code := s.Sctl("log-level", "loud"); code != 1 || !strings.Contains(errs, "Invalid log level 'loud'") {
		t.Errorf("log-level loud: exit %d %q", code, errs)
	}
	if _, errs, code := s.Sctl("log-target", "journal"); code != 1 || !strings.Contains(errs, "Invalid log target 'journal'") {
		t.Errorf("log-target journal: exit %d %q", code, errs)
	}
}

// TestServiceWatchdogs: with service-watchdogs off a missed WatchdogSec= is logged and ignored; on again, it
// is enforced.
func TestServiceWatchdogs(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"dog.service": "[Service]\nWatchdogSec=300ms\nExecStart=/bin/sleep 1000\n",
	}})
	if out := mustSctl(t, s, "service-watchdogs"); out != "yes\n" {
		t.Errorf("service-watchdogs: %q", out)
	}
	mustSctl(t, s, "service-watchdogs", "no")
	mustSctl(t, s, "start", "dog.service")
	if !s.WaitFor(10*time.Second, func() bool {
		out, _, _ := s.Sctl("logs", "dog.service")
		return strings.Contains(out, "Watchdog disabled! Ignoring watchdog timeout")
	}) {
		out, _, _ := s.Sctl("logs", "dog.service")
		t.Fatalf("no ignored watchdog timeout logged:\n%s", out)
	}
	if st := s.Show("dog.service", "ActiveState"); st != "active" {
		t.Errorf("with service watchdogs off the unit is %s", st)
	}
	mustSctl(t, s, "service-watchdogs", "yes")
	mustSctl(t, s, "restart", "dog.service")
	s.WaitActive("dog.service", "failed", 10*time.Second)
	if r := s.Show("dog.service", "Result"); r != "watchdog" {
		t.Errorf("Result with watchdogs on: %q", r)
	}
}

// TestExitAndKexec: exit ends a manager in a container (the harness's PID namespace) through exit.target, and
// init exits with status 0 (no ExitCode set); kexec without a kernel it can load fails with systemctl's message
// and changes nothing (the load step itself: cmd/sctl/cli's TestLoadKexecKernel).
func TestExitAndKexec(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	// sctl kexec first tries to load the default boot loader entry's kernel, as systemctl: this host has no
	// kexec-tools or no boot loader entries, and the kexec is refused with systemctl's message for either.
	if _, errs, code := s.Sctl("kexec"); code != 1 || !strings.Contains(errs, "/sbin/kexec is not available") && !strings.Contains(errs, "No kexec kernel loaded") {
		t.Errorf("kexec without a kernel: exit %d %q", code, errs)
	}
	if st := s.Show("kexec.target", "ActiveState"); st != "inactive" {
		t.Errorf("kexec.target after a refused kexec: %s", st)
	}
	if _, errs, code := s.Sctl("exit", "256"); code != 1 || !strings.Contains(errs, "Invalid exit code.") {
		t.Errorf("exit 256: exit %d %q", code, errs)
	}
	mustSctl(t, s, "exit")
	waitExited(t, s)
	if !strings.Contains(s.Console(), "Reached target exit.target") || !strings.Contains(s.Console(), "final stage: exit") {
		t.Errorf("exit did not go through exit.target:\n%s", s.Console())
	}
	if code := s.ExitCode(); code != 0 {
		t.Errorf("init's exit status after sctl exit: %d, want 0", code)
	}
}

// TestExitCode: sctl exit 42 and Debian's systemctl exit 7 (SetExitCode, then exit.target) end the container,
// and the namespace's init exits with that code; the manager's ExitCode property shows it meanwhile.
func TestExitCode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		code int
		exit func(t *testing.T, s *harness.System)
	}{
		{"sctl", 42, func(t *testing.T, s *harness.System) { mustSctl(t, s, "exit", "42") }},
		{"systemctl", 7, func(t *testing.T, s *harness.System) {
			if out, errs, _ := inNS(t, s, 0, "/usr/bin/busctl", "--address=unix:path=/run/systemd/private", "get-property",
				"org.freedesktop.systemd1", "/org/freedesktop/systemd1", "org.freedesktop.systemd1.Manager", "ExitCode"); out != "y 0\n" {
				t.Errorf("the D-Bus property ExitCode: %q %s", out, errs)
			}
			if _, _, code := systemctl(t, s, "exit", "7"); code != 0 {
				t.Errorf("systemctl exit 7: exit %d", code)
			}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := harness.Start(t, harness.Options{})
			if out := mustSctl(t, s, "show", "-p", "ExitCode"); out != "ExitCode=0\n" {
				t.Errorf("ExitCode before exit: %q", out)
			}
			tc.exit(t, s)
			waitExited(t, s)
			if code := s.ExitCode(); code != tc.code {
				t.Errorf("init's exit status: %d, want %d; console:\n%s", code, tc.code, s.Console())
			}
		})
	}
}

func waitExited(t *testing.T, s *harness.System) {
	t.Helper()
	select {
	case <-s.Exited():
	case <-time.After(60 * time.Second):
		t.Fatalf("the system did not end after exit; console:\n%s", s.Console())
	}
}

// TestStatusProcessLines: status lists each command of the activation that ended as systemctl's Process: lines
// (a main process that ended among them, beside its Main PID: line), kept across daemon-reexec; the
// overview without a unit has Since: and the cgroup tree.
func TestStatusProcessLines(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"pre.service":  "[Service]\nExecStartPre=/bin/true\nExecStartPre=-/bin/sh -c 'exit 3'\nExecStart=/bin/sleep 1000\n",
		"once.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/true\n",
	}})
	mustSctl(t, s, "start", "pre.service", "once.service")
	proc := regexp.MustCompile(`(?m)^ +Process: \d+ (.*)$`)
	lines := func(unit string) (string, []string) {
		out, _, _ := s.Sctl("status", unit)
		var got []string
		for _, m := range proc.FindAllStringSubmatch(out, -1) {
			got = append(got, m[1])
		}
		return out, got
	}
	want := []string{"ExecStartPre=/bin/true (code=exited, status=0/SUCCESS)", "ExecStartPre=/bin/sh -c exit 3 (code=exited, status=3)"}
	out, got := lines("pre.service")
	if !slices.Equal(got, want) || !strings.Contains(out, "Main PID: ") {
		t.Errorf("status pre.service: Process lines %q, want %q:\n%s", got, want, out)
	}
	out, got = lines("once.service")
	if !slices.Equal(got, []string{"ExecStart=/bin/true (code=exited, status=0/SUCCESS)"}) || !regexp.MustCompile(`Main PID: \d+ \(code=exited, status=0/SUCCESS\)`).MatchString(out) {
		t.Errorf("status once.service:\n%s", out)
	}
	mustSctl(t, s, "daemon-reexec")
	if _, after := lines("pre.service"); !slices.Equal(after, want) {
		t.Errorf("after daemon-reexec: %q", after)
	}
	pid := s.Show("pre.service", "MainPID")
	out = mustSctl(t, s, "status")
	if !regexp.MustCompile(`(?m)^    Since: \w{3} \d{4}-\d\d-\d\d \d\d:\d\d:\d\d \w+; .* ago$`).MatchString(out) ||
		!strings.Contains(out, "   CGroup: ") || !strings.Contains(out, pid+" /bin/sleep 1000") {
		t.Errorf("status overview:\n%s", out)
	}
}

// TestCleanDynamicUser: clean removes what systemd made for a DynamicUser=yes unit (the directory below
// BASE/private and the BASE/DIR symlink to it), kind by kind, and leaves the private directories of others.
func TestCleanDynamicUser(t *testing.T) {
	t.Parallel()
	tag := fmt.Sprintf("sysmaster-cleandyn-%d", os.Getpid())
	bases := []string{"/var/lib/", "/var/cache/", "/var/log/"}
	t.Cleanup(func() {
		for _, d := range bases {
			os.RemoveAll(d + tag)
			os.RemoveAll(d + "private/" + tag)
			os.RemoveAll(d + "private/" + tag + "-other")
		}
	})
	// The layout systemd leaves for a dynamic user, as on a system migrated from it.
	for _, d := range bases {
		for _, dir := range []string{d + "private/" + tag + "/sub", d + "private/" + tag + "-other"} {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.WriteFile(d+"private/"+tag+"/sub/data", []byte("x"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink("private/"+tag, d+tag); err != nil {
			t.Fatal(err)
		}
	}
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"dyn.service": "[Service]\nType=oneshot\nDynamicUser=yes\nStateDirectory=" + tag + "\nCacheDirectory=" + tag +
			"\nLogsDirectory=" + tag + "\nExecStart=/bin/true\n",
	}})
	exists := func(p string) bool {
		_, err := os.Lstat(filepath.Join("/proc", strconv.Itoa(s.InitPid), "root", p))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		return err == nil
	}
	mustSctl(t, s, "clean", "--what=state", "dyn.service")
	if exists("/var/lib/"+tag) || exists("/var/lib/private/"+tag) {
		t.Errorf("clean --what=state: link %v private %v", exists("/var/lib/"+tag), exists("/var/lib/private/"+tag))
	}
	if !exists("/var/cache/private/"+tag+"/sub/data") || !exists("/var/cache/"+tag) || !exists("/var/lib/private/"+tag+"-other") {
		t.Errorf("clean --what=state went beyond the unit's state directory")
	}
	mustSctl(t, s, "clean", "--what=cache,logs", "dyn.service")
	for _, d := range bases {
		if exists(d+tag) || exists(d+"private/"+tag) {
			t.Errorf("%s: link %v private %v after clean", d, exists(d+tag), exists(d+"private/"+tag))
		}
		if !exists(d + "private/" + tag + "-other") {
			t.Errorf("%sprivate/%s-other was removed", d, tag)
		}
	}
}
