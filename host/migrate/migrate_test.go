package migrate

import (
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"
)

// fakeRoot lays out a merged-/usr Debian root with sysmaster installed: the directories and files Plan looks at.
func fakeRoot(t *testing.T, conf string) string {
	root := t.TempDir()
	for _, d := range []string{"usr/lib", "etc/systemd/system", systemdUnits, systemdGenDir, ourUnits} {
		if err := os.MkdirAll(filepath.Join(root, d), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink("usr/lib", filepath.Join(root, "lib")); err != nil {
		t.Fatal(err)
	}
	files := map[string]string{
		ourUnits + "/sysmaster-udevd.service":          "[Service]\n",
		ourUnits + "/sysmaster-udev-trigger.service":   "[Service]\n",
		ourUnits + "/sysmaster-update-utmp.service":    "[Service]\n",
		systemdUnits + "/systemd-udevd.service":        "[Service]\n",
		systemdUnits + "/systemd-udevd-control.socket": "[Socket]\n",
		systemdGenDir + "/systemd-getty-generator":     "#!/bin/sh\n",
	}
	if conf != "" {
		files[confPath] = conf
	}
	for p, c := range files {
		if err := os.MkdirAll(filepath.Dir(filepath.Join(root, p)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(root, p), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// snapshot lists every path under root with its link target or content.
func snapshot(t *testing.T, root string) []string {
	var out []string
	filepath.Walk(root, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			t.Fatal(err)
		}
		rel, _ := filepath.Rel(root, p)
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			l, _ := os.Readlink(p)
			out = append(out, rel+" -> "+l)
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			out = append(out, rel+": "+string(b))
		default:
			out = append(out, rel+"/")
		}
		return nil
	})
	sort.Strings(out)
	return out
}

func TestMigrateAndRevert(t *testing.T) {
	const conf = "# the admin's\n[Manager]\nLogLevel = \"debug\"\nUnitPaths = [\"/etc/sysmaster/system\"]\n\n[Plugins]\nIdleTimeoutSec = 0\n"
	root := fakeRoot(t, conf)
	o := Options{Root: root}
	before := snapshot(t, root)

	// A dry run changes nothing and says what a migration does.
	dry, err := Migrate(Options{Root: root, DryRun: true})
	if err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, root); !reflect.DeepEqual(after, before) {
		t.Fatalf("a dry run changed the root:\n%q\n%q", before, after)
	}
	var kinds []string
	for _, c := range dry {
		kinds = append(kinds, c.Kind+" "+c.Path)
	}
	want := []string{"config etc/sysmaster/system.conf", "alias etc/sysmaster/system/systemd-udevd.service",
		"alias etc/sysmaster/system/systemd-udev-trigger.service", "alias etc/sysmaster/system/systemd-update-utmp.service",
		"mask etc/sysmaster/system/systemd-udevd-control.socket",
		"generator etc/sysmaster/system-generators/systemd-getty-generator"}
	if !reflect.DeepEqual(kinds, want) {
		t.Errorf("plan:\n%q\nwant\n%q", kinds, want)
	}

	if _, err := Migrate(o); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(root, confPath))
	wantConf := "# the admin's\n[Manager]\nLogLevel = \"debug\"\n# UnitPaths = [\"/etc/sysmaster/system\"]\n" + migratedHeader +
		"\nUnitPaths = [\"/etc/sysmaster/system\", \"/etc/systemd/system\", \"/run/sysmaster/system\", \"/usr/lib/sysmaster/system\", \"/usr/lib/systemd/system\"]\n\n[Plugins]\nIdleTimeoutSec = 0\n"
	if string(b) != wantConf {
		t.Errorf("system.conf after the migration:\n%s\nwant\n%s", b, wantConf)
	}
	if l, _ := os.Readlink(filepath.Join(root, unitDir, "systemd-udevd.service")); l != "/usr/lib/sysmaster/system/sysmaster-udevd.service" {
		t.Errorf("systemd-udevd.service links to %q", l)
	}
	if l, _ := os.Readlink(filepath.Join(root, unitDir, "systemd-udevd-control.socket")); l != "/dev/null" {
		t.Errorf("systemd-udevd-control.socket links to %q, want a mask", l)
	}
	// Twice is refused; the root stays migrated.
	if _, err := Migrate(o); err == nil || !strings.Contains(err.Error(), "already migrated") {
		t.Errorf("a second migration: %v", err)
	}

	// Revert takes exactly that away: the root is as it was, system.conf byte for byte.
	if _, err := Revert(o); err != nil {
		t.Fatal(err)
	}
	if after := snapshot(t, root); !reflect.DeepEqual(after, before) {
		t.Errorf("after --revert the root differs:\nbefore %q\nafter  %q", before, after)
	}
	if _, err := Revert(o); err == nil {
		t.Errorf("a revert of a root that is not migrated succeeded")
	}
}

// Without a system.conf the migration writes one with a [Manager] table, and the revert removes it.
func TestMigrateWithoutConfig(t *testing.T) {
	root := fakeRoot(t, "")
	if _, err := Migrate(Options{Root: root}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(filepath.Join(root, confPath))
	if !strings.HasPrefix(string(b), "[Manager]\n"+migratedHeader+"\nUnitPaths = [") {
		t.Errorf("system.conf written:\n%s", b)
	}
	if _, err := Revert(Options{Root: root}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, confPath)); !os.IsNotExist(err) {
		t.Errorf("system.conf left after the revert: %v", err)
	}
}

// A file the admin put where a link goes stops the migration with a message naming it; what was done so far is
// in the manifest, so --revert takes it away.
func TestMigrateRefusesToOverwrite(t *testing.T) {
	root := fakeRoot(t, "")
	p := filepath.Join(root, unitDir, "systemd-udevd.service")
	os.MkdirAll(filepath.Dir(p), 0o755)
	if err := os.WriteFile(p, []byte("[Service]\nExecStart=/bin/mine\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Migrate(Options{Root: root}); err == nil || !strings.Contains(err.Error(), "/etc/sysmaster/system/systemd-udevd.service exists") {
		t.Fatalf("migration over the admin's file: %v", err)
	}
	if _, err := Revert(Options{Root: root}); err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "[Service]\nExecStart=/bin/mine\n" {
		t.Errorf("the admin's file was changed: %q", b)
	}
}

// Unsupported inputs: no sysmaster installed, no systemd units.
func TestPlanNeedsBoth(t *testing.T) {
	root := t.TempDir()
	if _, err := Plan(Options{Root: root}); err == nil || !strings.Contains(err.Error(), "sysmaster is not installed") {
		t.Errorf("Plan without sysmaster: %v", err)
	}
	os.MkdirAll(filepath.Join(root, ourUnits), 0o755)
	if _, err := Plan(Options{Root: root}); err == nil || !strings.Contains(err.Error(), "no systemd unit files") {
		t.Errorf("Plan without systemd's units: %v", err)
	}
}
