package unit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"time"

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
// installation information changes nothing; that is not an error (systemctl only warns).
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
	target := name
	if unitname.IsTemplate(name) && in.DefaultInstance != "" {
		if target, err = unitname.Instantiate(name, in.DefaultInstance); err != nil {
			return nil, err
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
// masked) without asking the type's plugin: enabling is file work, and works for templates, whose specifiers have
// no instance to expand to, and for types no plugin serves yet.
func (l *Loader) InstallInfo(name string) *Fragment {
	f := &Fragment{Name: name, Names: []string{name}, ModTimes: map[string]time.Time{}}
	path, _, state, err := l.find(f, name)
	f.FragmentPath, f.LoadState, f.LoadError = path, state, err
	if state != Loaded {
		return f
	}
	file, err := unitfile.ParseFile(path)
	if err == nil {
		err = interpret(f, unitfile.Merge(file))
	}
	if err != nil {
		f.LoadState, f.LoadError = BadSetting, err
	}
	return f
}

// Disable removes, from every directory of the search path that holds configuration (not the vendor one, the
// last), the links that name the unit in .wants/.requires/.upholds directories and its aliases.
func (l *Loader) Disable(name string) ([]Change, error) {
	var changes []Change
	aliases := l.InstallInfo(name).Install.Alias
	for _, dir := range l.configDirs() {
		err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return nil
			}
			parent := filepath.Base(filepath.Dir(p))
			inDepDir := filepath.Dir(filepath.Dir(p)) == dir && (hasSuffix(parent, ".wants") || hasSuffix(parent, ".requires") || hasSuffix(parent, ".upholds"))
			isAlias := filepath.Dir(p) == dir && slices.Contains(aliases, d.Name())
			if d.Type()&fs.ModeSymlink != 0 && (inDepDir && d.Name() == name || isAlias) {
				if err := os.Remove(p); err != nil {
					return err
				}
				changes = append(changes, Change{Type: "unlink", Path: p})
			}
			return nil
		})
		if err != nil {
			return changes, err
		}
	}
	return changes, nil
}

// HasInstallInfo reports whether f's [Install] section asks for anything (else enabling it changes nothing).
func HasInstallInfo(f *Fragment) bool {
	in := f.Install
	return len(in.WantedBy)+len(in.RequiredBy)+len(in.UpheldBy)+len(in.Alias)+len(in.Also) > 0
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

func hasSuffix(s, suffix string) bool {
	return len(s) > len(suffix) && s[len(s)-len(suffix):] == suffix
}
