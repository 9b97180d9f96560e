package config

import (
	"errors"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/go-viper/mapstructure/v2"
	"github.com/spf13/viper"
)

// systemConf is system.conf as written, decoded by viper's Unmarshal. Keys match case-insensitively; the field
// names spell them as docs/configuration.md does, and a bad value's message names its key that way. Pointers
// tell a key that is absent (the default holds) from one set to zero.
type systemConf struct {
	Manager struct {
		DefaultUnit            string
		UnitPaths              []string
		LogLevel               string
		ReloadLimitIntervalSec *float64
		ReloadLimitBurst       *int
		LogReaderGroups        *[]string
	}
	Plugins struct {
		Dir            string
		IdleTimeoutSec *float64
		CallTimeoutSec *float64
		Profile        string
	}
	Plugin map[string]pluginTable
}

// profileConf is a profile file as written.
type profileConf struct {
	Profile struct {
		Description string
		Types       *[]string
	}
	Plugin map[string]pluginTable
}

// pluginTable is a [Plugin.<type>] table of system.conf or a profile.
type pluginTable struct {
	Path   string
	SHA256 string
}

// decode unmarshals what v read from path into out. A value of the wrong type leaves its field as it was and
// is reported by key; keys out has no field for are reported as unknown.
func decode(v *viper.Viper, path string, out any) []error {
	var md mapstructure.Metadata
	err := v.Unmarshal(out, func(dc *mapstructure.DecoderConfig) {
		dc.Metadata = &md
		dc.WeaklyTypedInput = false // "soon" is no number of seconds
	})
	var problems []error
	for _, e := range flatten(err) {
		if de, ok := e.(*mapstructure.DecodeError); ok {
			problems = append(problems, fmt.Errorf("config: %s: %s: %v; ignoring it", path, de.Name(), de.Unwrap()))
		} else {
			problems = append(problems, fmt.Errorf("config: %s: %v", path, e))
		}
	}
	unused := append([]string(nil), md.Unused...)
	sort.Strings(unused)
	for _, k := range unused {
		problems = append(problems, fmt.Errorf("config: %s: unknown key %q, ignoring", path, strings.ToLower(k)))
	}
	return problems
}

// flatten lists the field errors in what Unmarshal returned: viper wraps mapstructure's errors.Join of them.
func flatten(err error) []error {
	if err == nil {
		return nil
	}
	if _, ok := err.(*mapstructure.DecodeError); ok {
		return []error{err}
	}
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		var out []error
		for _, e := range j.Unwrap() {
			out = append(out, flatten(e)...)
		}
		return out
	}
	if inner := errors.Unwrap(err); inner != nil {
		return flatten(inner)
	}
	return []error{err}
}

// checkPlugins checks the [Plugin.<type>] tables, dropping bad values.
func checkPlugins(tables map[string]pluginTable, path string, problems *[]error) map[string]Plugin {
	out := map[string]Plugin{}
	for typ, t := range tables {
		p := Plugin{Path: t.Path, SHA256: strings.ToLower(t.SHA256)}
		if p.SHA256 != "" && !isHex64(p.SHA256) {
			*problems = append(*problems, fmt.Errorf("config: %s: Plugin.%s.SHA256=%q is not 64 hex digits; ignoring the pin", path, typ, p.SHA256))
			p.SHA256 = ""
		}
		if p.Path != "" && !filepath.IsAbs(p.Path) {
			*problems = append(*problems, fmt.Errorf("config: %s: Plugin.%s.Path=%q is not absolute; ignoring", path, typ, p.Path))
			p.Path = ""
		}
		out[typ] = p
	}
	return out
}
