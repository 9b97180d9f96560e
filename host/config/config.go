// Package config reads the manager's configuration, /etc/sysmaster/system.conf (TOML, read with viper).
//
// A missing file means every default; a file that cannot be parsed is reported and the defaults are used, so a
// typo in system.conf never keeps the system from booting. Unknown keys are reported and ignored.
package config

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/spf13/viper"
)

// DefaultPath is where the core reads its configuration.
const DefaultPath = "/etc/sysmaster/system.conf"

// Config is the manager's configuration. Its zero value is not meaningful; use Default or Load.
type Config struct {
	// DefaultUnit is started at boot (kernel command line sysmaster.unit= overrides it).
	DefaultUnit string
	// UnitPaths is the unit search path, first wins.
	UnitPaths []string
	// LogLevel is debug, info, warning or error.
	LogLevel string
	// PluginDir holds one binary per unit type, named after the type.
	PluginDir string
	// Plugins pins or relocates plugin binaries by unit type: the profile's tables, then system.conf's.
	Plugins map[string]Plugin
	// ReloadLimitInterval and ReloadLimitBurst rate-limit daemon-reload and daemon-reexec, as systemd's
	// settings of the same names: at most Burst of them in Interval. Either zero: no limit (systemd's default).
	ReloadLimitInterval time.Duration
	ReloadLimitBurst    int
	// PluginIdleTimeout is how long a plugin may go without events (and without units in transition) before
	// it is stopped; it is started again on demand. Zero means never.
	PluginIdleTimeout time.Duration
	// PluginCallTimeout bounds one call into a plugin (a batch of events, a parse, Describe after the launch): a
	// plugin that has not answered by then is killed and counts as crashed, and the events it had are
	// delivered again to the plugin launched after it. Never zero.
	PluginCallTimeout time.Duration
	// Profile is the plugin profile in force; its zero value (no profile named) allows every unit type that
	// has a plugin.
	Profile Profile
	// ProfileDirs are searched, first wins, for the file of a profile named by name.
	ProfileDirs []string
	// LogReaderGroups name the groups whose members may read unit logs (sctl logs, the log tail of sctl
	// status) besides root, as journald lets the groups adm and systemd-journal read the system journal.
	LogReaderGroups []string
}

// Plugin is the configuration of one unit type's plugin.
type Plugin struct {
	// Path of the binary; empty means PluginDir/<type>.
	Path string
	// SHA256 pins the binary: when set, a binary with another digest is refused before every launch.
	SHA256 string
}

// Default returns the built-in configuration.
func Default() Config {
	return Config{
		DefaultUnit: "default.target",
		UnitPaths:   []string{"/etc/sysmaster/system", "/run/sysmaster/system", "/usr/lib/sysmaster/system"},
		LogLevel:    "info",
		PluginDir:   "/usr/lib/sysmaster/plugins",
		Plugins:     map[string]Plugin{},

		PluginIdleTimeout: DefaultPluginIdleTimeout,
		PluginCallTimeout: DefaultPluginCallTimeout,
		ProfileDirs:       []string{"/etc/sysmaster/profiles", VendorProfileDir},
		LogReaderGroups:   []string{"adm", "systemd-journal"},
	}
}

// DefaultPluginIdleTimeout is Plugins.IdleTimeoutSec when system.conf does not set it.
const DefaultPluginIdleTimeout = 30 * time.Second

// DefaultPluginCallTimeout is Plugins.CallTimeoutSec when system.conf does not set it: far above what a batch
// takes (a batch of 1,000 events takes a few milliseconds, the parse of 10,000 units well under a second), and
// short enough that the units of a hung plugin's type wait seconds, not minutes.
const DefaultPluginCallTimeout = 5 * time.Second

// Load reads path. It always returns a usable configuration; the returned problems (a parse error, unknown
// keys, bad values) are for the log. Named profiles are looked up in the directory profiles/ beside path, then
// in VendorProfileDir.
func Load(path string) (Config, []error) {
	cfg := Default()
	cfg.ProfileDirs = []string{filepath.Join(filepath.Dir(path), "profiles"), VendorProfileDir}
	v := viper.New()
	v.SetConfigFile(path)
	v.SetConfigType("toml")
	if err := v.ReadInConfig(); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) && errors.Is(pe.Err, fs.ErrNotExist) {
			return cfg, nil
		}
		return cfg, []error{fmt.Errorf("config: %s: %v; using defaults", path, err)}
	}
	var f systemConf
	problems := decode(v, path, &f)
	if f.Manager.DefaultUnit != "" {
		cfg.DefaultUnit = f.Manager.DefaultUnit
	}
	if len(f.Manager.UnitPaths) > 0 {
		cfg.UnitPaths = f.Manager.UnitPaths
	}
	if s := f.Manager.LogLevel; s != "" {
		if !slices.Contains([]string{"debug", "info", "warning", "error"}, s) {
			problems = append(problems, fmt.Errorf("config: %s: Manager.LogLevel=%q is not debug, info, warning or error; ignoring", path, s))
		} else {
			cfg.LogLevel = s
		}
	}
	if s := f.Manager.ReloadLimitIntervalSec; s != nil {
		if *s < 0 {
			problems = append(problems, fmt.Errorf("config: %s: Manager.ReloadLimitIntervalSec=%v is negative; no limit", path, *s))
		} else {
			cfg.ReloadLimitInterval = seconds(*s)
		}
	}
	if n := f.Manager.ReloadLimitBurst; n != nil {
		if *n < 0 {
			problems = append(problems, fmt.Errorf("config: %s: Manager.ReloadLimitBurst=%d is negative; no limit", path, *n))
		} else {
			cfg.ReloadLimitBurst = *n
		}
	}
	if g := f.Manager.LogReaderGroups; g != nil {
		// An empty list leaves unit logs to root alone.
		cfg.LogReaderGroups = *g
	}
	if f.Plugins.Dir != "" {
		cfg.PluginDir = f.Plugins.Dir
	}
	if s := f.Plugins.IdleTimeoutSec; s != nil {
		if *s < 0 {
			problems = append(problems, fmt.Errorf("config: %s: Plugins.IdleTimeoutSec=%v is negative; using %s", path, *s, cfg.PluginIdleTimeout))
		} else {
			cfg.PluginIdleTimeout = seconds(*s)
		}
	}
	if s := f.Plugins.CallTimeoutSec; s != nil {
		if *s <= 0 {
			problems = append(problems, fmt.Errorf("config: %s: Plugins.CallTimeoutSec=%v: 0 or less would let a hung plugin hold its units for ever; using %s", path, *s, cfg.PluginCallTimeout))
		} else {
			cfg.PluginCallTimeout = seconds(*s)
		}
	}
	if name := f.Plugins.Profile; name != "" {
		prof, plugins, probs := loadProfile(name, cfg.ProfileDirs)
		problems = append(problems, probs...)
		if prof.Name != "" {
			cfg.Profile = prof
			for typ, p := range plugins {
				cfg.Plugins[typ] = p
			}
		}
	}
	for typ, p := range checkPlugins(f.Plugin, path, &problems) {
		if err := cfg.AllowedType(typ); err != nil {
			problems = append(problems, fmt.Errorf("config: %s: [Plugin.%s]: %v; ignoring the table (add the type to the profile)", path, typ, err))
			continue
		}
		q := cfg.Plugins[typ]
		if p.Path != "" {
			q.Path = p.Path
		}
		if p.SHA256 != "" {
			q.SHA256 = p.SHA256
		}
		cfg.Plugins[typ] = q
	}
	return cfg, problems
}

// seconds converts a number of seconds (an integer or a fraction) as TOML gives it.
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

func isHex64(s string) bool {
	if len(s) != 64 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdef", c) {
			return false
		}
	}
	return true
}

// PluginPath is the binary that serves typ.
func (c Config) PluginPath(typ string) string {
	if p := c.Plugins[typ]; p.Path != "" {
		return p.Path
	}
	return filepath.Join(c.PluginDir, typ)
}

// PluginTypes lists the unit types that have a binary in PluginDir or an entry in Plugins, sorted; under a
// profile that names its types, those types.
func (c Config) PluginTypes() []string {
	if c.Profile.Name != "" && !c.Profile.allowsAll() {
		return slices.Sorted(slices.Values(c.Profile.Types))
	}
	set := map[string]bool{}
	for t := range c.Plugins {
		set[t] = true
	}
	if ents, err := os.ReadDir(c.PluginDir); err == nil {
		for _, e := range ents {
			if !e.IsDir() {
				set[e.Name()] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for t := range set {
		out = append(out, t)
	}
	sort.Strings(out)
	return out
}
