package unit

import (
	"bufio"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
)

// Presets are the rules of the *.preset files (man systemd.preset): "enable PATTERN" or "disable PATTERN", the
// first rule whose shell pattern matches a unit name decides; no match means enable, as in systemd.
type Presets struct {
	rules []presetRule
}

type presetRule struct {
	enable  bool
	pattern string
}

// PresetDirs are the preset directories that go with a unit search path: the sibling "-preset" directory of
// each (/etc/sysmaster/system → /etc/sysmaster/system-preset).
func PresetDirs(unitPaths []string) []string {
	out := make([]string, len(unitPaths))
	for i, p := range unitPaths {
		out[i] = filepath.Clean(p) + "-preset"
	}
	return out
}

// LoadPresets reads the *.preset files of dirs: a file name in an earlier directory hides the same name in later
// ones, and the files apply in the order of their names. Bad lines are reported (file and line) and skipped.
func LoadPresets(dirs []string) (*Presets, []error) {
	chosen := map[string]string{}
	for _, d := range dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			if strings.HasSuffix(e.Name(), ".preset") && chosen[e.Name()] == "" {
				chosen[e.Name()] = filepath.Join(d, e.Name())
			}
		}
	}
	names := make([]string, 0, len(chosen))
	for n := range chosen {
		names = append(names, n)
	}
	sort.Strings(names)
	p := &Presets{}
	var problems []error
	for _, n := range names {
		f, err := os.Open(chosen[n])
		if err != nil {
			problems = append(problems, &unitfile.Error{File: chosen[n], Msg: err.Error()})
			continue
		}
		sc := bufio.NewScanner(f)
		for line := 1; sc.Scan(); line++ {
			t := strings.TrimSpace(sc.Text())
			if t == "" || t[0] == '#' || t[0] == ';' {
				continue
			}
			fields := strings.Fields(t)
			if len(fields) < 2 || (fields[0] != "enable" && fields[0] != "disable") {
				problems = append(problems, &unitfile.Error{File: chosen[n], Line: line, Msg: "expected \"enable PATTERN\" or \"disable PATTERN\""})
				continue
			}
			if _, err := path.Match(fields[1], ""); err != nil {
				problems = append(problems, &unitfile.Error{File: chosen[n], Line: line, Msg: "bad pattern " + fields[1]})
				continue
			}
			p.rules = append(p.rules, presetRule{enable: fields[0] == "enable", pattern: fields[1]})
		}
		f.Close()
	}
	return p, problems
}

// Enabled reports what the presets say of unit name.
func (p *Presets) Enabled(name string) bool {
	for _, r := range p.rules {
		if ok, _ := path.Match(r.pattern, name); ok {
			return r.enable
		}
	}
	return true
}

// Preset enables or disables name in dir as presets say, as systemd's preset: a unit the presets enable is
// enabled when it has install information (nothing changes otherwise), a unit they disable loses its links in
// dir whatever its [Install] (a static unit's .wants links and a default.target link to a target go too, as with
// systemd). mode is systemctl's --preset-mode: full (or ""), enable-only (only enable) or disable-only.
func (l *Loader) Preset(name, dir string, presets *Presets, mode string) ([]Change, error) {
	enable := presets.Enabled(name)
	switch {
	case enable && mode != "disable-only":
		if !HasInstallInfo(l.InstallInfo(name)) {
			return nil, nil
		}
		return l.Enable(name, dir)
	case !enable && mode != "enable-only":
		return l.Disable(name, dir)
	}
	return nil, nil
}
