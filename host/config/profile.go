package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"

	"github.com/spf13/viper"
)

// VendorProfileDir holds the profiles sysmaster ships (embedded, server); a file of the same name in
// /etc/sysmaster/profiles takes its place.
const VendorProfileDir = "/usr/lib/sysmaster/profiles"

// Profile is a device's plugin set: the unit types it allows, each served by the binary (and pinned to the
// sha256) its [Plugin.<type>] table names. Its zero value, no profile, allows every type that has a plugin.
type Profile struct {
	// Name is what system.conf's Plugins.Profile said: a name looked up in ProfileDirs, or an absolute path.
	Name string
	// Path is the file it was read from.
	Path string
	// Description is the profile's own one-line account of itself.
	Description string
	// Types are the unit types allowed; "*" allows every type that has a plugin.
	Types []string
}

func (p Profile) allowsAll() bool { return slices.Contains(p.Types, "*") }

// AllowedType says why the profile in force does not allow unit type typ, or returns nil.
func (c Config) AllowedType(typ string) error {
	p := c.Profile
	if p.Name == "" || p.allowsAll() || slices.Contains(p.Types, typ) {
		return nil
	}
	return fmt.Errorf("unit type %q is not allowed by plugin profile %q (%s), which allows %s",
		typ, p.Name, p.Path, strings.Join(p.Types, ", "))
}

var profileName = regexp.MustCompile(`^[A-Za-z0-9_][A-Za-z0-9_.-]*$`)

// loadProfile finds and reads the profile called name. A profile that cannot be found or read is reported and
// left out (the returned Profile is the zero value): as with the rest of system.conf, a mistake in it must not
// keep the machine from booting.
func loadProfile(name string, dirs []string) (Profile, map[string]Plugin, []error) {
	path, err := findProfile(name, dirs)
	if err != nil {
		return Profile{}, nil, []error{fmt.Errorf("config: Plugins.Profile=%q: %v; using no profile (every plugin found)", name, err)}
	}
	prof, plugins, problems := ReadProfile(path)
	if prof.Types == nil {
		problems = append(problems, fmt.Errorf("config: %s: [Profile] Types is missing; using no profile (every plugin found)", path))
		return Profile{}, nil, problems
	}
	prof.Name = name
	return prof, plugins, problems
}

func findProfile(name string, dirs []string) (string, error) {
	if filepath.IsAbs(name) {
		if _, err := os.Stat(name); err != nil {
			return "", err
		}
		return name, nil
	}
	if !profileName.MatchString(name) {
		return "", errors.New("not a profile name (letters, digits, '_', '-', '.') or an absolute path")
	}
	for _, d := range dirs {
		p := filepath.Join(d, name+".conf")
		if _, err := os.Stat(p); err == nil {
			return p, nil
		}
	}
	return "", fmt.Errorf("no %s.conf in %s", name, strings.Join(dirs, " or "))
}

// ReadProfile reads one profile file: its [Profile] table and its [Plugin.<type>] tables. Tables of types the
// profile does not allow are reported and ignored. Types is nil when the file could not be read or does not
// say which types it allows.
func ReadProfile(path string) (Profile, map[string]Plugin, []error) {
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("toml")
	if err := v.ReadInConfig(); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return Profile{}, nil, []error{fmt.Errorf("config: profile %s: %v", path, err)}
	}
	var f profileConf
	problems := decode(v, path, &f)
	prof := Profile{Path: path, Description: f.Profile.Description}
	if f.Profile.Types != nil {
		prof.Types = []string{}
		for _, t := range *f.Profile.Types {
			if t != "*" && !validType(t) {
				problems = append(problems, fmt.Errorf("config: %s: Profile.Types: %q is not a unit type; ignoring it", path, t))
				continue
			}
			if !slices.Contains(prof.Types, t) {
				prof.Types = append(prof.Types, t)
			}
		}
	}
	plugins := checkPlugins(f.Plugin, path, &problems)
	for typ := range plugins {
		if !prof.allowsAll() && !slices.Contains(prof.Types, typ) {
			problems = append(problems, fmt.Errorf("config: %s: [Plugin.%s]: the profile does not list %q in Types; ignoring the table", path, typ, typ))
			delete(plugins, typ)
		}
	}
	return prof, plugins, problems
}

// validType reports whether s can be a unit type (the suffix of a unit name).
func validType(s string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}
