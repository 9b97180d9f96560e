package system

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Issue 18: Debian's systemd-logind under sysmaster, on a real dbus-daemon. A login through `su -l` (PAM's
// pam_systemd asks logind for a session) makes logind create session-N.scope with StartTransientUnit; the scope
// shows in `sctl list-units` and the session in `loginctl list-sessions`; when the login ends, so does the scope.
func TestLogindSessionScope(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"dbus.socket": "[Socket]\nListenStream=/run/dbus/system_bus_socket\n",
		"dbus.service": "[Unit]\nRequires=dbus.socket\n[Service]\nType=notify\nNotifyAccess=main\n" +
			"ExecStart=/usr/bin/dbus-daemon --config-file=/etc/sysmaster/bus.conf --address=systemd: --nofork --nopidfile --systemd-activation\n",
		"systemd-logind.service": "[Unit]\nRequires=dbus.service\nAfter=dbus.service\n[Service]\nType=dbus\nBusName=org.freedesktop.login1\n" +
			"ExecStart=/lib/systemd/systemd-logind\n",
		// The user manager (systemd --user) is not run: a stand-in that stays up (docs/transient.md says what
		// Debian's user@.service needs). Debian's user-runtime-dir@.service is the real one: its binary asks
		// logind on the bus for the size and mounts a tmpfs on /run/user/UID.
		"user@.service":             "[Unit]\nRequires=user-runtime-dir@%i.service\nAfter=user-runtime-dir@%i.service\n[Service]\nExecStart=/bin/sleep infinity\n",
		"user-runtime-dir@.service": debianUnit(t, "user-runtime-dir@.service"),
	}})
	s.WriteFile("bus.conf", activationBus)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "systemd-logind.service")

	login := startInNS(t, s, "/bin/su", "-l", "root", "-c", "sleep 8")
	var scope string
	if !s.WaitFor(20*time.Second, func() bool {
		out, _, _ := s.Sctl("list-units", "--type=scope", "--no-legend")
		for _, f := range strings.Fields(out) {
			if strings.HasPrefix(f, "session-") && strings.HasSuffix(f, ".scope") {
				scope = f
			}
		}
		return scope != ""
	}) {
		st, _, _ := s.Sctl("status", "systemd-logind.service")
		t.Fatalf("no session scope after su -l:\n%s\nconsole:\n%s", st, s.Console())
	}
	s.WaitActive(scope, "active", 20*time.Second)
	if sl := s.Show(scope, "Slice"); sl != "user-0.slice" {
		t.Errorf("%s is in %q", scope, sl)
	}
	if st := s.Show("user-runtime-dir@0.service", "ActiveState"); st != "active" || !runUserMounted(t, s) {
		out, _, _ := s.Sctl("status", "user-runtime-dir@0.service")
		t.Errorf("user-runtime-dir@0.service %s, /run/user/0 mounted %v:\n%s", st, runUserMounted(t, s), out)
	}
	out, errs, code := inNS(t, s, 0, "/usr/bin/loginctl", "--no-pager", "list-sessions")
	if code != 0 || !strings.Contains(out, "root") {
		t.Errorf("loginctl list-sessions: exit %d\n%s%s", code, out, errs)
	}
	// logind logs each call of the manager that failed (a method sysmaster refused, SetUnitProperties of the
	// user's slice among them): none did.
	if st, _, _ := s.Sctl("status", "-n", "200", "systemd-logind.service"); strings.Contains(st, "Failed") || strings.Contains(st, "not supported") {
		t.Errorf("logind's log shows a refusal:\n%s", st)
	}
	// su's command ends: the login ends, and the scope with it.
	done := make(chan error, 1)
	go func() { done <- login.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatalf("su -l never ended")
	}
	if !s.WaitFor(30*time.Second, func() bool { st := s.Show(scope, "ActiveState"); return st == "inactive" || st == "" }) {
		st, _, _ := s.Sctl("status", scope)
		t.Errorf("%s still up after the login ended:\n%s", scope, st)
	}
	// logind stops user@0.service after UserStopDelaySec= (10 s); user-runtime-dir@0.service is then unneeded
	// (StopWhenUnneeded=yes) and its ExecStop= unmounts /run/user/0.
	if !s.WaitFor(40*time.Second, func() bool {
		return !runUserMounted(t, s) && s.Show("user-runtime-dir@0.service", "ActiveState") != "active"
	}) {
		out, _, _ := s.Sctl("status", "user@0.service", "user-runtime-dir@0.service")
		t.Errorf("/run/user/0 still mounted after the login ended:\n%s", out)
	}
}

// runUserMounted reports whether /run/user/0 is a tmpfs mount in the system's namespace.
func runUserMounted(t *testing.T, s *harness.System) bool {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/mountinfo", s.InitPid))
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) > 8 && f[4] == "/run/user/0" && strings.Contains(l, " - tmpfs ") {
			return true
		}
	}
	return false
}
