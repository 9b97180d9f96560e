package unit

import (
	"fmt"
	"slices"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// declared makes a unit of sections the core found in the system instead of in a file (a mount of the mount
// table): [Unit] as a file's, the type's sections handed to its plugin. Such a unit is left alone by isolate, as
// systemd leaves its mounts. Values are taken as they are: no specifier is expanded in a path of the system.
// As for a file, nil typeSections takes every section as the type's, for Finish to check (Read).
func (l *Loader) declared(f *Fragment, secs []*unitfile.Section, name string, typeSections func(string) ([]string, error)) *Fragment {
	f.ModTimes = nil
	var typeSecs []string
	if typeSections == nil {
		f.unchecked, typeSecs = name, ownSections(secs)
	} else {
		var err error
		if typeSecs, err = typeSections(unitname.Type(f.Name)); err != nil {
			f.LoadState, f.LoadError = NotFound, err
			return f
		}
	}
	var unitSecs []*unitfile.Section
	for _, s := range secs {
		switch {
		case s.Name == "Unit":
			unitSecs = append(unitSecs, s)
		case slices.Contains(typeSecs, s.Name):
			f.TypeSections = append(f.TypeSections, s)
		default:
			f.LoadState, f.LoadError = Error, fmt.Errorf("unit: declared %s has section [%s], not one of its type's", f.Name, s.Name)
			return f
		}
	}
	interpret(f, unitSecs)
	f.Unit.IgnoreOnIsolate = true
	l.addDirDeps(f)
	l.addMountDeps(f)
	f.LoadState = Loaded
	return f
}
