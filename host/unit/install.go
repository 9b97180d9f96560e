package unit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// Change is one file-system change an install operation made, reported as systemctl reports it.
type Change struct {
	Type   string // "symlink" or "unlink"
	Path   string
	Source string // the link's target, for symlinks
}

// Enable creates the links the [Install] section asks for (WantedBy=, RequiredBy=, UpheldBy=, Alias=, and Also=
// recursively) in dir, which is /etc/sysmaster/system or, for --runtime, /run/sysmaster/system. A unit without
// installation information changes nothing; that is not an error (systemctl only warns). An alias enables the unit
// it names, under that unit's name (systemd's install.c follows the link), so that `enable sshd` of Debian's
// ssh.service makes no second link. A template is enabled as its DefaultInstance=; without one, its WantedBy=,
// RequiredBy= and UpheldBy= make no link (systemd's install_info_symlink_wants): a template is enabled by naming
// an instance.
func (l *Loader) Enable(name, dir string) ([]Change, error) {
	return l.enable(name, dir, map[string]bool{})
}

func (l *Loader) enable(name, dir string, seen map[string]bool) ([]Change, error) {
	if seen[name] {
		return nil, nil
	}
	seen[name] = true
	f, err := l.installable(name)
	if err != nil {
		return nil, err
	}
	in := f.Install
	target := f.Name
	if unitname.IsTemplate(target) {
		target = ""
		if in.DefaultInstance != "" {
			if target, err = unitname.Instantiate(f.Name, in.DefaultInstance); err != nil {
				return nil, err
			}
		}
	}
	var changes []Change
	link := func(path string) error {
		c, err := symlink(f.FragmentPath, path)
		if err != nil {
			return err
		}
		if c != nil {
			changes = append(changes, *c)
		}
		return nil
	}
	for _, d := range []struct {
		list   []string
		suffix string
	}{{in.WantedBy, ".wants"}, {in.RequiredBy, ".requires"}, {in.UpheldBy, ".upholds"}} {
		for _, w := range d.list {
			if target == "" {
				break
			}
			if err := link(filepath.Join(dir, w+d.suffix, target)); err != nil {
				return changes, err
			}
		}
	}
	for _, a := range in.Alias {
		if err := link(filepath.Join(dir, a)); err != nil {
			return changes, err
		}
	}
	for _, also := range in.Also {
		c, err := l.enable(also, dir, seen)
		changes = append(changes, c...)
		if err != nil {
			return changes, err
		}
	}
	return changes, nil
}

// installable reads name for an install operation: it must have a fragment that is not masked.
func (l *Loader) installable(name string) (*Fragment, error) {
	f := l.InstallInfo(name)
	switch {
	case f.LoadState == Masked:
		return nil, fmt.Errorf("Unit %s is masked.", name)
	case f.FragmentPath == "":
		return nil, fmt.Errorf("Unit file %s does not exist.", name)
	case f.LoadState != Loaded:
		return nil, f.LoadError
	}
	return f, nil
}

// InstallInfo reads a unit's file for what install operations need ([Install], and whether it exists or is
// masked) without asking the type's plugin: enabling is file work, and works for templates and for types no
// plugin serves. Only [Install] is interpreted, as systemd's install.c reads it: a mistake elsewhere in the file
// is for loading to report. An alias is followed: Name is the unit it names, Names holds both.
func (l *Loader) InstallInfo(name string) *Fragment {
	f := &Fragment{Name: name, Names: []string{name}}
	path, id, state, err := l.find(f, name)
	f.FragmentPath, f.LoadState, f.LoadError = path, state, err
	if id != name {
		f.Name, f.Names = id, []string{id, name}
	}
	if state != Loaded {
		return f
	}
	file, err := unitfile.ParseFile(path)
	if err == nil {
		var install []*unitfile.Section
		if s := unitfile.FindSection(unitfile.Merge(file), "Install"); s != nil {
			install = append(install, s)
		}
		interpret(f, install)
		if len(f.Warnings) > 0 {
			// What loading logs and ignores, an install operation refuses: the links would be wrong.
			err = f.Warnings[0]
		}
	}
	if err != nil {
		f.LoadState, f.LoadError = BadSetting, err
	}
	return f
}

// Disable removes, from the configuration directories dirs (every directory of the search path that holds
// configuration when none is given: all but the vendor one, the last), every symlink that is named after the unit
// or points to it (systemd's remove_marked_symlinks): its .wants/.requires/.upholds links under any name, and its
// aliases; and so for the units its Also= names, as systemd's disable. systemctl disable cleans the persistent
// directory, disable --runtime the runtime one. An alias disables the unit it names. A template's links include
// those of its instances; an instance's are only those named after it.
func (l *Loader) Disable(name string, dirs ...string) ([]Change, error) {
	f := l.InstallInfo(name)
	switch f.LoadState {
	case NotFound:
		if f.FragmentPath == "" {
			return nil, fmt.Errorf("Unit file %s does not exist.", name)
		}
	case Masked:
		return nil, nil // systemd leaves a masked unit's links alone
	}
	if len(dirs) == 0 {
		dirs = l.configDirs()
	}
	marked := map[string]bool{}
	var mark func(f *Fragment)
	mark = func(f *Fragment) {
		if marked[f.Name] {
			return
		}
		marked[f.Name] = true
		for _, also := range f.Install.Also {
			if g := l.InstallInfo(also); g.LoadState == Loaded {
				mark(g)
			}
		}
	}
	mark(f)
	// A removed link's path is marked too, and the walk goes again, so that links to it go (a wants link made
	// through an alias), as systemd's remove_marked_symlinks does.
	removed := map[string]bool{}
	var changes []Change
	for again := true; again; {
		again = false
		for _, dir := range dirs {
			err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
				if err != nil || d.Type()&fs.ModeSymlink == 0 {
					return nil
				}
				target, err := os.Readlink(p)
				if err != nil || target == os.DevNull {
					return nil
				}
				abs := target
				if !filepath.IsAbs(abs) {
					abs = filepath.Join(filepath.Dir(p), target)
				}
				if !marked[d.Name()] && !marked[filepath.Base(target)] && !removed[filepath.Clean(abs)] {
					if resolved, err := filepath.EvalSymlinks(p); err != nil || !marked[filepath.Base(resolved)] {
						return nil
					}
				}
				if err := os.Remove(p); err != nil {
					return err
				}
				removed[p], again = true, true
				changes = append(changes, Change{Type: "unlink", Path: p})
				return nil
			})
			if err != nil {
				return changes, err
			}
		}
	}
	return changes, nil
}

// HasInstallInfo reports whether f's [Install] section asks for anything, that is whether enabling it would
// change something (systemd's "carries install info"): WantedBy=, RequiredBy= and UpheldBy= of a template count
// only with a DefaultInstance=.
func HasInstallInfo(f *Fragment) bool {
	in := f.Install
	deps := len(in.WantedBy) + len(in.RequiredBy) + len(in.UpheldBy)
	if unitname.IsTemplate(f.Name) && in.DefaultInstance == "" {
		deps = 0
	}
	return deps+len(in.Alias)+len(in.Also) > 0
}

// Mask links name to /dev/null in dir. A real file there is refused: masking must not destroy a unit file.
func (l *Loader) Mask(name, dir string) ([]Change, error) {
	if !unitname.Valid(name) {
		return nil, fmt.Errorf("Unit name %s is not valid.", name)
	}
	p := filepath.Join(dir, name)
	if st, err := os.Lstat(p); err == nil && st.Mode()&fs.ModeSymlink == 0 {
		return nil, fmt.Errorf("File %s already exists.", p)
	}
	c, err := symlink(os.DevNull, p)
	if err != nil || c == nil {
		return nil, err
	}
	return []Change{*c}, nil
}

// Unmask removes a /dev/null link for name from every configuration directory.
func (l *Loader) Unmask(name string) ([]Change, error) {
	var changes []Change
	for _, dir := range l.configDirs() {
		p := filepath.Join(dir, name)
		if t, err := os.Readlink(p); err == nil && t == os.DevNull {
			if err := os.Remove(p); err != nil {
				return changes, err
			}
			changes = append(changes, Change{Type: "unlink", Path: p})
		}
	}
	return changes, nil
}

// configDirs are the directories of the search path that install operations may change: all but the last,
// which holds the units packages ship.
func (l *Loader) configDirs() []string {
	if len(l.Paths) <= 1 {
		return l.Paths
	}
	return l.Paths[:len(l.Paths)-1]
}

// symlink makes path a link to target; an equal link already there is no change, another one is replaced.
func symlink(target, path string) (*Change, error) {
	if t, err := os.Readlink(path); err == nil {
		if t == target {
			return nil, nil
		}
		if err := os.Remove(path); err != nil {
			return nil, err
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		if _, serr := os.Lstat(path); serr == nil {
			return nil, fmt.Errorf("File %s already exists and is not a symlink.", path)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, err
	}
	if err := os.Symlink(target, path); err != nil {
		return nil, err
	}
	return &Change{Type: "symlink", Path: path, Source: target}, nil
}
