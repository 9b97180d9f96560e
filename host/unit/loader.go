package unit

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/specifier"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// Loader finds and reads unit files. Its zero value is not usable: Paths must be set.
type Loader struct {
	// Paths is the search path, first wins.
	Paths []string
	// Hostname, MachineID and BootID are what %H, %m and %b expand to.
	Hostname, MachineID, BootID string
	// TypeSections returns the sections a unit type interprets besides [Unit] and [Install] (its plugin says),
	// or an error when no plugin can serve the type: the unit is then not-found with that error. It is asked
	// only for units that have a file.
	TypeSections func(unitType string) ([]string, error)
	// Declared returns the sections of a unit found in the system (a mount in the mount table) for a name that
	// has no file, or nil. Nil Declared declares nothing.
	Declared func(name string) []*unitfile.Section

	listed *listings // while a Batch runs
}

// Load reads the unit called name. It never returns nil and never panics: problems end up in LoadState and
// LoadError.
func (l *Loader) Load(name string) *Fragment {
	f := l.Read(name)
	l.Finish(f)
	return f
}

// Read is Load without the question to TypeSections, which may wait for a plugin's launch: a unit with a file
// (or declared) takes every section it has besides [Unit], [Install] and X- ones as its type's, and Finish
// checks that against the type's answer. Reading every unit a boot names first and finishing them after lets
// the plugins of all their types launch at once.
func (l *Loader) Read(name string) *Fragment { return l.load(name, nil) }

// Finish completes a fragment of Read: with the type's sections as TypeSections says, it is what Load would have
// returned. A unit whose sections are all its type's (every unit that loads) is not read again; one with a
// section its type does not take, or of a type no plugin serves, is loaded again the way Load does, for the
// same state and error. Finishing a finished fragment does nothing.
func (l *Loader) Finish(f *Fragment) {
	name := f.unchecked
	if name == "" {
		return
	}
	f.unchecked = ""
	var typeSecs []string
	var err error
	if l.TypeSections != nil {
		typeSecs, err = l.TypeSections(unitname.Type(f.Name))
	}
	if err == nil && !slices.ContainsFunc(f.TypeSections, func(s *unitfile.Section) bool { return !slices.Contains(typeSecs, s.Name) }) {
		return
	}
	*f = *l.load(name, func(string) ([]string, error) { return typeSecs, err })
}

// Unchecked reports a fragment of Read that Finish has yet to complete.
func (f *Fragment) Unchecked() bool { return f.unchecked != "" }

// load reads name, asking typeSections which sections its type takes; nil typeSections is Read's way.
func (l *Loader) load(name string, typeSections func(unitType string) ([]string, error)) (f *Fragment) {
	f = &Fragment{Name: name, Names: []string{name}}
	defer func() {
		if r := recover(); r != nil {
			f.LoadState, f.LoadError = Error, fmt.Errorf("unit: internal error loading %s: %v", name, r)
		}
	}()
	// A template loads as a unit too, as in systemd (for show, status and cat); it takes no job (see the
	// manager).
	if !unitname.Valid(name) {
		f.LoadState, f.LoadError = Error, fmt.Errorf("unit: %q is not a valid unit name", name)
		return f
	}
	path, id, state, err := l.find(f, name)
	if id != name {
		f.Name = id
		f.Names = []string{id, name}
	}
	f.FragmentPath = path
	if state == NotFound && l.Declared != nil {
		if secs := l.Declared(id); secs != nil {
			return l.declared(f, secs, name, typeSections)
		}
	}
	if state != Loaded {
		f.LoadState, f.LoadError = state, err
		return f
	}
	var typeSecs []string
	if typeSections == nil {
		f.unchecked = name
	} else if typeSecs, err = typeSections(unitname.Type(id)); err != nil {
		f.LoadState, f.LoadError = NotFound, err
		return f
	}
	main, err := unitfile.ParseFile(path)
	if err != nil {
		f.LoadState, f.LoadError = BadSetting, err
		return f
	}
	files := []*unitfile.File{main}
	for _, p := range l.dropIns(f) {
		d, err := unitfile.ParseFile(p)
		if err != nil {
			f.LoadState, f.LoadError = BadSetting, err
			return f
		}
		f.DropInPaths = append(f.DropInPaths, p)
		files = append(files, d)
	}
	for _, file := range files {
		for _, w := range file.Warnings {
			f.Warnings = append(f.Warnings, w)
		}
	}
	secs := unitfile.Merge(files...)
	if f.unchecked != "" {
		typeSecs = ownSections(secs)
	}
	if err := l.check(f, secs, typeSecs); err != nil {
		f.LoadState, f.LoadError = BadSetting, err
		return f
	}
	interpret(f, secs)
	l.addDirDeps(f)
	l.addMountDeps(f)
	f.LoadState = Loaded
	return f
}

// ownSections names the sections of secs that are not [Unit], [Install] or X- extensions: the type's, if the
// unit is right.
func ownSections(secs []*unitfile.Section) []string {
	var out []string
	for _, s := range secs {
		if s.Name != "Unit" && s.Name != "Install" && !strings.HasPrefix(s.Name, "X-") {
			out = append(out, s.Name)
		}
	}
	return out
}

// find looks name up on the search path, following aliases and falling back to the template of an instance.
// It returns the fragment path, the unit id and Loaded, or the LoadState and error that say why not.
func (l *Loader) find(f *Fragment, name string) (string, string, LoadState, error) {
	for _, dir := range l.Paths {
		if !l.mayHave(dir, name) {
			continue
		}
		p := filepath.Join(dir, name)
		st, err := os.Lstat(p)
		if err != nil {
			continue
		}
		f.noteModTime(p, st.ModTime())
		if st.Mode()&os.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			if target == os.DevNull {
				return p, name, Masked, fmt.Errorf("unit %s is masked (%s links to /dev/null)", name, p)
			}
			resolved, err := filepath.EvalSymlinks(p)
			if err != nil {
				return p, name, NotFound, &unitfile.Error{File: p, Msg: "dangling symlink: " + err.Error()}
			}
			if resolved == os.DevNull {
				return p, name, Masked, fmt.Errorf("unit %s is masked (%s links to /dev/null)", name, p)
			}
			id := filepath.Base(resolved)
			if id != name {
				if unitname.Type(id) != unitname.Type(name) || !unitname.Valid(id) {
					return p, name, Error, &unitfile.Error{File: p, Msg: fmt.Sprintf("alias %s points to %s, which is not a unit of the same type", name, resolved)}
				}
				if unitname.IsTemplate(id) && unitname.IsInstance(name) {
					_, inst, _ := unitname.Split(name)
					id, _ = unitname.Instantiate(id, inst)
				}
			}
			return regular(f, resolved, id)
		}
		return regular(f, p, name)
	}
	if unitname.IsInstance(name) {
		tpath, tid, state, err := l.find(f, unitname.Template(name))
		if state == Loaded || state == Masked || state == Error {
			_, inst, _ := unitname.Split(name)
			id, ierr := unitname.Instantiate(tid, inst)
			if ierr != nil {
				id = name
			}
			return tpath, id, state, err
		}
	}
	return "", name, NotFound, fmt.Errorf("unit %s not found", name)
}

// regular checks the file a name resolved to: a directory is an error, an empty file masks.
func regular(f *Fragment, path, id string) (string, string, LoadState, error) {
	st, err := os.Stat(path)
	if err != nil {
		return path, id, Error, &unitfile.Error{File: path, Msg: err.Error()}
	}
	f.noteModTime(path, st.ModTime())
	switch {
	case st.IsDir():
		return path, id, Error, &unitfile.Error{File: path, Msg: "is a directory, not a unit file"}
	case st.Size() == 0:
		return path, id, Masked, fmt.Errorf("unit %s is masked (%s is empty)", id, path)
	}
	return path, id, Loaded, nil
}

// check expands specifiers and hands the type's sections on. As systemd does, a section that is neither
// [Unit], [Install], the type's own nor an X- extension is logged and ignored, and so is an assignment whose
// specifiers do not resolve, except in a command line (Exec*=), which makes the unit bad-setting.
func (l *Loader) check(f *Fragment, secs []*unitfile.Section, typeSecs []string) error {
	r := specifier.Unit{Name: f.Name, Path: f.FragmentPath, Hostname: l.Hostname, MachineID: l.MachineID, BootID: l.BootID}.Resolver()
	for _, s := range secs {
		known := s.Name == "Unit" || s.Name == "Install" || slices.Contains(typeSecs, s.Name)
		if !known {
			if !strings.HasPrefix(s.Name, "X-") {
				f.Warnings = append(f.Warnings, &unitfile.Error{File: s.File, Line: s.Line, Section: s.Name,
					Msg: fmt.Sprintf("Unknown section '%s'. Ignoring.", s.Name)})
			}
			continue
		}
		kept := s.Entries[:0]
		for _, e := range s.Entries {
			v, err := specifier.Expand(e.Value, r)
			if err != nil {
				perr := &unitfile.Error{File: e.File, Line: e.Line, Section: s.Name, Key: e.Key,
					Msg: fmt.Sprintf("Failed to resolve unit specifiers in '%s': %v", e.Value, err)}
				if strings.HasPrefix(e.Key, "Exec") {
					return perr
				}
				perr.Msg += ", ignoring"
				f.Warnings = append(f.Warnings, perr)
				continue
			}
			e.Value = v
			kept = append(kept, e)
		}
		s.Entries = kept
		if slices.Contains(typeSecs, s.Name) {
			f.TypeSections = append(f.TypeSections, s)
		}
	}
	return nil
}

// addDirDeps adds the units linked in NAME.wants/, NAME.requires/ and NAME.upholds/ on the search path.
func (l *Loader) addDirDeps(f *Fragment) {
	names := append([]string(nil), f.Names...)
	if unitname.IsInstance(f.Name) {
		names = append(names, unitname.Template(f.Name))
	}
	for _, kind := range []struct {
		suffix string
		dep    DepKind
	}{{".wants", Wants}, {".requires", Requires}, {".upholds", Upholds}} {
		for _, dir := range l.Paths {
			for _, n := range names {
				if !l.mayHave(dir, n+kind.suffix) {
					continue
				}
				d := filepath.Join(dir, n+kind.suffix)
				ents, err := os.ReadDir(d)
				if err != nil {
					continue
				}
				if st, err := os.Stat(d); err == nil {
					f.noteModTime(d, st.ModTime())
				}
				for _, e := range ents {
					if unitname.Valid(e.Name()) && !slices.Contains(f.Unit.Deps[kind.dep], e.Name()) {
						f.Unit.Deps[kind.dep] = append(f.Unit.Deps[kind.dep], e.Name())
					}
				}
			}
		}
	}
}

// FileInfo is one unit file on the search path.
type FileInfo struct {
	Name, Path string
	Masked     bool
	Alias      bool
	Target     string // for an alias, the unit it names
}

// ListFiles enumerates the unit files on the search path; for a name found in several directories the first
// wins.
func (l *Loader) ListFiles() ([]FileInfo, error) {
	seen := map[string]bool{}
	var out []FileInfo
	for _, dir := range l.Paths {
		ents, err := os.ReadDir(dir)
		if err != nil {
			if os.IsNotExist(err) {
				continue
			}
			return nil, err
		}
		for _, e := range ents {
			n := e.Name()
			if seen[n] || !unitname.Valid(n) {
				continue
			}
			p := filepath.Join(dir, n)
			fi := FileInfo{Name: n, Path: p}
			st, err := os.Stat(p)
			if err != nil || st.IsDir() {
				continue
			}
			if target, err := os.Readlink(p); err == nil {
				if target == os.DevNull {
					fi.Masked = true
				} else if base := filepath.Base(target); base != n {
					fi.Alias, fi.Target = true, base
				}
			} else if st.Size() == 0 {
				fi.Masked = true
			}
			seen[n] = true
			out = append(out, fi)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}
