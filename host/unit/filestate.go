package unit

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// FileState returns the unit file state of name as `sctl is-enabled` and `sctl list-unit-files` report it, by
// systemd's unit_file_lookup_state: "masked"; "alias" for a name that is a link to another unit; "enabled" (or
// "enabled-runtime") when a link the [Install] section would make exists in a configuration directory (for a
// template, the link of its DefaultInstance=); "indirect" when other links point to the file (a template whose
// instances were enabled) or when it has only Also=; "linked" (or "linked-runtime") when the only link is the one
// that puts a file from elsewhere on the path under its own name (`sctl link`); "disabled" when it has install
// rules; "static" otherwise;
// "bad" for a file that cannot be read; "" when there is no file. runtime is the runtime configuration directory
// ("" when there is none): links there make "enabled-runtime".
func (l *Loader) FileState(name, runtime string) string {
	f := l.InstallInfo(name)
	switch {
	case f.LoadState == Masked:
		return "masked"
	case f.FragmentPath == "":
		return ""
	case f.LoadState != Loaded:
		return "bad"
	case f.Name != name && !unitname.IsInstance(name):
		return "alias"
	}
	if st := l.linkState(f, runtime, true); st != "" {
		return st
	}
	in := f.Install
	switch {
	case l.linkState(f, runtime, false) != "":
		return "indirect"
	case len(in.WantedBy)+len(in.RequiredBy)+len(in.UpheldBy)+len(in.Alias) > 0:
		return "disabled"
	case len(in.Also) > 0:
		return "indirect"
	}
	return "static"
}

// linkState looks for links to f in the configuration directories (every directory of the search path but the
// vendor one, the last): "enabled" for one in a persistent directory, "enabled-runtime" for one in runtime
// only; with knownName and none of those, "linked" or "linked-runtime" for a link named after the unit in the
// directory itself (systemd's same_name_link); "" for none. With knownName, only links named as [Install] would name them count (the unit's name, an
// alias, a template's DefaultInstance=); without, any link that points to the file (or is named after it).
func (l *Loader) linkState(f *Fragment, runtime string, knownName bool) string {
	known := map[string]bool{f.Name: true}
	for _, a := range f.Install.Alias {
		known[a] = true
	}
	if unitname.IsTemplate(f.Name) && f.Install.DefaultInstance != "" {
		if n, err := unitname.Instantiate(f.Name, f.Install.DefaultInstance); err == nil {
			known[n] = true
		}
	}
	state, linked := "", ""
	for _, dir := range l.configDirs() {
		found, sameName := false, false
		for _, sub := range linkDirs(dir) {
			ents, err := os.ReadDir(sub)
			if err != nil {
				continue
			}
			for _, e := range ents {
				if e.Type()&os.ModeSymlink == 0 {
					continue
				}
				p := filepath.Join(sub, e.Name())
				target, err := os.Readlink(p)
				if err != nil || target == os.DevNull {
					continue
				}
				// An instance's links are only those named after it: they all point to the template's file.
				byName, byTarget := e.Name() == f.Name, filepath.Base(target) == f.Name
				if !byTarget && !unitname.IsInstance(f.Name) {
					if resolved, err := filepath.EvalSymlinks(p); err == nil && resolved == f.FragmentPath {
						byTarget = true
					}
				}
				if sub == dir && byName {
					sameName = true // a link that puts the unit on the path: "linked" if nothing enables it
					continue
				}
				if (byName || byTarget) && (!knownName || known[e.Name()]) {
					found = true
				}
			}
		}
		switch {
		case found && dir != runtime:
			return "enabled"
		case found:
			state = "enabled-runtime"
		case sameName && knownName && linked == "":
			linked = "linked"
			if dir == runtime {
				linked = "linked-runtime"
			}
		}
	}
	if state == "" {
		state = linked
	}
	return state
}

// linkDirs are the directories of dir that hold a unit's enablement links: dir itself (aliases) and its
// .wants, .requires and .upholds directories.
func linkDirs(dir string) []string {
	out := []string{dir}
	ents, err := os.ReadDir(dir)
	if err != nil {
		return out
	}
	for _, e := range ents {
		n := e.Name()
		if e.IsDir() && (strings.HasSuffix(n, ".wants") || strings.HasSuffix(n, ".requires") || strings.HasSuffix(n, ".upholds")) {
			out = append(out, filepath.Join(dir, n))
		}
	}
	return out
}
