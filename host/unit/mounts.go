package unit

import (
	"path"
	"slices"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// addMountDeps adds what RequiresMountsFor= asks (man systemd.unit): Requires= and After= on the mount unit of
// each path and of each of its parents, up to "/", that has a unit file. A mount unit gets the same for the
// directory its mount point is in, so that a mount goes after, and stops before, the mounts it sits on
// (systemd's mount_add_mount_dependencies), and so does its What= when it is a path (a bind mount's source, a
// loop mount's image); a swap does for its What= (a swap file). A mount without a file, found in the mount
// table, is only ordered after.
func (l *Loader) addMountDeps(f *Fragment) {
	paths := f.Unit.RequiresMountsFor
	switch unitname.Type(f.Name) {
	case "mount":
		if where, err := unitname.ToPath(f.Name); err == nil && where != "/" {
			paths = append(paths, path.Dir(where))
		}
		if what := typeValue(f, "Mount", "What"); f.FragmentPath != "" && strings.HasPrefix(what, "/") {
			// The source of a bind mount or the image of a loop mount must be there first.
			paths = append(paths, what)
		}
	case "swap":
		what := typeValue(f, "Swap", "What")
		if what == "" {
			what, _ = unitname.ToPath(f.Name)
		}
		if strings.HasPrefix(what, "/") {
			paths = append(paths, what) // a swap file's file system
		}
	}
	for _, p := range paths {
		for prefix := path.Clean(p); ; prefix = path.Dir(prefix) {
			name, err := unitname.FromPath(prefix, ".mount")
			switch {
			case err != nil || name == f.Name:
			case l.hasFile(name):
				if !slices.Contains(f.Unit.Deps[Requires], name) {
					f.Unit.Deps[Requires] = append(f.Unit.Deps[Requires], name)
				}
				if !slices.Contains(f.Unit.Deps[After], name) {
					f.Unit.Deps[After] = append(f.Unit.Deps[After], name)
				}
			case l.Declared != nil && l.Declared(name) != nil:
				// A mount of the mount table is only ordered after, as in systemd.
				if !slices.Contains(f.Unit.Deps[After], name) {
					f.Unit.Deps[After] = append(f.Unit.Deps[After], name)
				}
			}
			if prefix == "/" {
				break
			}
		}
	}
}

// typeValue is the last value of key in the type's section sec ("" when unset).
func typeValue(f *Fragment, sec, key string) string {
	v := ""
	for _, s := range f.TypeSections {
		if s.Name != sec {
			continue
		}
		for _, e := range s.Entries {
			if e.Key == key {
				v = e.Value
			}
		}
	}
	return v
}

// hasFile reports whether a unit file (not a mask) for name is on the search path.
func (l *Loader) hasFile(name string) bool {
	_, _, state, _ := l.find(&Fragment{}, name)
	return state == Loaded
}
