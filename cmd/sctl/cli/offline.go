package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"syscall"

	"github.com/sysmaster/sysmaster/host/config"
	"github.com/sysmaster/sysmaster/host/unit"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// systemctl --root=DIR: the unit-file verbs on a tree without a running manager (an image being built). sctl
// changes root into DIR and does there what the core does for these verbs (host/unit's install operations, on
// the search path of DIR's /etc/sysmaster/system.conf), so that links point where they will on the booted system
// (/lib/systemd/system/x.service, not DIR/lib/…) and every link inside DIR is followed inside it. The changes are
// reported with DIR in front of the link, as systemctl reports them. Unlike systemctl, which reads the tree with
// its own path logic, this needs the right to chroot (root).

// offlineVerbs are the verbs --root works with.
var offlineVerbs = map[string]bool{"enable": true, "disable": true, "reenable": true, "preset": true, "preset-all": true,
	"mask": true, "unmask": true, "is-enabled": true, "list-unit-files": true, "set-default": true, "get-default": true,
	"link": true, "add-wants": true, "add-requires": true, "revert": true}

// offline runs verb on the tree at o.root.
func offline(verb string, args []string, o options, stdout, stderr io.Writer) int {
	e := &env{o: o, stdout: stdout, stderr: stderr}
	if !offlineVerbs[verb] {
		e.errorf("sctl %s cannot be used with --root=: it needs the running manager.", verb)
		return exitFailure
	}
	root, err := filepath.Abs(o.root)
	if err == nil {
		err = syscall.Chroot(root)
	}
	if err == nil {
		err = os.Chdir("/")
	}
	if err != nil {
		e.errorf("Failed to operate on %s: %v", o.root, err)
		return exitFailure
	}
	cfg, problems := config.Load(config.DefaultPath)
	for _, p := range problems {
		e.errorf("Warning: %v", p)
	}
	off := &offlineTree{env: e, root: root, paths: cfg.UnitPaths, ld: &unit.Loader{Paths: cfg.UnitPaths}}
	return off.run(verb, args)
}

type offlineTree struct {
	*env
	root  string
	paths []string
	ld    *unit.Loader
}

// runtimeDir is where --runtime writes (the second directory of a search path of three or more), or "".
func (t *offlineTree) runtimeDir() string {
	if len(t.paths) >= 3 {
		return t.paths[1]
	}
	return ""
}

func (t *offlineTree) run(verb string, args []string) int {
	switch verb {
	case "is-enabled":
		return t.isEnabled(unitNames(args))
	case "list-unit-files":
		return t.listUnitFiles(args)
	case "get-default":
		p := filepath.Join(t.paths[0], "default.target")
		for _, dir := range t.paths {
			if _, err := os.Lstat(filepath.Join(dir, "default.target")); err == nil {
				p = filepath.Join(dir, "default.target")
				break
			}
		}
		target, err := filepath.EvalSymlinks(p)
		if err != nil {
			t.errorf("Failed to get default target: No such file or directory")
			return exitFailure
		}
		fmt.Fprintln(t.stdout, filepath.Base(target))
		return exitOK
	}
	dir := t.paths[0]
	if t.o.runtime {
		if dir = t.runtimeDir(); dir == "" {
			t.errorf("Failed to %s: no runtime directory in the unit search path %v", verb, t.paths)
			return exitFailure
		}
	}
	changes, err := t.change(verb, args, dir)
	if !t.o.quiet {
		for _, c := range changes {
			c.Path = t.root + c.Path
			fmt.Fprint(t.stderr, formatChanges([]*controlv1.UnitFileChange{{Type: c.Type, Path: c.Path, Source: c.Source}}))
		}
	}
	if err != nil {
		t.errorf("Failed to %s unit: %v", verb, err)
		return exitFailure
	}
	if verb == "enable" && len(changes) == 0 && !t.o.quiet {
		for _, name := range unitNames(args) {
			if !unit.HasInstallInfo(t.ld.InstallInfo(name)) {
				t.errorf("%s", noInstallConfig)
				break
			}
		}
	}
	return exitOK
}

// change carries out a verb that changes links, as the core's ChangeUnitFiles does.
func (t *offlineTree) change(verb string, args []string, dir string) ([]unit.Change, error) {
	ld := t.ld
	switch verb {
	case "set-default":
		name := args[0]
		if filepath.Ext(name) == "" {
			name += ".target"
		}
		return ld.SetDefault(name, t.paths[0])
	case "add-wants", "add-requires":
		if len(args) < 2 {
			return nil, errors.New("Too few arguments.")
		}
		return ld.AddDependency(unitNames(args[:1])[0], verb[len("add-"):], unitNames(args[1:]), dir)
	case "preset-all":
		return t.presetAll(dir)
	}
	var all []unit.Change
	for _, a := range args {
		var changes []unit.Change
		var err error
		name := a
		if verb != "link" {
			name = unitNames([]string{a})[0]
		}
		switch verb {
		case "enable":
			changes, err = ld.Enable(name, dir)
		case "disable":
			changes, err = ld.Disable(name, dir)
		case "reenable":
			if changes, err = ld.Disable(name, dir); err == nil {
				var more []unit.Change
				more, err = ld.Enable(name, dir)
				changes = append(changes, more...)
			}
		case "preset":
			presets, _ := unit.LoadPresets(unit.PresetDirs(t.paths))
			changes, err = t.preset(name, dir, presets)
		case "mask":
			changes, err = ld.Mask(name, dir)
		case "unmask":
			changes, err = ld.Unmask(name)
		case "link":
			changes, err = ld.Link(name, dir)
		case "revert":
			changes, err = ld.Revert(name)
		}
		if all = append(all, changes...); err != nil {
			return all, err
		}
	}
	return all, nil
}

func (t *offlineTree) preset(name, dir string, presets *unit.Presets) ([]unit.Change, error) {
	return t.ld.Preset(name, dir, presets, t.o.presetMode)
}

// presetAll applies the presets to every unit file with install information, as the core's preset-all.
func (t *offlineTree) presetAll(dir string) ([]unit.Change, error) {
	files, err := t.ld.ListFiles()
	if err != nil {
		return nil, err
	}
	presets, _ := unit.LoadPresets(unit.PresetDirs(t.paths))
	var all []unit.Change
	for _, f := range files {
		if f.Masked || f.Alias || unitname.IsInstance(f.Name) {
			continue
		}
		changes, err := t.preset(f.Name, dir, presets)
		if all = append(all, changes...); err != nil {
			return all, fmt.Errorf("%s: %w", f.Name, err)
		}
	}
	return all, nil
}

func (t *offlineTree) isEnabled(names []string) int {
	return reportFileStates(t.env, names, func(name string) (string, error) { return t.ld.FileState(name, t.runtimeDir()), nil })
}

func (t *offlineTree) listUnitFiles(patterns []string) int {
	files, err := t.ld.ListFiles()
	if err != nil {
		t.errorf("Failed to list unit files: %v", err)
		return exitFailure
	}
	presets, _ := unit.LoadPresets(unit.PresetDirs(t.paths))
	var out []*controlv1.UnitFile
	for _, f := range files {
		if len(t.o.types) > 0 && !slices.Contains(t.o.types, unitname.Type(f.Name)) || !matchesAny(patterns, f.Name) {
			continue
		}
		st := t.ld.FileState(f.Name, t.runtimeDir())
		if len(t.o.states) > 0 && !slices.Contains(t.o.states, st) {
			continue
		}
		preset := "disabled"
		if presets.Enabled(f.Name) {
			preset = "enabled"
		}
		out = append(out, &controlv1.UnitFile{Path: f.Path, State: st, Preset: preset})
	}
	fmt.Fprint(t.stdout, formatUnitFiles(out, t.o))
	return exitOK
}

// matchesAny reports whether name matches one of the shell patterns (all names without patterns).
func matchesAny(patterns []string, name string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := filepath.Match(p, name); ok {
			return true
		}
	}
	return false
}
