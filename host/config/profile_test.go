package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// writeIn writes name under dir.
func writeIn(t *testing.T, dir, name, s string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProfileBesideSystemConf(t *testing.T) {
	dir := t.TempDir()
	pin := strings.Repeat("cd", 32)
	writeIn(t, dir, "profiles/dev.conf", `
[Profile]
Description = "A device"
Types = ["service", "target", "run"]

[Plugin.run]
Path = "/opt/run"
SHA256 = "`+pin+`"
`)
	cfg, probs := Load(writeIn(t, dir, "system.conf", "[Plugins]\nProfile = \"dev\"\nIdleTimeoutSec = 1.5\n\n[Plugin.service]\nSHA256 = \""+strings.Repeat("ab", 32)+"\"\n"))
	if len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	if cfg.Profile.Name != "dev" || cfg.Profile.Path != filepath.Join(dir, "profiles/dev.conf") || cfg.Profile.Description != "A device" {
		t.Errorf("profile: %+v", cfg.Profile)
	}
	if cfg.PluginIdleTimeout != 1500*time.Millisecond {
		t.Errorf("idle timeout %v", cfg.PluginIdleTimeout)
	}
	// The profile's tables, then system.conf's.
	if cfg.PluginPath("run") != "/opt/run" || cfg.Plugins["run"].SHA256 != pin || cfg.Plugins["service"].SHA256 != strings.Repeat("ab", 32) {
		t.Errorf("plugins: %+v", cfg.Plugins)
	}
	if got := cfg.PluginTypes(); !slices.Equal(got, []string{"run", "service", "target"}) {
		t.Errorf("PluginTypes = %v", got)
	}
	if cfg.AllowedType("service") != nil {
		t.Error("service refused")
	}
	err := cfg.AllowedType("socket")
	if err == nil || !strings.Contains(err.Error(), `profile "dev"`) || !strings.Contains(err.Error(), "dev.conf") {
		t.Errorf("socket: %v", err)
	}
}

func TestShippedProfiles(t *testing.T) {
	for name, check := range map[string]func(Config) bool{
		"embedded": func(c Config) bool {
			return c.AllowedType("mount") == nil && c.AllowedType("device") == nil && c.AllowedType("socket") != nil
		},
		"server": func(c Config) bool { return c.AllowedType("socket") == nil && c.AllowedType("anything") == nil },
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			b, err := os.ReadFile(filepath.Join("../../config/profiles", name+".conf"))
			if err != nil {
				t.Fatal(err)
			}
			writeIn(t, dir, "profiles/"+name+".conf", string(b))
			cfg, probs := Load(writeIn(t, dir, "system.conf", "[Plugins]\nProfile = \""+name+"\"\n"))
			if len(probs) != 0 || cfg.Profile.Name != name || !check(cfg) {
				t.Fatalf("profile %+v, problems %v", cfg.Profile, probs)
			}
		})
	}
}

func TestNoProfileAllowsEverything(t *testing.T) {
	cfg := Default()
	if cfg.AllowedType("socket") != nil || cfg.PluginIdleTimeout != 30*time.Second {
		t.Fatalf("default: %+v", cfg)
	}
	cfg, probs := Load(write(t, "[Plugins]\nIdleTimeoutSec = 0\n"))
	if len(probs) != 0 || cfg.PluginIdleTimeout != 0 {
		t.Fatalf("IdleTimeoutSec = 0: %v %v", cfg.PluginIdleTimeout, probs)
	}
}

func TestBadProfilesAreReportedAndIgnored(t *testing.T) {
	cases := map[string]struct{ profile, conf, want string }{
		"missing":         {"", `Profile = "nope"`, "no nope.conf in"},
		"bad name":        {"", `Profile = "../x"`, "not a profile name"},
		"no types":        {"[Profile]\nDescription = \"x\"\n", `Profile = "p"`, "Types is missing"},
		"syntax":          {"[Profile\n", `Profile = "p"`, "profile"},
		"table not typed": {"[Profile]\nTypes = [\"service\"]\n[Plugin.run]\nPath = \"/opt/run\"\n", `Profile = "p"`, "does not list \"run\""},
		"bad type":        {"[Profile]\nTypes = [\"service\", \"a.b\"]\n", `Profile = "p"`, `"a.b" is not a unit type`},
		"unknown key":     {"[Profile]\nTypes = [\"service\"]\nColour = 1\n", `Profile = "p"`, `unknown key "profile.colour"`},
		"bad idle":        {"", `IdleTimeoutSec = "soon"`, "IdleTimeoutSec"},
		"negative idle":   {"", `IdleTimeoutSec = -1`, "negative"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if c.profile != "" {
				writeIn(t, dir, "profiles/p.conf", c.profile)
			}
			cfg, probs := Load(writeIn(t, dir, "system.conf", "[Plugins]\n"+c.conf+"\n"))
			found := false
			for _, p := range probs {
				found = found || strings.Contains(p.Error(), c.want)
			}
			if !found {
				t.Fatalf("problems %v, want one containing %q", probs, c.want)
			}
			if cfg.PluginIdleTimeout != DefaultPluginIdleTimeout {
				t.Errorf("idle timeout %v", cfg.PluginIdleTimeout)
			}
			if _, ok := cfg.Plugins["run"]; ok {
				t.Errorf("an ignored table leaked: %+v", cfg.Plugins)
			}
		})
	}
}

// A [Plugin.<type>] table in system.conf cannot let in a type the profile does not allow.
func TestSystemConfCannotWidenTheProfile(t *testing.T) {
	dir := t.TempDir()
	writeIn(t, dir, "profiles/small.conf", "[Profile]\nTypes = [\"service\"]\n")
	cfg, probs := Load(writeIn(t, dir, "system.conf", "[Plugins]\nProfile = \"small\"\n[Plugin.run]\nPath = \"/opt/run\"\n"))
	if len(probs) != 1 || !strings.Contains(probs[0].Error(), "add the type to the profile") || cfg.AllowedType("run") == nil {
		t.Fatalf("problems %v, cfg %+v", probs, cfg)
	}
	if _, ok := cfg.Plugins["run"]; ok {
		t.Error("run configured")
	}
}

func FuzzReadProfile(f *testing.F) {
	f.Add("[Profile]\nTypes = [\"service\"]\n[Plugin.service]\nSHA256 = \"x\"\n")
	f.Add("[Profile]\nTypes = [\"*\"]\n")
	f.Fuzz(func(t *testing.T, s string) {
		p := filepath.Join(t.TempDir(), "p.conf")
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		prof, plugins, _ := ReadProfile(p)
		for typ := range plugins {
			if !prof.allowsAll() && !slices.Contains(prof.Types, typ) {
				t.Fatalf("table for %q outside Types %v", typ, prof.Types)
			}
		}
	})
}
