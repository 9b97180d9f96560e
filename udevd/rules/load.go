package rules

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// DefaultDirs are udevd's rules directories, highest precedence first.
var DefaultDirs = []string{"/etc/udev/rules.d", "/run/udev/rules.d", "/usr/local/lib/udev/rules.d",
	"/usr/lib/udev/rules.d", "/lib/udev/rules.d"}

// Rules is a loaded rule set: its files in the order they run. It is read-only once loaded and safe to share
// between workers.
type Rules struct {
	Files []*File
}

// Files lists the *.rules files of dirs: a name found in an earlier directory hides it in later ones, and the
// result is sorted by file name. A file that is a symlink to /dev/null (or empty) masks the name.
func Files(dirs []string) []string {
	byName := map[string]string{}
	for _, d := range dirs {
		ents, err := os.ReadDir(d)
		if err != nil {
			continue
		}
		for _, e := range ents {
			n := e.Name()
			if !strings.HasSuffix(n, ".rules") || e.IsDir() {
				continue
			}
			if _, seen := byName[n]; !seen {
				byName[n] = filepath.Join(d, n)
			}
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	slices.Sort(names)
	var files []string
	for _, n := range names {
		p := byName[n]
		if t, err := os.Readlink(p); err == nil && t == "/dev/null" {
			continue
		}
		files = append(files, p)
	}
	return files
}

// Load parses every rules file of dirs (see Files). A file that cannot be read is reported and skipped; a bad
// line is reported and skipped. The diagnostics carry file and line.
func Load(dirs []string) (*Rules, []Diag) { return Options{}.LoadFiles(Files(dirs)) }

// LoadFiles parses the given rules files in that order.
func LoadFiles(paths []string) (*Rules, []Diag) { return Options{}.LoadFiles(paths) }

// Load is the package's Load with these options.
func (o Options) Load(dirs []string) (*Rules, []Diag) { return o.LoadFiles(Files(dirs)) }

// LoadFiles is the package's LoadFiles with these options.
func (o Options) LoadFiles(paths []string) (*Rules, []Diag) {
	rs := &Rules{}
	var diags []Diag
	for _, p := range paths {
		f, err := os.Open(p)
		if err != nil {
			if !errors.Is(err, fs.ErrNotExist) {
				diags = append(diags, Diag{File: p, Level: LevelWarning, Msg: "Failed to open, ignoring: " + err.Error()})
			}
			continue
		}
		rf, d, err := o.ParseFile(p, f)
		f.Close()
		diags = append(diags, d...)
		if err != nil {
			diags = append(diags, Diag{File: p, Level: LevelWarning, Msg: "Failed to read, ignoring: " + err.Error()})
			continue
		}
		rs.Files = append(rs.Files, rf)
	}
	return rs, diags
}
