package system

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

func TestEnableDisableMaskUnmask(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"app.target":    "[Unit]\nDescription=App\n[Install]\nWantedBy=multi-user.target\nAlias=application.target\nAlso=helper.target\n",
		"helper.target": "[Unit]\nDescription=Helper\n[Install]\nRequiredBy=app.target\n",
		"plain.target":  "[Unit]\nDescription=No install section\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	etc := "/etc/sysmaster/system/"
	isEnabled := func(u string) (string, int) {
		out, _, code := s.Sctl("is-enabled", u)
		return strings.TrimSpace(out), code
	}
	if st, code := isEnabled("app.target"); st != "disabled" || code != 1 {
		t.Fatalf("before enable: %q exit %d", st, code)
	}

	_, errs, code := s.Sctl("enable", "--now", "app.target")
	if code != 0 {
		t.Fatalf("enable --now: exit %d %s", code, errs)
	}
	for _, want := range []string{
		"Created symlink " + etc + "multi-user.target.wants/app.target → " + etc + "app.target.",
		"Created symlink " + etc + "application.target → " + etc + "app.target.",
		"Created symlink " + etc + "app.target.requires/helper.target → " + etc + "helper.target.",
	} {
		if !strings.Contains(errs, want) {
			t.Errorf("enable output lacks %q:\n%s", want, errs)
		}
	}
	if st, code := isEnabled("app.target"); st != "enabled" || code != 0 {
		t.Errorf("after enable: %q exit %d", st, code)
	}
	if st := s.Show("app.target", "ActiveState"); st != "active" {
		t.Errorf("--now did not start app.target: %s", st)
	}
	if w := s.Show("multi-user.target", "Wants"); !strings.Contains(w, "app.target") {
		t.Errorf("after enable (and the reload it does) multi-user.target Wants=%q", w)
	}
	if id := s.Show("application.target", "Id"); id != "app.target" {
		t.Errorf("alias resolves to %q", id)
	}

	_, errs, code = s.Sctl("disable", "--now", "app.target")
	if code != 0 || !strings.Contains(errs, `Removed "`+etc+`multi-user.target.wants/app.target".`) || !strings.Contains(errs, `Removed "`+etc+`application.target".`) {
		t.Errorf("disable: exit %d\n%s", code, errs)
	}
	if st, _ := isEnabled("app.target"); st != "disabled" {
		t.Errorf("after disable: %q", st)
	}
	if st := s.Show("app.target", "ActiveState"); st != "inactive" {
		t.Errorf("disable --now did not stop app.target: %s", st)
	}

	if _, errs, code := s.Sctl("enable", "plain.target"); code != 0 || !strings.Contains(errs, "no installation config") {
		t.Errorf("enable of a unit without [Install]: exit %d %q", code, errs)
	}
	if st, code := isEnabled("plain.target"); st != "static" || code != 0 {
		t.Errorf("plain.target: %q exit %d", st, code)
	}

	// A runtime mask shadows a vendor unit (/usr/lib) but not one in /etc, which comes first on the path.
	_, errs, code = s.Sctl("mask", "--runtime", "emergency.target")
	if code != 0 || !strings.Contains(errs, "Created symlink /run/sysmaster/system/emergency.target → /dev/null.") {
		t.Errorf("mask --runtime: exit %d %q", code, errs)
	}
	if st := s.Show("emergency.target", "LoadState"); st != "masked" {
		t.Errorf("after mask: LoadState %s", st)
	}
	if st, code := isEnabled("emergency.target"); st != "masked" || code == 0 {
		t.Errorf("is-enabled of a masked unit: %q exit %d", st, code)
	}
	if _, errs, code := s.Sctl("start", "emergency.target"); code == 0 || !strings.Contains(errs, "masked") {
		t.Errorf("start of a masked unit: exit %d %q", code, errs)
	}
	if _, errs, code := s.Sctl("mask", "app.target"); code == 0 || !strings.Contains(errs, "already exists") {
		t.Errorf("mask over a real unit file must be refused: exit %d %q", code, errs)
	}
	if _, err := os.Stat(filepath.Join(s.Etc, "system/app.target")); err != nil {
		t.Errorf("the refused mask hurt the unit file: %v", err)
	}
	if _, errs, code := s.Sctl("unmask", "emergency.target"); code != 0 || !strings.Contains(errs, `Removed "/run/sysmaster/system/emergency.target".`) {
		t.Errorf("unmask: exit %d %q", code, errs)
	}
	if st := s.Show("emergency.target", "LoadState"); st != "loaded" {
		t.Errorf("after unmask: LoadState %s", st)
	}
	if _, errs, code := s.SctlAs(65534, "enable", "app.target"); code == 0 || !strings.Contains(errs, "Access denied") {
		t.Errorf("enable as nobody: exit %d %q", code, errs)
	}
	if _, errs, code := s.Sctl("enable", "missing.target"); code == 0 || !strings.Contains(errs, "does not exist") {
		t.Errorf("enable of a missing unit: exit %d %q", code, errs)
	}
}

// On a first boot (empty /etc/machine-id) the presets are applied before the boot transaction, enabling only, as
// systemd does: a unit enabled already (a package's postinst did it) stays enabled though the presets say
// disable. sctl preset, preset-all and the PRESET column use the same rules.
func TestPresetsOnFirstBoot(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{
		FirstBoot: true,
		Units: map[string]string{
			"on.target":                       "[Unit]\nDescription=On\n[Install]\nWantedBy=multi-user.target\n",
			"off.target":                      "[Unit]\nDescription=Off\n[Install]\nWantedBy=multi-user.target\n",
			"static.target":                   "[Unit]\nDescription=No install info\n",
			"kept.target":                     "[Unit]\nDescription=Kept\n[Install]\nWantedBy=multi-user.target\n",
			"../system-preset/50-test.preset": "# test presets\ndisable off.target\ndisable kept.target\n",
		},
		Links: map[string]string{"multi-user.target.wants/kept.target": "../kept.target"},
	})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if st := s.Show("on.target", "ActiveState"); st != "active" {
		t.Errorf("on.target (enabled by preset on first boot) is %s", st)
	}
	if st := s.Show("off.target", "ActiveState"); st != "inactive" {
		t.Errorf("off.target (preset disable) is %s", st)
	}
	if st := s.Show("kept.target", "ActiveState"); st != "active" {
		t.Errorf("kept.target (enabled before the first boot, preset disable) is %s", st)
	}
	out, _, _ := s.Sctl("list-unit-files", "--no-legend", "on.target", "off.target", "static.target")
	for _, row := range [][]string{{"on.target", "enabled", "enabled"}, {"off.target", "disabled", "disabled"}, {"static.target", "static", "-"}} {
		if !hasRow(out, row...) {
			t.Errorf("list-unit-files lacks %v:\n%s", row, out)
		}
	}
	// Enable off.target by hand; preset puts it back as the presets say, and so does preset-all.
	s.Sctl("enable", "off.target")
	if _, errs, code := s.Sctl("preset", "off.target"); code != 0 || !strings.Contains(errs, "Removed") {
		t.Errorf("preset off.target: exit %d %q", code, errs)
	}
	s.Sctl("disable", "on.target")
	if _, errs, code := s.Sctl("preset-all"); code != 0 || !strings.Contains(errs, "Created symlink /etc/sysmaster/system/multi-user.target.wants/on.target") {
		t.Errorf("preset-all: exit %d %q", code, errs)
	}
	if st, _, _ := s.Sctl("is-enabled", "on.target"); st != "enabled\n" {
		t.Errorf("after preset-all on.target is %q", st)
	}
}

// Units in the generator and transient directories are found and reported as generated and transient.
func TestGeneratedAndTransientUnits(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	root := filepath.Join("/proc", strconv.Itoa(s.InitPid), "root")
	p := filepath.Join(root, "run/sysmaster/transient/trans.target")
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("[Unit]\nDescription=trans.target\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	// The generator directories are the generators' own: daemon-reload empties them and runs the generators.
	s.WriteFile("system-generators/gen", "#!/bin/sh\nprintf '[Unit]\\nDescription=gen.target\\n' > \"$1/gen.target\"\n"+
		"printf '[Unit]\\nDescription=late.target\\n' > \"$3/late.target\"\n")
	if err := os.Chmod(filepath.Join(s.Etc, "system-generators/gen"), 0o755); err != nil {
		t.Fatal(err)
	}
	s.Sctl("daemon-reload")
	out, _, _ := s.Sctl("list-unit-files", "gen.target", "late.target", "trans.target")
	for name, want := range map[string]string{"gen.target": "generated", "late.target": "generated", "trans.target": "transient"} {
		if !strings.Contains(rowOf(out, name), want) {
			t.Errorf("list-unit-files: %s is not %s:\n%s", name, want, out)
		}
		if st, _, code := s.Sctl("is-enabled", name); strings.TrimSpace(st) != want || code != 0 {
			t.Errorf("is-enabled %s: %q exit %d", name, st, code)
		}
	}
	if _, errs, code := s.Sctl("start", "gen.target"); code != 0 || s.Show("gen.target", "ActiveState") != "active" {
		t.Errorf("start gen.target: exit %d %s", code, errs)
	}
}
