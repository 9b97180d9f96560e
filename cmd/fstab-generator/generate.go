package fstabgenerator

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/fstab"
	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// Targets and services the generated units refer to (systemd's names).
const (
	localFS       = "local-fs.target"
	remoteFS      = "remote-fs.target"
	swapTarget    = "swap.target"
	remountFS     = "systemd-remount-fs.service"
	fsckRoot      = "systemd-fsck-root.service"
	systemUnitDir = "/usr/lib/systemd/system" // where links to systemd's static units point, as systemd's do
	makefsPath    = "/usr/lib/systemd/systemd-makefs"
	procCmdline   = "/proc/cmdline"
)

// generator writes units into dest; it logs each problem to log and goes on with the next entry.
type generator struct {
	dest   string
	log    io.Writer
	ok     bool
	source string // SourcePath= of what is being generated
	// hasFsck reports whether fsck (and fsck.TYPE, when type is not "auto") can be run: systemd skips the
	// check of a file system it has no checker for.
	hasFsck func(fstype string) bool
	// container is set when the generator runs in a container, where swap entries are skipped.
	container bool
	// rootRemount is set once "/" was generated from rootSource: its options must be applied by a remount.
	rootRemount *fstab.Entry
	rootSource  string
}

func newGenerator(dest string, log io.Writer) *generator {
	_, container := os.LookupEnv("container")
	if _, err := os.Stat("/run/systemd/container"); err == nil {
		container = true
	}
	return &generator{dest: dest, log: log, ok: true, hasFsck: fsckExists, container: container}
}

func fsckExists(fstype string) bool {
	if _, err := exec.LookPath("fsck"); err != nil {
		return false
	}
	if fstype == "" || fstype == "auto" {
		return true
	}
	_, err := exec.LookPath("fsck." + fstype)
	return err == nil
}

func (g *generator) warn(format string, args ...any) {
	fmt.Fprintf(g.log, "sysmaster-fstab-generator: "+format+"\n", args...)
}

func (g *generator) fail(format string, args ...any) {
	g.warn(format, args...)
	g.ok = false
}

// run generates the units of the fstab at fstabPath (when fstab= allows) and of the command line's extra
// mounts and swaps; it reports whether everything could be generated.
func (g *generator) run(fstabPath, cmdlineText string) bool {
	cmd, err := readCmdline(cmdlineText)
	if err != nil {
		g.fail("cannot read the kernel command line: %v", err)
	}
	if cmd.fstab {
		g.fstab(fstabPath, cmd.swap)
		// systemd (since 254) pulls its remount service in whenever fstab is read; see remount below.
		g.link(localFS, "wants", filepath.Join(systemUnitDir, remountFS))
	}
	g.source = procCmdline
	for _, m := range cmd.mounts {
		f, ok := splitExtra(m, 4)
		if !ok || len(f) < 2 {
			g.fail("invalid systemd.mount-extra=%s: WHAT:WHERE[:FSTYPE[:OPTIONS]] expected", m)
			continue
		}
		g.entry(extraEntry(f[0], f[1], f, 2), -1, true)
	}
	for _, m := range cmd.swaps {
		f, ok := splitExtra(m, 2)
		if !ok {
			g.fail("invalid systemd.swap-extra=%s: WHAT[:OPTIONS] expected", m)
			continue
		}
		g.entry(extraEntry(f[0], "none", append([]string{f[0], "none", "swap"}, f[1:]...), 2), -1, true)
	}
	if g.rootRemount != nil {
		g.source = g.rootSource
		g.remount(*g.rootRemount)
	}
	return g.ok
}

// extraEntry makes an fstab entry of a command line's fields: f[from] is the type, f[from+1] the options.
func extraEntry(what, where string, f []string, from int) fstab.Entry {
	e := fstab.Entry{What: what, Where: where, Type: "auto"}
	if len(f) > from && f[from] != "" {
		e.Type = f[from]
	}
	if len(f) > from+1 {
		e.Options = f[from+1]
	}
	return e
}

// fstab generates the units of every entry of the file; a malformed line is logged and skipped.
func (g *generator) fstab(path string, swaps bool) {
	g.source = path
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return
	}
	if err != nil {
		g.fail("%v", err)
		return
	}
	defer f.Close()
	entries, problems := fstab.Parse(path, f)
	for _, p := range problems {
		g.fail("%v; line skipped", p)
	}
	for _, e := range entries {
		if e.Type == "swap" && !swaps {
			g.warn("%s:%d: swap units disabled on the kernel command line, ignoring %s", path, e.Line, e.What)
			continue
		}
		g.entry(e, e.Passno, false)
	}
}

// entry generates the units of one entry; passno < 0 means "check it if it is a device" (command-line mounts).
func (g *generator) entry(e fstab.Entry, passno int, fromCmdline bool) {
	what := fstab.Node(e.What)
	if e.Type == "swap" {
		g.swap(what, e.Options)
		return
	}
	if passno < 0 {
		passno = 0
		if fstab.IsDevicePath(what) {
			passno = 1
		}
	}
	if !strings.Contains(e.Where, "/") {
		g.warn("mount point %s is not a valid path, ignoring", e.Where)
		return
	}
	where := canonical(e.Where)
	original := ""
	if where != e.Where {
		original = e.Where
	}
	target := localFS
	if fstab.IsNetwork(e.Type, e.Options) {
		target = remoteFS
	}
	g.mount(what, where, original, e, passno, target)
	if where == "/" && !fromCmdline {
		root := e
		g.rootRemount, g.rootSource = &root, g.source
	}
}

// canonical resolves the symlinks of the part of where that exists (fstab may name a mount point through a
// link; a mount unit may not), and cleans the rest.
func canonical(where string) string {
	p := filepath.Clean(where)
	rest := ""
	for p != "/" {
		if r, err := filepath.EvalSymlinks(p); err == nil {
			return filepath.Join(r, rest)
		}
		rest = filepath.Join(filepath.Base(p), rest)
		p = filepath.Dir(p)
	}
	return filepath.Join("/", rest)
}

// parseSec parses a time span as systemd's parse_sec_fix_0 does: 0 means no limit.
func parseSec(s string) (string, bool) {
	d, err := timespan.Parse(s)
	if err != nil {
		return "", false
	}
	if d == 0 {
		d = timespan.Infinity
	}
	return timespan.Format(d), true
}

// mangled turns the names of x-systemd.requires= and friends into unit names (a path becomes its .mount).
func (g *generator) mangled(names []string) []string {
	var out []string
	for _, n := range names {
		m, _, err := unitname.Mangle(n, ".mount", false)
		if err != nil {
			g.fail("cannot make a unit name of %q: %v", n, err)
			continue
		}
		out = append(out, m)
	}
	return out
}
