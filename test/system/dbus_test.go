package system

import (
	"bytes"
	"context"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Issue 18: systemd's D-Bus API. These tests drive sysmaster with clients written for systemd, unchanged:
// Debian's systemctl (on /run/systemd/private, as root uses it), busctl, gdbus and python3-dbus (on a real
// dbus-daemon's system bus, where sysmaster owns org.freedesktop.systemd1).

// inNS runs a host binary inside the system's namespaces as uid (0: root; else with setpriv's reuid/regid).
func inNS(t *testing.T, s *harness.System, uid int, argv ...string) (stdout, stderr string, code int) {
	t.Helper()
	ns := []string{"-t", strconv.Itoa(s.InitPid), "-m", "-p", "--"}
	if uid != 0 {
		ns = append(ns, "setpriv", "--reuid", strconv.Itoa(uid), "--regid", strconv.Itoa(uid), "--clear-groups", "--")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "nsenter", append(ns, argv...)...)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		code = -1
		errb.WriteString(err.Error())
	}
	return out.String(), errb.String(), code
}

// systemctl runs Debian's systemctl in the system as root.
func systemctl(t *testing.T, s *harness.System, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return inNS(t, s, 0, append([]string{"/usr/bin/systemctl", "--no-pager"}, args...)...)
}

func mustSystemctl(t *testing.T, s *harness.System, args ...string) string {
	t.Helper()
	out, errs, code := systemctl(t, s, args...)
	if code != 0 {
		t.Fatalf("systemctl %s: exit %d\nstdout: %s\nstderr: %s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

const dbusTestUnits = `[Unit]
Description=Web server
[Service]
ExecStart=/bin/sleep 1000
[Install]
WantedBy=multi-user.target
`

// Debian's systemctl against sysmaster: list-units, status, start, stop, restart, is-active, show -p, enable,
// disable, daemon-reload and poweroff give what sctl gives.
func TestDebianSystemctl(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"web.service":  dbusTestUnits,
		"fail.service": "[Service]\nType=oneshot\nExecStart=/bin/false\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if got, err := s.ReadFile("/run/systemd/system"); err == nil || !strings.Contains(err.Error(), "is a directory") {
		t.Fatalf("/run/systemd/system is not a directory: %q %v", got, err)
	}

	mustSystemctl(t, s, "start", "web.service")
	if st := s.Show("web.service", "ActiveState"); st != "active" {
		t.Fatalf("after systemctl start: %s", st)
	}
	if out := mustSystemctl(t, s, "is-active", "web.service"); out != "active\n" {
		t.Errorf("systemctl is-active: %q", out)
	}
	props := "Id,ActiveState,SubState,LoadState,MainPID,ExecMainPID,NRestarts,Description,FragmentPath,UnitFileState,CanStart"
	want, _, _ := s.Sctl("show", "-p", props, "web.service")
	got := mustSystemctl(t, s, "show", "-p", props, "web.service")
	if sortLines(got) != sortLines(want) {
		t.Errorf("systemctl show -p:\n%s\nsctl show -p:\n%s", got, want)
	}
	for _, p := range []string{"ActiveEnterTimestamp", "InactiveExitTimestampMonotonic"} {
		if g, w := mustSystemctl(t, s, "show", "-P", p, "web.service"), s.Show("web.service", p)+"\n"; g != w {
			t.Errorf("%s: systemctl %q, sctl %q", p, g, w)
		}
	}
	status := mustSystemctl(t, s, "status", "web.service")
	t.Logf("systemctl status:\n%s\nsystemctl show -p:\n%s", status, got)
	if !strings.Contains(status, "Active: active (running)") || !strings.Contains(status, "Main PID: "+s.Show("web.service", "MainPID")) {
		t.Errorf("systemctl status:\n%s", status)
	}
	list := mustSystemctl(t, s, "list-units")
	if !strings.Contains(list, "web.service") || !strings.Contains(list, "multi-user.target") {
		t.Errorf("systemctl list-units:\n%s", list)
	}

	pid := s.Show("web.service", "MainPID")
	mustSystemctl(t, s, "restart", "web.service")
	if p := s.Show("web.service", "MainPID"); p == pid || s.Show("web.service", "ActiveState") != "active" {
		t.Errorf("after restart: MainPID %s (was %s), %s", p, pid, s.Show("web.service", "ActiveState"))
	}
	mustSystemctl(t, s, "stop", "web.service")
	if st := s.Show("web.service", "ActiveState"); st != "inactive" {
		t.Errorf("after systemctl stop: %s", st)
	}
	if out, _, code := systemctl(t, s, "is-active", "web.service"); out != "inactive\n" || code != 3 {
		t.Errorf("systemctl is-active of a stopped unit: %q exit %d", out, code)
	}

	// A failing start: systemctl's exit status and message, as with systemd.
	_, errs, code := systemctl(t, s, "start", "fail.service")
	if code != 1 || !strings.Contains(errs, "Job for fail.service failed") {
		t.Errorf("systemctl start fail.service: exit %d: %s", code, errs)
	}
	_, errs, code = systemctl(t, s, "start", "nothere.service")
	if code != 5 || !strings.Contains(errs, "Unit nothere.service not found.") {
		t.Errorf("systemctl start nothere.service: exit %d: %s", code, errs)
	}

	out, errs := mustSystemctl(t, s, "enable", "web.service"), ""
	if st, _, _ := s.Sctl("is-enabled", "web.service"); st != "enabled\n" {
		t.Errorf("after systemctl enable (%s%s): sctl is-enabled %q", out, errs, st)
	}
	mustSystemctl(t, s, "disable", "web.service")
	if st, _, _ := s.Sctl("is-enabled", "web.service"); st != "disabled\n" {
		t.Errorf("after systemctl disable: sctl is-enabled %q", st)
	}
	mustSystemctl(t, s, "daemon-reload")

	mustSystemctl(t, s, "poweroff")
	select {
	case <-s.Exited():
	case <-time.After(30 * time.Second):
		t.Fatalf("systemctl poweroff: the system did not end; console:\n%s", s.Console())
	}
}

func sortLines(s string) string {
	l := strings.Split(strings.TrimSpace(s), "\n")
	sort.Strings(l)
	return strings.Join(l, "\n")
}
