package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/sysmaster/sysmaster/host/config"
	"github.com/sysmaster/sysmaster/host/verify"
	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// `sctl analyze verify` and `cat-config`: offline, without the manager.

// verifyFiles is `analyze verify FILE...`: the files are loaded as the core would load them, without a manager
// (host/verify: the loader and each type's plugin), with their directories first on the search path of
// system.conf, as systemd-analyze puts them first on its own; each problem is printed as the core logs it
// (FILE:LINE: [Section] Key: what is wrong), then systemd-analyze's "Unit x.service has a bad unit file setting."
// for each that does not load. The exit status is 1 when a unit does not load (a bad setting, a
// missing file, a type no plugin serves), as systemd-analyze fails; warnings (a directive sysmaster does not
// support, an unknown key) are printed and do not fail.
func (a *analyzer) verifyFiles(files []string) int {
	if len(files) == 0 {
		a.errorf("Too few arguments.")
		return exitFailure
	}
	cfg, _ := config.Load(config.DefaultPath)
	var dirs, names []string
	for _, f := range files {
		name := filepath.Base(f)
		if !unitname.Valid(name) {
			a.errorf("Failed to prepare filename %s: Invalid argument", f)
			return exitFailure
		}
		if strings.Contains(f, "/") {
			abs, err := filepath.Abs(f)
			if err != nil {
				a.errorf("Failed to prepare filename %s: %v", f, err)
				return exitFailure
			}
			if _, err := os.Stat(abs); err != nil {
				a.errorf("Unit %s not found.", name) // systemd-analyze's words
				return exitFailure
			}
			if d := filepath.Dir(abs); !slices.Contains(dirs, d) {
				dirs = append(dirs, d)
			}
		}
		if unitname.IsTemplate(name) {
			name, _ = unitname.Instantiate(name, "test") // systemd-analyze verifies a template as an instance
		}
		names = append(names, name)
	}
	_, problems, err := verify.Run(verify.Options{UnitPaths: append(dirs, cfg.UnitPaths...), PluginDir: cfg.PluginDir, Names: names})
	if err != nil {
		a.errorf("Failed to verify: %v", err)
		return exitFailure
	}
	code := exitOK
	failed := map[string]bool{}
	for _, p := range problems {
		a.errorf("%s", p.Message)
		if p.Error {
			code, failed[p.Unit] = exitFailure, true
		}
	}
	for _, n := range names { // after its problems, as systemd-analyze says it
		if failed[n] {
			a.errorf("Unit %s has a bad unit file setting.", n)
		}
	}
	return code
}

// configDirs are where cat-config looks for a relative NAME, first wins: systemd's CONF_PATHS.
var configDirs = []string{"/etc", "/run", "/usr/local/lib", "/usr/lib"}

// catConfig is `analyze cat-config NAME|PATH...`: the first file of NAME under configDirs (or PATH), then its
// drop-ins (NAME.d/*.conf in each of them, one file of a name, the earliest directory's, sorted by name), each
// behind "# PATH", as systemd-analyze's conf_files_cat.
func (a *analyzer) catConfig(args []string) int {
	if len(args) == 0 {
		a.errorf("Too few arguments.")
		return exitFailure
	}
	code := exitOK
	for i, arg := range args {
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		rel := arg
		if filepath.IsAbs(arg) {
			rel = ""
			for _, d := range configDirs {
				if r, ok := strings.CutPrefix(arg, d+"/"); ok {
					rel = r
					break
				}
			}
			if rel == "" {
				a.errorf("Path %s does not start with any known prefix.", arg)
				code = exitFailure
				continue
			}
		}
		if err := a.catOne(rel); err != nil {
			a.errorf("%v", err)
			code = exitFailure
		}
	}
	return code
}

func (a *analyzer) catOne(rel string) error {
	main := ""
	for _, d := range configDirs {
		if _, err := os.Stat(filepath.Join(d, rel)); err == nil {
			main = filepath.Join(d, rel)
			break
		}
	}
	dropins := map[string]string{} // file name → path
	for _, d := range configDirs {
		ents, err := os.ReadDir(filepath.Join(d, rel+".d"))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return err
		}
		for _, e := range ents {
			if _, seen := dropins[e.Name()]; !seen && strings.HasSuffix(e.Name(), ".conf") && !e.IsDir() {
				dropins[e.Name()] = filepath.Join(d, rel+".d", e.Name())
			}
		}
	}
	var paths []string
	if main != "" {
		paths = append(paths, main)
	} else {
		fmt.Fprintf(a.stdout, "# Main configuration file %s not found\n", rel) // and not an error, as in systemd
	}
	names := make([]string, 0, len(dropins))
	for n := range dropins {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		paths = append(paths, dropins[n])
	}
	for i, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if i > 0 {
			fmt.Fprintln(a.stdout)
		}
		fmt.Fprintf(a.stdout, "# %s\n%s", p, b)
		if len(b) > 0 && b[len(b)-1] != '\n' {
			fmt.Fprintln(a.stdout)
		}
	}
	return nil
}
