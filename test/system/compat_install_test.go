package system

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Issue 15's regression tests for install operations (see compat_test.go).

// unitFileStates is `sctl list-unit-files` as name → state.
func unitFileStates(t *testing.T, s *harness.System) map[string]string {
	t.Helper()
	out, errs, code := s.Sctl("list-unit-files", "--no-legend")
	if code != 0 {
		t.Fatalf("list-unit-files: exit %d %s", code, errs)
	}
	states := map[string]string{}
	for _, l := range strings.Split(out, "\n") {
		if f := strings.Fields(l); len(f) >= 2 {
			states[f[0]] = f[1]
		}
	}
	return states
}

// isEnabled is `sctl is-enabled NAME`'s output and exit code.
func isEnabled(s *harness.System, name string) (string, int) {
	out, errs, code := s.Sctl("is-enabled", name)
	return strings.TrimSpace(out + errs), code
}

// links lists the symlinks under the system's /etc/sysmaster/system, relative to it.
func links(t *testing.T, s *harness.System) []string {
	t.Helper()
	var out []string
	root := filepath.Join(s.Etc, "system")
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err == nil && fi.Mode()&os.ModeSymlink != 0 {
			rel, _ := filepath.Rel(root, p)
			out = append(out, rel)
		}
		return nil
	})
	return out
}

// Bug 3 (enabling through an alias): install operations resolve aliases as systemd's install.c does. Enabling
// a unit through its alias enables the unit under its own name; disabling the unit removes every link to it;
// `enable sshd` for Debian's ssh.service (Alias=sshd.service) makes no second link.
func TestEnablingThroughAnAlias(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"a-real.service": "[Service]\nExecStart=/bin/sleep infinity\n[Install]\nWantedBy=multi-user.target\nAlias=a-alias.service\n",
		"ssh.service":    debianUnit(t, "ssh.service"),
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "enable", "a-real.service")
	mustSctl(t, s, "enable", "a-alias.service")
	if got := links(t, s); !slices.Equal(got, []string{"a-alias.service", "multi-user.target.wants/a-real.service"}) {
		t.Errorf("links after enable a-real, enable a-alias: %v", got)
	}
	if st, code := isEnabled(s, "a-alias.service"); st != "alias" || code != 0 {
		t.Errorf("is-enabled a-alias: %q %d", st, code)
	}
	mustSctl(t, s, "disable", "a-real.service")
	if got := links(t, s); len(got) != 0 {
		t.Errorf("links left after disable a-real: %v", got)
	}
	if st, code := isEnabled(s, "a-real.service"); st != "disabled" || code != 1 {
		t.Errorf("is-enabled a-real after disable: %q %d", st, code)
	}
	if w := s.Show("multi-user.target", "Wants"); strings.Contains(w, "a-") {
		t.Errorf("multi-user.target still wants %s", w)
	}
	// Disabling through the alias disables the unit too.
	mustSctl(t, s, "enable", "a-real.service")
	mustSctl(t, s, "disable", "a-alias.service")
	if got := links(t, s); len(got) != 0 {
		t.Errorf("links left after disable a-alias: %v", got)
	}

	mustSctl(t, s, "enable", "ssh.service")
	_, errs, code := s.Sctl("enable", "sshd.service")
	if code != 0 || errs != "" {
		t.Errorf("enable sshd: exit %d %q", code, errs)
	}
	if got := links(t, s); !slices.Equal(got, []string{"multi-user.target.wants/ssh.service", "sshd.service"}) {
		t.Errorf("links after enable ssh, enable sshd: %v", got)
	}
	for name, want := range map[string]string{"ssh.service": "enabled", "sshd.service": "alias"} {
		if st, _ := isEnabled(s, name); st != want {
			t.Errorf("is-enabled %s: %q, want %s", name, st, want)
		}
	}
	mustSctl(t, s, "disable", "sshd.service")
	if got := links(t, s); len(got) != 0 {
		t.Errorf("links left after disable sshd: %v", got)
	}
}

// Bug 4: a template without DefaultInstance= is not enabled (systemd's message, no link), and preset-all does not
// enable it either; one with DefaultInstance= is enabled as that instance.
func TestTemplatesWithoutDefaultInstance(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"serial-getty@.service": debianUnit(t, "serial-getty@.service"),
		"getty@.service":        debianUnit(t, "getty@.service"),
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	_, errs, code := s.Sctl("enable", "serial-getty@.service")
	if code != 0 || !strings.Contains(errs, "no installation config") {
		t.Errorf("enable serial-getty@.service: exit %d %q", code, errs)
	}
	if got := links(t, s); len(got) != 0 {
		t.Errorf("enable of a template without DefaultInstance= made links: %v", got)
	}
	mustSctl(t, s, "preset-all")
	// The factory units' own [Install] (remote-fs.target) is enabled too, as systemd's presets do.
	got := links(t, s)
	if !slices.Contains(got, "getty.target.wants/getty@tty1.service") || slices.ContainsFunc(got, func(l string) bool {
		return strings.Contains(l, "serial-getty@")
	}) {
		t.Errorf("links after preset-all: %v", got)
	}
	// An instance is enabled by naming it.
	mustSctl(t, s, "enable", "serial-getty@ttyS0.service")
	if st, _ := isEnabled(s, "serial-getty@ttyS0.service"); st != "enabled" {
		t.Errorf("is-enabled serial-getty@ttyS0: %q", st)
	}
}

// Bug 5: template names are valid for cat, show, status, is-enabled and list-unit-files; a template whose
// instances are enabled is indirect, enabled when its DefaultInstance= is; a template takes no job.
func TestTemplateNames(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"getty@.service":        debianUnit(t, "getty@.service"),
		"serial-getty@.service": debianUnit(t, "serial-getty@.service"),
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	for _, name := range []string{"getty@.service", "serial-getty@.service"} {
		if out, errs, code := s.Sctl("cat", name); code != 0 || !strings.Contains(out, "[Install]") {
			t.Errorf("cat %s: exit %d %s", name, code, errs)
		}
		if got := s.Show(name, "LoadState"); got != "loaded" {
			t.Errorf("%s: LoadState=%s", name, got)
		}
		if out, errs, code := s.Sctl("status", name); code != 3 || !strings.Contains(out, "Loaded: loaded") {
			t.Errorf("status %s: exit %d\n%s%s", name, code, out, errs)
		}
		if st, code := isEnabled(s, name); st != "disabled" || code != 1 {
			t.Errorf("is-enabled %s: %q %d", name, st, code)
		}
	}
	if st := unitFileStates(t, s); st["getty@.service"] != "disabled" || st["serial-getty@.service"] != "disabled" {
		t.Errorf("list-unit-files: %v", st)
	}
	mustSctl(t, s, "enable", "getty@tty2.service", "serial-getty@ttyS1.service")
	for name, want := range map[string]string{"getty@.service": "indirect", "serial-getty@.service": "indirect",
		"getty@tty2.service": "enabled", "getty@tty1.service": "disabled"} {
		if st, _ := isEnabled(s, name); st != want {
			t.Errorf("is-enabled %s: %q, want %s", name, st, want)
		}
	}
	if st := unitFileStates(t, s); st["getty@.service"] != "indirect" {
		t.Errorf("list-unit-files: getty@.service is %s", st["getty@.service"])
	}
	mustSctl(t, s, "enable", "getty@.service")
	if st, _ := isEnabled(s, "getty@.service"); st != "enabled" {
		t.Errorf("is-enabled getty@.service after enabling its DefaultInstance=: %q", st)
	}
	if _, errs, code := s.Sctl("start", "getty@.service"); code == 0 || !strings.Contains(errs, "missing the instance name") {
		t.Errorf("start of a template: exit %d %q", code, errs)
	}
	// Disabling the template removes its instances' links.
	mustSctl(t, s, "disable", "getty@.service")
	if got := links(t, s); !slices.Equal(got, []string{"getty.target.wants/serial-getty@ttyS1.service"}) {
		t.Errorf("links after disable getty@.service: %v", got)
	}
}

// Bug 6: a unit of a type no plugin serves (here a socket under the embedded profile) answers consistently:
// list-unit-files, is-enabled, enable and preset-all treat its file alike, and status shows its LoadError.
func TestUnsupportedUnitTypes(t *testing.T) {
	t.Parallel()
	conf := "[Manager]\nUnitPaths = [\"/etc/sysmaster/system\", \"/run/sysmaster/system\", \"/usr/lib/sysmaster/system\"]\n" +
		"[Plugins]\nDir = \"/usr/lib/sysmaster/plugins\"\nProfile = \"embedded\"\n"
	s := harness.Start(t, harness.Options{Config: conf, Units: map[string]string{
		"web.socket":  "[Socket]\nListenStream=/run/web.sock\n[Install]\nWantedBy=sockets.target\n",
		"web.service": "[Service]\nExecStart=/bin/true\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	agree := func(want string) {
		t.Helper()
		if st := unitFileStates(t, s)["web.socket"]; st != want {
			t.Errorf("list-unit-files: web.socket is %q, want %s", st, want)
		}
		if st, _ := isEnabled(s, "web.socket"); st != want {
			t.Errorf("is-enabled web.socket: %q, want %s", st, want)
		}
		if st := s.Show("web.socket", "UnitFileState"); st != want {
			t.Errorf("UnitFileState=%q, want %s", st, want)
		}
	}
	agree("disabled")
	mustSctl(t, s, "enable", "web.socket")
	agree("enabled")
	mustSctl(t, s, "disable", "web.socket")
	mustSctl(t, s, "preset-all")
	agree("enabled")
	out, errs, code := s.Sctl("status", "web.socket")
	if code != 3 || !strings.Contains(out, "Loaded: not-found (Reason:") || !strings.Contains(out, `unit type "socket" is not allowed by plugin profile "embedded"`) {
		t.Errorf("status web.socket: exit %d\n%s%s", code, out, errs)
	}
	if _, errs, code := s.Sctl("start", "web.socket"); code == 0 || !strings.Contains(errs, "not allowed by plugin profile") {
		t.Errorf("start web.socket: exit %d %q", code, errs)
	}
}
