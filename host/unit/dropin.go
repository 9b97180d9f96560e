package unit

import (
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// dropInDirs lists, most specific first, the NAME.d directory names that apply to f: its names, its template,
// its prefix drop-ins (foo-bar-.service.d, then foo-.service.d for foo-bar-baz.service) and the type-wide one.
func dropInDirs(f *Fragment) []string {
	var dirs []string
	add := func(d string) {
		if !slices.Contains(dirs, d) {
			dirs = append(dirs, d)
		}
	}
	for _, n := range f.Names {
		add(n + ".d")
	}
	if unitname.IsInstance(f.Name) {
		add(unitname.Template(f.Name) + ".d")
	}
	prefix, _, typ := unitname.Split(f.Name)
	parts := strings.Split(prefix, "-")
	for i := len(parts) - 1; i >= 1; i-- {
		add(strings.Join(parts[:i], "-") + "-." + typ + ".d")
	}
	add(typ + ".d")
	return dirs
}

// NewDropInDir reports whether a drop-in directory of f exists now that was not read when f was (one made since,
// as `sctl edit --no-reload` makes it): a change a new file in a known one would not show through ModTimes.
// systemd's unit_need_daemon_reload finds it by looking for the drop-in paths anew.
func (l *Loader) NewDropInDir(f *Fragment) bool {
	for _, dir := range l.Paths {
		for _, d := range dropInDirs(f) {
			full := filepath.Join(dir, d)
			if slices.ContainsFunc(f.ModTimes, func(m ModTime) bool { return m.Path == full }) {
				continue
			}
			if st, err := os.Stat(full); err == nil && st.IsDir() {
				return true
			}
		}
	}
	return false
}

// dropIns returns the drop-in files of f in the order they apply. A file name seen in an earlier directory of
// the search path (or, within one directory of the path, a more specific NAME.d) hides the same name elsewhere;
// one linked to /dev/null disables that name. The kept files apply sorted by file name, so that "10-x.conf" in
// the type-wide directory comes before "20-y.conf" of the unit itself, as in systemd.
func (l *Loader) dropIns(f *Fragment) []string {
	chosen := map[string]string{} // base name -> path ("" when disabled)
	for _, dir := range l.Paths {
		for _, d := range dropInDirs(f) {
			if !l.mayHave(dir, d) {
				continue
			}
			full := filepath.Join(dir, d)
			ents, err := os.ReadDir(full)
			if err != nil {
				continue
			}
			if st, err := os.Stat(full); err == nil {
				f.noteModTime(full, st.ModTime())
			}
			for _, e := range ents {
				name := e.Name()
				if !strings.HasSuffix(name, ".conf") {
					continue
				}
				if _, seen := chosen[name]; seen {
					continue
				}
				p := filepath.Join(full, name)
				if t, err := os.Readlink(p); err == nil && t == os.DevNull {
					chosen[name] = ""
					continue
				}
				if st, err := os.Stat(p); err == nil {
					f.noteModTime(p, st.ModTime())
				}
				chosen[name] = p
			}
		}
	}
	names := make([]string, 0, len(chosen))
	for n, p := range chosen {
		if p != "" {
			names = append(names, n)
		}
	}
	sort.Strings(names)
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = chosen[n]
	}
	return out
}
