package system

import (
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Issue 18 over issue 15's verbs: Debian's systemctl freeze, thaw, clean, log-level and service-watchdogs
// through the D-Bus API do what sctl's do; a caller other than root reads the settings but changes nothing.
func TestDebianSystemctlVerbs(t *testing.T) {
	t.Parallel()
	tag := fmt.Sprintf("sysmaster-dbusclean-%d", os.Getpid())
	t.Cleanup(func() { os.RemoveAll("/var/lib/" + tag) })
	units := maps.Clone(busUnits)
	units["busy.service"] = "[Service]\nExecStart=/bin/sh -c 'while :; do :; done'\n"
	units["dirs.service"] = "[Service]\nType=oneshot\nRemainAfterExit=yes\nRuntimeDirectory=" + tag +
		"\nRuntimeDirectoryPreserve=yes\nStateDirectory=" + tag + "\nExecStart=/bin/true\n"
	units["none.service"] = "[Service]\nType=oneshot\nExecStart=/bin/true\n"
	s := harness.Start(t, harness.Options{Units: units})
	s.WriteFile("bus.conf", busConfig)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "dbus.service")
	waitBusName(t, s)

	// Freeze and thaw: the errors of systemd's bus_unit_method_freezer_generic, as sctl's.
	failsLike := func(want string, args ...string) {
		t.Helper()
		_, errs, code := systemctl(t, s, args...)
		_, serrs, scode := s.Sctl(args...)
		if code != 1 || !strings.Contains(errs, want) || scode != 1 || !strings.Contains(serrs, want) {
			t.Errorf("systemctl %s: exit %d %q; sctl: exit %d %q; want %q", strings.Join(args, " "), code, errs, scode, serrs, want)
		}
	}
	failsLike("Failed to freeze unit busy.service: Unit is inactive.", "freeze", "busy.service")
	failsLike("does not support freezing", "freeze", "multi-user.target")
	mustSctl(t, s, "start", "busy.service")
	pid := s.Show("busy.service", "MainPID")
	if !s.WaitFor(10*time.Second, func() bool { return procStateOf(t, s, pid) == "R" }) {
		t.Fatalf("the busy loop does not run: %s", procStateOf(t, s, pid))
	}
	mustSystemctl(t, s, "freeze", "busy.service")
	if st := s.Show("busy.service", "FreezerState"); st != "frozen" {
		t.Errorf("sctl's FreezerState after systemctl freeze: %q", st)
	}
	if out := mustSystemctl(t, s, "show", "-p", "FreezerState", "busy.service"); out != "FreezerState=frozen\n" {
		t.Errorf("systemctl show -p FreezerState of a frozen unit: %q", out)
	}
	if st := procStateOf(t, s, pid); st == "R" {
		t.Errorf("a frozen busy loop is runnable (%s)", st)
	}
	mustSystemctl(t, s, "thaw", "busy.service")
	if out := mustSystemctl(t, s, "show", "-p", "FreezerState", "busy.service"); out != "FreezerState=running\n" || s.Show("busy.service", "FreezerState") != "running" {
		t.Errorf("FreezerState after systemctl thaw: systemctl %q, sctl %q", out, s.Show("busy.service", "FreezerState"))
	}
	if !s.WaitFor(10*time.Second, func() bool { return procStateOf(t, s, pid) == "R" }) {
		t.Errorf("the thawed loop does not run: %s", procStateOf(t, s, pid))
	}

	// Clean: only the kinds --what= names, only of an inactive unit.
	exists := func(p string) bool {
		_, err := os.Stat(filepath.Join("/proc", strconv.Itoa(s.InitPid), "root", p))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			t.Fatal(err)
		}
		return err == nil
	}
	mustSctl(t, s, "start", "dirs.service")
	failsLike("Unit is not inactive or has pending job.", "clean", "--what=runtime", "dirs.service")
	mustSctl(t, s, "stop", "dirs.service")
	if !exists("/run/"+tag) || !exists("/var/lib/"+tag) {
		t.Fatalf("dirs.service's directories were not made (runtime %v, state %v)", exists("/run/"+tag), exists("/var/lib/"+tag))
	}
	mustSystemctl(t, s, "clean", "--what=runtime", "dirs.service")
	if exists("/run/"+tag) || !exists("/var/lib/"+tag) {
		t.Errorf("systemctl clean --what=runtime: runtime %v, state %v", exists("/run/"+tag), exists("/var/lib/"+tag))
	}
	failsLike("No matching resources found.", "clean", "none.service")

	// The manager's settings: systemctl reads what sctl set, and sctl what systemctl set.
	if out := mustSystemctl(t, s, "log-level"); out != "info\n" {
		t.Errorf("systemctl log-level: %q", out)
	}
	mustSystemctl(t, s, "log-level", "debug")
	if out := mustSctl(t, s, "log-level"); out != "debug\n" {
		t.Errorf("sctl log-level after systemctl log-level debug: %q", out)
	}
	mustSystemctl(t, s, "log-level", "6")
	if out := mustSystemctl(t, s, "log-level"); out != "info\n" {
		t.Errorf("systemctl log-level after log-level 6: %q", out)
	}
	mustSctl(t, s, "log-target", "null")
	if out := mustSystemctl(t, s, "log-target"); out != "null\n" {
		t.Errorf("systemctl log-target after sctl log-target null: %q", out)
	}
	mustSystemctl(t, s, "log-target", "console")
	if out := mustSctl(t, s, "log-target"); out != "console\n" {
		t.Errorf("sctl log-target after systemctl log-target console: %q", out)
	}
	mustSystemctl(t, s, "service-watchdogs", "no")
	if out := mustSctl(t, s, "service-watchdogs"); out != "no\n" {
		t.Errorf("sctl service-watchdogs after systemctl service-watchdogs no: %q", out)
	}
	if out := mustSystemctl(t, s, "service-watchdogs"); out != "no\n" {
		t.Errorf("systemctl service-watchdogs: %q", out)
	}

	// uid 65534 on the bus: reads, and is refused every change.
	const nobody = 65534
	if out, errs, code := inNS(t, s, nobody, "/usr/bin/systemctl", "log-level"); code != 0 || out != "info\n" {
		t.Errorf("systemctl log-level as uid %d: exit %d %q %s", nobody, code, out, errs)
	}
	for _, args := range [][]string{
		{"freeze", "busy.service"}, {"thaw", "busy.service"}, {"clean", "--what=state", "dirs.service"},
		{"log-level", "debug"}, {"log-target", "null"}, {"service-watchdogs", "yes"},
	} {
		_, errs, code := inNS(t, s, nobody, append([]string{"/usr/bin/systemctl", "--no-ask-password"}, args...)...)
		if code == 0 || !strings.Contains(errs, "Access denied") {
			t.Errorf("systemctl %s as uid %d: exit %d %q", strings.Join(args, " "), nobody, code, errs)
		}
	}
	for _, args := range [][]string{
		{"call", "org.freedesktop.systemd1", managerObj, managerIf, "FreezeUnit", "s", "busy.service"},
		{"call", "org.freedesktop.systemd1", managerObj, managerIf, "CleanUnit", "sas", "dirs.service", "1", "state"},
		{"set-property", "org.freedesktop.systemd1", managerObj, managerIf, "LogLevel", "s", "debug"},
	} {
		if _, errs, code := busctl(t, s, nobody, args...); code == 0 || !strings.Contains(errs, "Access denied") {
			t.Errorf("busctl %s as uid %d: exit %d %q", strings.Join(args, " "), nobody, code, errs)
		}
	}
	if !exists("/var/lib/"+tag) || s.Show("busy.service", "FreezerState") != "running" || mustSctl(t, s, "log-level") != "info\n" ||
		mustSctl(t, s, "log-target") != "console\n" || mustSctl(t, s, "service-watchdogs") != "no\n" {
		t.Errorf("a refused caller changed something")
	}

	// Calls systemctl does not make: the errors systemd gives them.
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"call", "org.freedesktop.systemd1", managerObj, managerIf, "CleanUnit", "sas", "dirs.service", "1", "bogus"}, "Invalid resource type: bogus"},
		{[]string{"call", "org.freedesktop.systemd1", managerObj, managerIf, "CleanUnit", "sas", "nothere.service", "1", "all"}, "Unit nothere.service not found."},
		{[]string{"call", "org.freedesktop.systemd1", managerObj, managerIf, "ThawUnit", "s", "nothere.service"}, "Unit nothere.service not found."},
		{[]string{"call", "org.freedesktop.systemd1", "/org/freedesktop/systemd1/unit/dirs_2eservice", "org.freedesktop.systemd1.Unit", "Freeze"}, "Unit is inactive."},
		{[]string{"set-property", "org.freedesktop.systemd1", managerObj, managerIf, "LogLevel", "b", "true"}, "takes a string"},
		{[]string{"set-property", "org.freedesktop.systemd1", managerObj, managerIf, "LogLevel", "s", "loud"}, "Invalid log level 'loud'"},
		{[]string{"set-property", "org.freedesktop.systemd1", managerObj, managerIf, "LogTarget", "s", "journal"}, "Invalid log target 'journal'"},
	} {
		if _, errs, code := busctl(t, s, 0, c.args...); code == 0 || !strings.Contains(errs, c.want) {
			t.Errorf("busctl %s: exit %d %q, want %q", strings.Join(c.args, " "), code, errs, c.want)
		}
	}
	// The unit objects' own Freeze, Thaw and Clean.
	unitObj := func(name string) string {
		return "/org/freedesktop/systemd1/unit/" + strings.ReplaceAll(name, ".", "_2e")
	}
	for _, c := range []struct {
		unit, method string
		args         []string
		check        func() bool
	}{
		{"busy.service", "Freeze", nil, func() bool { return s.Show("busy.service", "FreezerState") == "frozen" }},
		{"busy.service", "Thaw", nil, func() bool { return s.Show("busy.service", "FreezerState") == "running" }},
		{"dirs.service", "Clean", []string{"as", "1", "state"}, func() bool { return !exists("/var/lib/" + tag) }},
	} {
		args := append([]string{"call", "org.freedesktop.systemd1", unitObj(c.unit), "org.freedesktop.systemd1.Unit", c.method}, c.args...)
		if _, errs, code := busctl(t, s, 0, args...); code != 0 || !c.check() {
			t.Errorf("busctl %s: exit %d %s; not done", strings.Join(args, " "), code, errs)
		}
	}
	mustSystemctl(t, s, "service-watchdogs", "yes")
	if out, errs, code := busctl(t, s, 0, "get-property", "org.freedesktop.systemd1", managerObj, managerIf, "ServiceWatchdogs"); code != 0 || out != "b true\n" {
		t.Errorf("busctl get-property ServiceWatchdogs: exit %d %q %s", code, out, errs)
	}
}
