package unit

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// The install operations beyond [Install] (systemd's install.c): set-default, add-wants/add-requires, link and
// revert. Each returns the links and files it changed, as Enable does.

// SetDefault points default.target in dir at the file of name (a target), replacing the link there.
func (l *Loader) SetDefault(name, dir string) ([]Change, error) {
	if name == "default.target" {
		return nil, fmt.Errorf("Invalid argument: %s cannot be the default target.", name)
	}
	f, err := l.installable(name)
	if err != nil {
		return nil, err
	}
	c, err := symlink(f.FragmentPath, filepath.Join(dir, "default.target"))
	if err != nil || c == nil {
		return nil, err
	}
	return []Change{*c}, nil
}

// AddDependency links each unit into target's .wants/ (kind "wants") or .requires/ directory in dir, as
// systemctl add-wants and add-requires do.
func (l *Loader) AddDependency(target, kind string, units []string, dir string) ([]Change, error) {
	if !unitname.Valid(target) {
		return nil, fmt.Errorf("Unit name %s is not valid.", target)
	}
	var changes []Change
	for _, name := range units {
		f, err := l.installable(name)
		if err != nil {
			return changes, err
		}
		c, err := symlink(f.FragmentPath, filepath.Join(dir, target+"."+kind, name))
		if err != nil {
			return changes, err
		}
		if c != nil {
			changes = append(changes, *c)
		}
	}
	return changes, nil
}

// Link makes a unit file outside the search path available under its name: a link in dir to path.
func (l *Loader) Link(path, dir string) ([]Change, error) {
	if !filepath.IsAbs(path) {
		return nil, fmt.Errorf("Invalid argument: %s is not an absolute path.", path)
	}
	name := filepath.Base(path)
	if !unitname.Valid(name) {
		return nil, fmt.Errorf("Unit name %s is not valid.", name)
	}
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file.", path)
	}
	c, err := symlink(path, filepath.Join(dir, name))
	if err != nil || c == nil {
		return nil, err
	}
	return []Change{*c}, nil
}

// Revert removes what the configuration directories add to name: its drop-in directories, a mask, and a copy
// of the unit file that overrides a vendor one (the unit file is kept when there is no vendor file: it is the
// unit). Links made by enable are left alone, as systemctl revert leaves them.
func (l *Loader) Revert(name string) ([]Change, error) {
	if !unitname.Valid(name) {
		return nil, fmt.Errorf("Unit name %s is not valid.", name)
	}
	vendor := false
	if len(l.Paths) > 0 {
		_, err := os.Stat(filepath.Join(l.Paths[len(l.Paths)-1], name))
		vendor = err == nil
	}
	var changes []Change
	remove := func(p string) error {
		if err := os.Remove(p); err != nil {
			return err
		}
		changes = append(changes, Change{Type: "unlink", Path: p})
		return nil
	}
	for _, dir := range l.configDirs() {
		d := filepath.Join(dir, name+".d")
		entries, err := os.ReadDir(d)
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return changes, err
		}
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".conf") {
				if err := remove(filepath.Join(d, e.Name())); err != nil {
					return changes, err
				}
			}
		}
		if len(entries) > 0 {
			if rest, _ := os.ReadDir(d); len(rest) == 0 {
				if err := remove(d); err != nil {
					return changes, err
				}
			}
		}
		p := filepath.Join(dir, name)
		st, err := os.Lstat(p)
		if err != nil {
			continue
		}
		masked := false
		if st.Mode()&fs.ModeSymlink != 0 {
			t, _ := os.Readlink(p)
			masked = t == os.DevNull
		}
		if masked || vendor && st.Mode().IsRegular() {
			if err := remove(p); err != nil {
				return changes, err
			}
		}
	}
	return changes, nil
}
