// Package migrate puts sysmaster in charge of a systemd system (sysmaster-migrate): sysmaster reads the unit
// files where systemd keeps them, so the packages' units, the admin's enablement (wants/ and requires/ links,
// aliases, masks, the default target) and later package updates carry over unchanged; systemd's own daemons
// that sysmaster replaces are aliased to sysmaster's units; the generators that apply are linked in. Everything
// it creates is listed in a manifest, so Revert takes exactly that away. It works on the running system or on an
// offline root (Options.Root), and changes nothing with DryRun. docs/migrating-debian.md is the guide.
package migrate

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// Where sysmaster and systemd keep things, relative to the root.
const (
	confPath       = "etc/sysmaster/system.conf"
	manifestPath   = "etc/sysmaster/migrate.json"
	unitDir        = "etc/sysmaster/system"
	generatorDir   = "etc/sysmaster/system-generators"
	ourUnits       = "usr/lib/sysmaster/system"
	systemdUnits   = "usr/lib/systemd/system"
	systemdLegacy  = "lib/systemd/system" // the same directory on a merged-/usr system
	systemdEtc     = "etc/systemd/system"
	systemdGenDir  = "usr/lib/systemd/system-generators"
	migratedHeader = "# UnitPaths set by sysmaster-migrate (sysmaster-migrate --revert restores this file)."
)

// replacements are systemd's daemons that sysmaster replaces with its own: the systemd name becomes an alias of
// sysmaster's unit, so that every dependency on it (sysinit.target.wants/, After=, Wants=) reaches ours.
var replacements = []struct{ systemd, ours string }{
	{"systemd-udevd.service", "sysmaster-udevd.service"},
	{"systemd-udev-trigger.service", "sysmaster-udev-trigger.service"},
	{"systemd-udev-settle.service", "sysmaster-udev-settle.service"},
	{"systemd-random-seed.service", "sysmaster-random-seed.service"},
	{"systemd-update-utmp.service", "sysmaster-update-utmp.service"},
	{"systemd-update-utmp-runlevel.service", "sysmaster-update-utmp-runlevel.service"},
	{"systemd-initctl.service", "sysmaster-initctl.service"},
}

// masks are systemd units that have no job once their daemon is replaced: systemd-udevd's sockets (sysmaster's
// udevd takes its control and netlink sockets from its own socket units).
var masks = []string{"systemd-udevd-control.socket", "systemd-udevd-kernel.socket"}

// generators are systemd's generators that sysmaster runs: the getty on the kernel's console, and the kernel
// command line's systemd.mask=/systemd.wants= (debug-generator). sysmaster ships its own fstab generator.
var generators = []string{"systemd-getty-generator", "systemd-debug-generator"}

// Options says what to migrate and how.
type Options struct {
	Root   string // "/" for the running system
	DryRun bool
}

// Change is one thing the migration does (or, dry, would do).
type Change struct {
	Kind   string `json:"kind"` // config, alias, mask, generator
	Path   string `json:"path"` // relative to the root
	Target string `json:"target,omitempty"`
	Why    string `json:"why"`
}

// manifest is what Revert needs: the links made and system.conf as it was.
type manifest struct {
	Changes []Change `json:"changes"`
	Conf    *string  `json:"conf"` // nil: there was no system.conf
	Dirs    []string `json:"dirs"` // directories the migration made, relative to the root
}

func (o Options) path(rel string) string { return filepath.Join(o.Root, rel) }

// UnitPaths is sysmaster's unit search path on a migrated system: sysmaster's directories around systemd's, each
// configuration layer before the vendor one, first wins (a file in /etc/systemd/system overrides the package's
// in /usr/lib/systemd/system, as under systemd). /run/systemd/system is left out: sysmaster's runtime directory is
// /run/sysmaster/system, and the core creates /run/systemd/system only as sd_booted()'s marker (docs/dbus.md).
func (o Options) UnitPaths() []string {
	paths := []string{"/" + unitDir, "/" + systemdEtc, "/run/sysmaster/system", "/" + ourUnits, "/" + systemdUnits}
	if !sameDir(o.path(systemdUnits), o.path(systemdLegacy)) {
		paths = append(paths, "/"+systemdLegacy)
	}
	return paths
}

// relative is the link from directory dir to target, both relative to the root: a relative link resolves the
// same on the running system and under an offline root (where an absolute one would point out of it).
func relative(dir, target string) string {
	r, _ := filepath.Rel("/"+dir, "/"+target) // both absolute: never fails
	return r
}

func sameDir(a, b string) bool {
	sa, err1 := os.Stat(a)
	sb, err2 := os.Stat(b)
	return err1 == nil && err2 == nil && os.SameFile(sa, sb)
}

// Plan lists the changes Migrate makes on o.Root, in order.
func Plan(o Options) ([]Change, error) {
	if _, err := os.Stat(o.path(ourUnits)); err != nil {
		return nil, fmt.Errorf("sysmaster is not installed in %s (no /%s)", o.Root, ourUnits)
	}
	if _, err := os.Stat(o.path(systemdUnits)); err != nil {
		return nil, fmt.Errorf("no systemd unit files in %s (no /%s)", o.Root, systemdUnits)
	}
	if _, err := os.Stat(o.path(manifestPath)); err == nil {
		return nil, fmt.Errorf("%s is already migrated (/%s exists; sysmaster-migrate --revert first)", o.Root, manifestPath)
	}
	changes := []Change{{Kind: "config", Path: confPath, Target: strings.Join(o.UnitPaths(), " "),
		Why: "sysmaster reads the unit files where systemd keeps them"}}
	for _, r := range replacements {
		if _, err := os.Stat(o.path(filepath.Join(ourUnits, r.ours))); err != nil {
			continue // not shipped by this sysmaster: systemd's runs as an ordinary service
		}
		changes = append(changes, Change{Kind: "alias", Path: filepath.Join(unitDir, r.systemd),
			Target: relative(unitDir, filepath.Join(ourUnits, r.ours)), Why: "replaced by sysmaster's " + r.ours})
	}
	for _, m := range masks {
		if _, err := os.Lstat(o.path(filepath.Join(systemdUnits, m))); err == nil {
			changes = append(changes, Change{Kind: "mask", Path: filepath.Join(unitDir, m), Target: "/dev/null",
				Why: "its daemon is replaced by sysmaster's"})
		}
	}
	for _, g := range generators {
		if _, err := os.Stat(o.path(filepath.Join(systemdGenDir, g))); err == nil {
			changes = append(changes, Change{Kind: "generator", Path: filepath.Join(generatorDir, g),
				Target: relative(generatorDir, filepath.Join(systemdGenDir, g)), Why: "systemd's generator, run by sysmaster"})
		}
	}
	return changes, nil
}

// Migrate carries out the plan (unless o.DryRun) and returns it.
func Migrate(o Options) ([]Change, error) {
	changes, err := Plan(o)
	if err != nil || o.DryRun {
		return changes, err
	}
	man := manifest{}
	if b, err := os.ReadFile(o.path(confPath)); err == nil {
		s := string(b)
		man.Conf = &s
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	// The manifest first: a migration cut short is reverted like a finished one.
	if err := writeManifest(o, man); err != nil {
		return nil, err
	}
	for _, c := range changes {
		if c.Kind == "config" {
			old := ""
			if man.Conf != nil {
				old = *man.Conf
			}
			if err := writeFile(o.path(confPath), withUnitPaths(old, o.UnitPaths())); err != nil {
				return nil, err
			}
		} else {
			p := o.path(c.Path)
			if dir := filepath.Dir(c.Path); !exists(o.path(dir)) {
				if err := os.MkdirAll(o.path(dir), 0o755); err != nil {
					return nil, err
				}
				man.Dirs = append(man.Dirs, dir)
			}
			if fi, err := os.Lstat(p); err == nil {
				return nil, fmt.Errorf("/%s exists already (%s); move it away or --revert", c.Path, fi.Mode().Type())
			}
			if err := os.Symlink(c.Target, p); err != nil {
				return nil, err
			}
		}
		man.Changes = append(man.Changes, c)
		if err := writeManifest(o, man); err != nil {
			return nil, err
		}
	}
	return changes, nil
}

// Revert takes away what Migrate made, as its manifest lists it: the links (only while they still point where
// Migrate pointed them) and system.conf as it was. It returns what it undid.
func Revert(o Options) ([]Change, error) {
	b, err := os.ReadFile(o.path(manifestPath))
	if err != nil {
		return nil, fmt.Errorf("%s was not migrated (no /%s)", o.Root, manifestPath)
	}
	var man manifest
	if err := json.Unmarshal(b, &man); err != nil {
		return nil, fmt.Errorf("/%s: %w", manifestPath, err)
	}
	if o.DryRun {
		return man.Changes, nil
	}
	for _, c := range man.Changes {
		if c.Kind == "config" {
			if man.Conf == nil {
				err = os.Remove(o.path(confPath))
			} else {
				err = writeFile(o.path(confPath), *man.Conf)
			}
		} else if t, lerr := os.Readlink(o.path(c.Path)); lerr == nil && t == c.Target {
			err = os.Remove(o.path(c.Path))
		}
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
	}
	for i := len(man.Dirs) - 1; i >= 0; i-- {
		os.Remove(o.path(man.Dirs[i])) // only when empty: what the admin put there since stays
	}
	return man.Changes, os.Remove(o.path(manifestPath))
}

func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}

func writeManifest(o Options, man manifest) error {
	b, err := json.MarshalIndent(man, "", "  ")
	if err != nil {
		return err
	}
	return writeFile(o.path(manifestPath), string(b)+"\n")
}

// writeFile replaces path's content atomically.
func writeFile(path, content string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".migrate-tmp"
	if err := os.WriteFile(tmp, []byte(content), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// withUnitPaths returns system.conf's text with Manager.UnitPaths set to paths: an existing UnitPaths line of
// [Manager] is commented out and the new one put after it, or the key is added at the top of [Manager] (a
// [Manager] table is added when there is none). Everything else stays as the admin wrote it.
func withUnitPaths(conf string, paths []string) string {
	quoted := make([]string, len(paths))
	for i, p := range paths {
		quoted[i] = fmt.Sprintf("%q", p)
	}
	line := migratedHeader + "\nUnitPaths = [" + strings.Join(quoted, ", ") + "]"
	lines := strings.Split(conf, "\n")
	section, managerAt := "", -1
	for i, l := range lines {
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "[") {
			section = strings.Trim(t, "[] ")
			if section == "Manager" && managerAt < 0 {
				managerAt = i
			}
			continue
		}
		key, _, ok := strings.Cut(t, "=")
		if section == "Manager" && ok && strings.EqualFold(strings.TrimSpace(key), "UnitPaths") {
			lines[i] = "# " + l + "\n" + line
			return strings.Join(lines, "\n")
		}
	}
	if managerAt < 0 {
		return "[Manager]\n" + line + "\n\n" + conf
	}
	lines[managerAt] += "\n" + line
	return strings.Join(lines, "\n")
}
