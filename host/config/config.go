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
	// Plugins pins or relocates plugin binaries by unit type.
	Plugins map[string]Plugin
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
	}
}

var knownKeys = []string{
	"manager.defaultunit", "manager.unitpaths", "manager.loglevel",
	"plugins.dir",
}

// Load reads path. It always returns a usable configuration; the returned problems (a parse error, unknown
// keys, bad values) are for the log.
func Load(path string) (Config, []error) {
	cfg := Default()
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
	var problems []error
	if s := v.GetString("manager.defaultunit"); s != "" {
		cfg.DefaultUnit = s
	}
	if p := v.GetStringSlice("manager.unitpaths"); len(p) > 0 {
		cfg.UnitPaths = p
	}
	if s := v.GetString("manager.loglevel"); s != "" {
		if !slices.Contains([]string{"debug", "info", "warning", "error"}, s) {
			problems = append(problems, fmt.Errorf("config: %s: Manager.LogLevel=%q is not debug, info, warning or error; ignoring", path, s))
		} else {
			cfg.LogLevel = s
		}
	}
	if s := v.GetString("plugins.dir"); s != "" {
		cfg.PluginDir = s
	}
	for typ := range v.GetStringMap("plugin") {
		p := Plugin{Path: v.GetString("plugin." + typ + ".path"), SHA256: strings.ToLower(v.GetString("plugin." + typ + ".sha256"))}
		if p.SHA256 != "" && !isHex64(p.SHA256) {
			problems = append(problems, fmt.Errorf("config: %s: Plugin.%s.SHA256=%q is not 64 hex digits; ignoring the pin", path, typ, p.SHA256))
			p.SHA256 = ""
		}
		if p.Path != "" && !filepath.IsAbs(p.Path) {
			problems = append(problems, fmt.Errorf("config: %s: Plugin.%s.Path=%q is not absolute; ignoring", path, typ, p.Path))
			p.Path = ""
		}
		cfg.Plugins[typ] = p
	}
	var unknown []string
	for _, k := range v.AllKeys() {
		if !slices.Contains(knownKeys, k) && !isPluginKey(k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	for _, k := range unknown {
		problems = append(problems, fmt.Errorf("config: %s: unknown key %q, ignoring", path, k))
	}
	return cfg, problems
}

func isPluginKey(k string) bool {
	parts := strings.Split(k, ".")
	return len(parts) == 3 && parts[0] == "plugin" && (parts[2] == "path" || parts[2] == "sha256")
}

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

// PluginTypes lists the unit types that have a binary in PluginDir or an entry in Plugins, sorted.
func (c Config) PluginTypes() []string {
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
