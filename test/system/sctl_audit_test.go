package system

import (
	"maps"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Issue 15's audit: the parts of "sctl at parity with systemctl 252" no other test took through the installed
// sctl against a booted namespace.

// gate is a command that waits until the file /run/NAME exists in the namespace (openGate creates it).
func gate(name string) string {
	return "/bin/sh -c 'while [ ! -e /run/" + name + " ]; do sleep 0.05; done'"
}

// openGate creates /run/NAME inside the system's namespaces, which releases gate(NAME).
func openGate(t *testing.T, s *harness.System, name string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join("/proc", strconv.Itoa(s.InitPid), "root/run", name), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSctlIsSystemRunningStates: is-system-running says initializing before basic.target, starting until the
// boot's jobs are done, running, then stopping during a shutdown, with systemctl's exit codes (0 only for
// running); poweroff takes --no-wall and -i.
func TestSctlIsSystemRunningStates(t *testing.T) {
	t.Parallel()
	units := map[string]string{
		"early.service":    "[Unit]\nDefaultDependencies=no\nBefore=sysinit.target\n[Service]\nType=oneshot\nExecStart=" + gate("go-early") + "\n",
		"late.service":     "[Service]\nType=oneshot\nExecStart=" + gate("go-late") + "\n",
		"slowstop.service": "[Service]\nExecStart=/bin/sleep infinity\nExecStop=" + gate("go-stop") + "\n",
	}
	s := harness.Start(t, harness.Options{Units: units, Links: map[string]string{
		"sysinit.target.wants/early.service":       "../early.service",
		"multi-user.target.wants/late.service":     "../late.service",
		"multi-user.target.wants/slowstop.service": "../slowstop.service",
	}})
	state := func(want string, code int) {
		t.Helper()
		var out string
		var got int
		if !s.WaitFor(20*time.Second, func() bool {
			out, _, got = s.Sctl("is-system-running")
			return out == want+"\n" && got == code
		}) {
			t.Fatalf("is-system-running: %q exit %d, want %q exit %d; console:\n%s", out, got, want, code, s.Console())
		}
	}
	state("initializing", 1)
	openGate(t, s, "go-early")
	state("starting", 1)
	openGate(t, s, "go-late")
	state("running", 0)
	if _, errs, code := s.Sctl("poweroff", "--no-wall", "-i"); code != 0 {
		t.Fatalf("poweroff --no-wall -i: exit %d %s", code, errs)
	}
	state("stopping", 1)
	openGate(t, s, "go-stop")
	select {
	case <-s.Exited():
	case <-time.After(30 * time.Second):
		t.Fatalf("no poweroff:\n%s", s.Console())
	}
}

// TestSctlVerbsAudit: -h/--help, emergency and default (isolating as systemctl's), --show-transaction, a process
// exiting 206 shown as systemd names the status, and edit --no-reload (the change waits for daemon-reload).
func TestSctlVerbsAudit(t *testing.T) {
	t.Parallel()
	units := map[string]string{
		"a.service":   "[Unit]\nDescription=Before\n[Service]\nExecStart=/bin/sleep infinity\n",
		"206.service": "[Service]\nExecStart=/bin/sh -c 'exit 206'\n",
	}
	maps.Copy(units, quietShells)
	s := harness.Start(t, harness.Options{Units: units})
	s.WaitActive("multi-user.target", "active", 10*time.Second)

	for _, h := range []string{"-h", "--help"} {
		if out, errs, code := s.Sctl(h); code != 0 || !strings.Contains(out, "is-system-running") || !strings.Contains(out, "set-property") {
			t.Errorf("sctl %s: exit %d %q %s", h, code, out, errs)
		}
	}

	if _, errs, code := s.Sctl("start", "--show-transaction", "a.service"); code != 0 || !strings.Contains(errs, "Enqueued anchor job ") || !strings.Contains(errs, "a.service/start") {
		t.Errorf("start --show-transaction: exit %d %q", code, errs)
	}

	s.Sctl("start", "206.service")
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("206.service", "ActiveState") == "failed" }) {
		t.Fatal("206.service never failed")
	}
	if out, _, _ := s.Sctl("status", "206.service"); !strings.Contains(out, "Active: failed (Result: exit-code)") || !strings.Contains(out, "(code=exited, status=206/OOM_ADJUST)") {
		t.Errorf("status 206.service:\n%s", out)
	}
	mustSctl(t, s, "reset-failed")

	// edit --no-reload: the drop-in is written, the unit not reloaded (NeedDaemonReload=yes) until daemon-reload.
	editor := filepath.Join(t.TempDir(), "editor.sh")
	if err := os.WriteFile(editor, []byte("#!/bin/sh\nsed -i 's/^### Anything between here.*/&\\n[Unit]\\nDescription=After/' \"$1\"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := sctlEnv(t, s, []string{"SYSTEMD_EDITOR=" + editor}, "edit", "--no-reload", "a.service"); code != 0 {
		t.Fatalf("edit --no-reload: exit %d %s", code, errs)
	}
	if d, n := s.Show("a.service", "Description"), s.Show("a.service", "NeedDaemonReload"); d != "Before" || n != "yes" {
		t.Errorf("after edit --no-reload: Description=%q NeedDaemonReload=%q", d, n)
	}
	mustSctl(t, s, "daemon-reload")
	if d := s.Show("a.service", "Description"); d != "After" {
		t.Errorf("after daemon-reload: Description=%q", d)
	}

	// emergency isolates emergency.target (maintenance); default goes back to the default target.
	mustSctl(t, s, "emergency", "--dry-run")
	if st := s.Show("multi-user.target", "ActiveState"); st != "active" {
		t.Errorf("emergency --dry-run isolated: multi-user.target %s", st)
	}
	mustSctl(t, s, "emergency", "--no-block")
	s.WaitActive("emergency.target", "active", 20*time.Second)
	s.WaitActive("a.service", "inactive", 20*time.Second)
	if out, _, code := s.Sctl("is-system-running"); out != "maintenance\n" || code != 1 {
		t.Errorf("is-system-running after emergency: %q exit %d", out, code)
	}
	mustSctl(t, s, "default")
	s.WaitActive("multi-user.target", "active", 20*time.Second)
	s.WaitActive("emergency.target", "inactive", 20*time.Second)
	if out, _, code := s.Sctl("is-system-running"); out != "running\n" || code != 0 {
		t.Errorf("is-system-running after default: %q exit %d", out, code)
	}
}

// TestSctlPresetMode: preset --preset-mode= on a booted system: enable-only never disables, disable-only never
// enables, full does both (man systemctl).
func TestSctlPresetMode(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"on.target":                       "[Unit]\nDescription=On\n[Install]\nWantedBy=multi-user.target\n",
		"off.target":                      "[Unit]\nDescription=Off\n[Install]\nWantedBy=multi-user.target\n",
		"../system-preset/50-test.preset": "enable on.target\ndisable off.target\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "enable", "off.target")
	mustSctl(t, s, "preset", "--preset-mode=enable-only", "off.target", "on.target")
	for name, want := range map[string]string{"off.target": "enabled", "on.target": "enabled"} {
		if st, _ := isEnabled(s, name); st != want {
			t.Errorf("after preset --preset-mode=enable-only: %s is %s, want %s", name, st, want)
		}
	}
	mustSctl(t, s, "disable", "on.target")
	mustSctl(t, s, "preset", "--preset-mode=disable-only", "off.target", "on.target")
	for name, want := range map[string]string{"off.target": "disabled", "on.target": "disabled"} {
		if st, _ := isEnabled(s, name); st != want {
			t.Errorf("after preset --preset-mode=disable-only: %s is %s, want %s", name, st, want)
		}
	}
	mustSctl(t, s, "enable", "off.target")
	mustSctl(t, s, "preset", "--preset-mode=full", "off.target", "on.target")
	for name, want := range map[string]string{"off.target": "disabled", "on.target": "enabled"} {
		if st, _ := isEnabled(s, name); st != want {
			t.Errorf("after preset --preset-mode=full: %s is %s, want %s", name, st, want)
		}
	}
	if _, errs, code := s.Sctl("preset", "--preset-mode=some", "on.target"); code == 0 {
		t.Errorf("--preset-mode=some accepted: %q", errs)
	}
}
