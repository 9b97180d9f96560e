package system

import (
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Issue 15's regression tests for sctl: unit name patterns, log access, configuration warnings (see
// compat_test.go).

// Bug 12: unit name patterns expand over the units in memory as systemctl's do: stop 'bench-*.service',
// status 'ssh*', list-units 'sys*'.
func TestUnitNamePatterns(t *testing.T) {
	t.Parallel()
	units := map[string]string{"ssh.service": "[Service]\nExecStart=/bin/sleep infinity\n"}
	for _, n := range []string{"bench-1", "bench-2", "bench-3"} {
		units[n+".service"] = "[Service]\nExecStart=/bin/sleep infinity\n"
	}
	s := harness.Start(t, harness.Options{Units: units})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "bench-1.service", "bench-2.service", "bench-3.service", "ssh.service")
	if _, errs, code := s.Sctl("stop", "bench-*.service"); code != 0 {
		t.Fatalf("stop 'bench-*.service': exit %d %s", code, errs)
	}
	for _, n := range []string{"bench-1", "bench-2", "bench-3"} {
		if st := s.Show(n+".service", "ActiveState"); st != "inactive" {
			t.Errorf("%s.service is %s after stop 'bench-*.service'", n, st)
		}
	}
	if st := s.Show("ssh.service", "ActiveState"); st != "active" {
		t.Errorf("ssh.service is %s: the pattern reached it", st)
	}
	out, errs, code := s.Sctl("status", "ssh*")
	if code != 0 || !strings.Contains(out, "● ssh.service") || strings.Contains(out, "bench") {
		t.Errorf("status 'ssh*': exit %d\n%s%s", code, out, errs)
	}
	out, _, code = s.Sctl("list-units", "--no-legend", "sys*")
	if code != 0 || !strings.Contains(out, "sysinit.target") || strings.Contains(out, "multi-user") {
		t.Errorf("list-units 'sys*': exit %d\n%s", code, out)
	}
	// The stopped bench units were collected: no longer in memory, no pattern reaches them, as in systemd.
	if out, errs, code := s.Sctl("is-active", "ss?.service", "bench-?.service"); code != 0 || out != "active\n" {
		t.Errorf("is-active 'ss?.service' 'bench-?.service': exit %d %q %s", code, out, errs)
	}
	// A pattern that matches nothing does nothing; reset-failed does not reset every unit.
	if _, errs, code := s.Sctl("stop", "nomatch-*"); code != 0 || errs != "" {
		t.Errorf("stop 'nomatch-*': exit %d %q", code, errs)
	}
}

// Bug 7: unit logs are not world-readable. `sctl logs` and the log tail of `sctl status` are served to root and
// to the members of Manager.LogReaderGroups (adm and systemd-journal by default); others get "Access denied".
func TestUnitLogsAreNotWorldReadable(t *testing.T) {
	t.Parallel()
	const nobody = 65534 // the harness runs sctl as uid = gid = 65534: group nogroup
	// The output is secret, the command line is not (status's Process: lines show it to anyone, as systemctl).
	units := map[string]string{"secret.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sh -c 'printf the-; echo secret'\n"}
	check := func(s *harness.System, readable bool) {
		t.Helper()
		s.WaitActive("multi-user.target", "active", 10*time.Second)
		mustSctl(t, s, "start", "secret.service")
		// The output reaches the log through a pipe the core reads on its own time.
		if !s.WaitFor(10*time.Second, func() bool { out, _, _ := s.Sctl("logs", "secret.service"); return strings.Contains(out, "the-secret") }) {
			t.Fatalf("root cannot read the log")
		}
		out, errs, code := s.SctlAs(nobody, "logs", "secret.service")
		if got := strings.Contains(out, "the-secret"); got != readable {
			t.Errorf("logs as nobody: exit %d, read %v, want %v\n%s%s", code, got, readable, out, errs)
		}
		if !readable && (code != 4 || !strings.Contains(errs, "Failed to read logs: Access denied")) {
			t.Errorf("logs as nobody: exit %d %q", code, errs)
		}
		out, _, _ = s.SctlAs(nobody, "status", "secret.service")
		if got := strings.Contains(out, "the-secret"); got != readable || !readable && !strings.Contains(out, "Hint:") {
			t.Errorf("status as nobody (readable %v):\n%s", readable, out)
		}
	}
	check(harness.Start(t, harness.Options{Units: units}), false)
	conf := "[Manager]\nLogReaderGroups = [\"adm\", \"nogroup\"]\n"
	check(harness.Start(t, harness.Options{Units: units, Config: conf}), true)
}

// Bug 8, last part: a UnitPaths entry that does not exist and a system.conf that does not parse are reported by
// daemon-reload and status, not only on the console.
func TestConfigProblemsAreReported(t *testing.T) {
	t.Parallel()
	conf := "[Manager]\nUnitPaths = [\"/etc/sysmaster/system\", \"/nonexistent/units\", \"/usr/lib/sysmaster/system\"]\n"
	s := harness.Start(t, harness.Options{Config: conf})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	// The factory shells load as they are (they are not started here: they would take the console).
	for _, u := range []string{"rescue.service", "emergency.service"} {
		if st := s.Show(u, "LoadState"); st != "loaded" {
			t.Errorf("%s: LoadState=%s (%s)", u, st, s.Show(u, "LoadError"))
		}
	}
	const missing = "Warning: config: Manager.UnitPaths entry /nonexistent/units: no such directory"
	if _, errs, code := s.Sctl("daemon-reload"); code != 0 || !strings.Contains(errs, missing) {
		t.Errorf("daemon-reload: exit %d %q", code, errs)
	}
	if _, errs, _ := s.Sctl("status", "multi-user.target"); !strings.Contains(errs, missing) {
		t.Errorf("status: %q", errs)
	}
	s.WriteFile("system.conf", "[Manager\nthis is not TOML\n")
	_, errs, code := s.Sctl("daemon-reload")
	if code != 0 || !strings.Contains(errs, "Warning: config: /etc/sysmaster/system.conf:") || !strings.Contains(errs, "using defaults") {
		t.Errorf("daemon-reload of a bad system.conf: exit %d %q", code, errs)
	}
	if _, errs, _ := s.Sctl("status", "multi-user.target"); !strings.Contains(errs, "using defaults") {
		t.Errorf("status after a bad system.conf: %q", errs)
	}
	// Fixed, the warnings go.
	s.WriteFile("system.conf", "[Manager]\nLogLevel = \"info\"\n")
	if _, errs, code := s.Sctl("daemon-reload"); code != 0 || errs != "" {
		t.Errorf("daemon-reload of a good system.conf: exit %d %q", code, errs)
	}
}
