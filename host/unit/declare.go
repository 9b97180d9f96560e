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
//
// Its drop-ins apply as to a file (systemd's unit_load_fragment_and_dropin for device and mount units): NAME.d/*.conf
// on the search path, with the values they set after the declared ones, and their specifiers expanded.
func (l *Loader) declared(f *Fragment, secs []*unitfile.Section, name string, typeSections func(string) ([]string, error)) *Fragment {
	f.ModTimes = nil
	drop, err := l.declaredDropIns(f)
	if err != nil {
		f.LoadState, f.LoadError = BadSetting, err
		return f
	}
	var typeSecs []string
	if typeSections == nil {
		f.unchecked, typeSecs = name, ownSections(unitfile.Merge(&unitfile.File{Sections: secs}, &unitfile.File{Sections: drop}))
	} else {
		var err error
		if typeSecs, err = typeSections(unitname.Type(f.Name)); err != nil {
			f.LoadState, f.LoadError = NotFound, err
			return f
		}
	}
	// The drop-ins' sections are checked as a file's (unknown ones are warned about and left out; specifiers
	// expanded); the declared ones are the system's own.
	checked := &Fragment{Name: f.Name}
	if err := l.check(checked, drop, typeSecs); err != nil {
		f.LoadState, f.LoadError = BadSetting, err
		return f
	}
	f.Warnings = append(f.Warnings, checked.Warnings...)
	drop = slices.DeleteFunc(drop, func(s *unitfile.Section) bool { return s.Name != "Unit" && !slices.Contains(typeSecs, s.Name) })
	secs = unitfile.Merge(&unitfile.File{Sections: secs}, &unitfile.File{Sections: drop})
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

// declaredDropIns reads the drop-ins of a declared unit, merged in the order they apply.
func (l *Loader) declaredDropIns(f *Fragment) ([]*unitfile.Section, error) {
	var files []*unitfile.File
	for _, p := range l.dropIns(f) {
		d, err := unitfile.ParseFile(p)
		if err != nil {
			return nil, err
		}
		f.DropInPaths = append(f.DropInPaths, p)
		for _, w := range d.Warnings {
			f.Warnings = append(f.Warnings, w)
		}
		files = append(files, d)
	}
	return unitfile.Merge(files...), nil
}
