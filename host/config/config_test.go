package config

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func write(t *testing.T, s string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "system.conf")
	if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestMissingFileIsDefaults(t *testing.T) {
	cfg, probs := Load(filepath.Join(t.TempDir(), "none.conf"))
	if len(probs) != 0 || cfg.DefaultUnit != "default.target" || cfg.PluginDir != "/usr/lib/sysmaster/plugins" {
		t.Fatalf("cfg=%+v probs=%v", cfg, probs)
	}
}

func TestFullFile(t *testing.T) {
	pin := strings.Repeat("ab", 32)
	cfg, probs := Load(write(t, `
[Manager]
DefaultUnit = "rescue.target"
UnitPaths = ["/a", "/b"]
LogLevel = "debug"

[Plugins]
Dir = "/opt/plugins"

[Plugin.target]
SHA256 = "`+strings.ToUpper(pin)+`"

[Plugin.extra]
Path = "/opt/extra-plugin"
`))
	if len(probs) != 0 {
		t.Fatalf("problems: %v", probs)
	}
	if cfg.DefaultUnit != "rescue.target" || !slices.Equal(cfg.UnitPaths, []string{"/a", "/b"}) || cfg.LogLevel != "debug" {
		t.Errorf("manager: %+v", cfg)
	}
	if cfg.Plugins["target"].SHA256 != pin {
		t.Errorf("pin = %q", cfg.Plugins["target"].SHA256)
	}
	if cfg.PluginPath("extra") != "/opt/extra-plugin" || cfg.PluginPath("target") != "/opt/plugins/target" {
		t.Errorf("paths: %s %s", cfg.PluginPath("extra"), cfg.PluginPath("target"))
	}
}

func TestBadInputIsReportedAndIgnored(t *testing.T) {
	cases := map[string]struct{ conf, want string }{
		"syntax":        {"[Manager\nx=", "using defaults"},
		"unknown key":   {"[Manager]\nFoo = 1\n", `unknown key "manager.foo"`},
		"bad pin":       {"[Plugin.target]\nSHA256 = \"xyz\"\n", "not 64 hex digits"},
		"relative path": {"[Plugin.target]\nPath = \"bin/t\"\n", "not absolute"},
		"bad level":     {"[Manager]\nLogLevel = \"loud\"\n", "LogLevel"},
		"zero timeout":  {"[Plugins]\nCallTimeoutSec = 0\n", "CallTimeoutSec=0: 0 or less would let"},
		"bad timeout":   {"[Plugins]\nCallTimeoutSec = \"soon\"\n", "Plugins.CallTimeoutSec: "},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			p := write(t, c.conf)
			cfg, probs := Load(p)
			if len(probs) == 0 || !strings.Contains(probs[0].Error(), c.want) || !strings.Contains(probs[0].Error(), p) {
				t.Fatalf("problems %v, want one containing %q and the path", probs, c.want)
			}
			if cfg.DefaultUnit != "default.target" || cfg.Plugins["target"].SHA256 != "" || cfg.Plugins["target"].Path != "" {
				t.Fatalf("bad value leaked into config: %+v", cfg)
			}
		})
	}
}

// Manager.LogReaderGroups: adm and systemd-journal unless set; an empty list leaves unit logs to root.
func TestLogReaderGroups(t *testing.T) {
	for _, c := range []struct {
		file string
		want []string
	}{
		{"[Manager]\n", []string{"adm", "systemd-journal"}},
		{"[Manager]\nLogReaderGroups = [\"wheel\"]\n", []string{"wheel"}},
		{"[Manager]\nLogReaderGroups = []\n", []string{}},
	} {
		cfg, probs := Load(write(t, c.file))
		if len(probs) != 0 || !slices.Equal(cfg.LogReaderGroups, c.want) {
			t.Errorf("%q: %q %v, want %q", c.file, cfg.LogReaderGroups, probs, c.want)
		}
	}
}

// A value of the wrong type is reported by its key and ignored; the keys beside it are read.
func TestBadValuesNameTheirKey(t *testing.T) {
	p := write(t, "[Manager]\nReloadLimitBurst = \"many\"\nLogLevel = \"debug\"\n[Plugins]\nIdleTimeoutSec = \"soon\"\nDir = \"/p\"\n")
	cfg, probs := Load(p)
	var all []string
	for _, e := range probs {
		all = append(all, e.Error())
	}
	for _, key := range []string{"Manager.ReloadLimitBurst", "Plugins.IdleTimeoutSec"} {
		if !strings.Contains(strings.Join(all, "\n"), p+": "+key+": ") {
			t.Errorf("no problem names %s:\n%s", key, strings.Join(all, "\n"))
		}
	}
	if cfg.ReloadLimitBurst != 0 || cfg.PluginIdleTimeout != DefaultPluginIdleTimeout {
		t.Errorf("bad values leaked: %+v", cfg)
	}
	if cfg.LogLevel != "debug" || cfg.PluginDir != "/p" {
		t.Errorf("good values beside bad ones were lost: %+v", cfg)
	}
}

// Whatever system.conf holds, Load gives a usable configuration.
func FuzzLoad(f *testing.F) {
	f.Add("[Manager]\nDefaultUnit = \"x.target\"\nUnitPaths = [\"/a\"]\n[Plugins]\nIdleTimeoutSec = 1.5\n[Plugin.t]\nSHA256 = \"ab\"\n")
	f.Add("[Manager\n")
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, conf string) {
		p := filepath.Join(dir, "system.conf")
		if err := os.WriteFile(p, []byte(conf), 0o644); err != nil {
			t.Fatal(err)
		}
		cfg, _ := Load(p)
		if cfg.DefaultUnit == "" || len(cfg.UnitPaths) == 0 || cfg.PluginIdleTimeout < 0 || cfg.ReloadLimitBurst < 0 {
			t.Fatalf("unusable configuration from %q: %+v", conf, cfg)
		}
	})
}

func TestCallTimeout(t *testing.T) {
	if d := Default().PluginCallTimeout; d != 5*time.Second {
		t.Fatalf("default %v", d)
	}
	cfg, probs := Load(write(t, "[Plugins]\nCallTimeoutSec = 0.5\n"))
	if len(probs) != 0 || cfg.PluginCallTimeout != 500*time.Millisecond {
		t.Fatalf("CallTimeoutSec = 0.5: %v %v", cfg.PluginCallTimeout, probs)
	}
	cfg, _ = Load(write(t, "[Plugins]\nCallTimeoutSec = 0\n"))
	if cfg.PluginCallTimeout != DefaultPluginCallTimeout {
		t.Fatalf("CallTimeoutSec = 0 kept: %v", cfg.PluginCallTimeout)
	}
}
