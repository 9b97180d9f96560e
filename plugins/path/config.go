package path

import (
	"math"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// section is the one section this plugin parses.
const section = "Path"

// Defaults of man systemd.path (src/core/path.c: path_add_extras).
const (
	defaultDirectoryMode  = 0o755
	defaultLimitInterval  = 2 * uint64(time.Second/time.Microsecond)
	defaultLimitBurst     = 200
	maxDirectoryMode      = 0o7777
	specExists            = "PathExists"
	specExistsGlob        = "PathExistsGlob"
	specChanged           = "PathChanged"
	specModified          = "PathModified"
	specDirectoryNotEmpty = "DirectoryNotEmpty"
)

// specTypes are the keys that each add a path to watch, in systemctl show's order.
var specTypes = []string{specExists, specExistsGlob, specChanged, specModified, specDirectoryNotEmpty}

// Config is one path unit's [Path] section, parsed (man systemd.path).
type Config struct {
	// Specs are the paths to watch in file order; each has its own inotify descriptor, "path0", "path1", ….
	Specs []Spec
	// Unit is the unit to start: Unit= or the path unit's name with .service.
	Unit          string
	MakeDirectory bool
	DirectoryMode uint32

	TriggerLimitIntervalUSec uint64
	TriggerLimitBurst        uint32
}

// Spec is one PathExists=, PathExistsGlob=, PathChanged=, PathModified= or DirectoryNotEmpty= line.
type Spec struct {
	Type string // the key
	Path string // absolute, simplified
}

// id is the host's name of spec i's inotify descriptor.
func id(i int) string { return "path" + strconv.Itoa(i) }

// parseConfig parses the [Path] section with systemd's defaults, recording problems in res with file, line and
// key: a bad value of a key whose line systemd ignores is a warning, a unit without any path an error.
func parseConfig(req *sdk.ParseRequest, res *sdk.ParseResult) Config {
	name := req.Unit.GetName()
	c := Config{DirectoryMode: defaultDirectoryMode, TriggerLimitIntervalUSec: defaultLimitInterval,
		TriggerLimitBurst: defaultLimitBurst}
	p := exec.NewParser(res, section, exec.SystemLoadEnv(), nil, nil, nil)
	p.Run(req.Section(section), func(e *sdk.Entry) bool {
		switch e.Key {
		case specExists, specExistsGlob, specChanged, specModified, specDirectoryNotEmpty:
			c.Specs = parseSpec(res, e, c.Specs)
		case "Unit":
			v := strings.TrimSpace(e.Value)
			switch {
			case !unitname.ValidAs(v, unitname.KindPlain|unitname.KindInstance):
				res.Warnf(e, section, e.Key, "Unit type not valid, ignoring: %s", e.Value)
			case v == name:
				res.Warnf(e, section, e.Key, "Units cannot trigger themselves, ignoring: %s", e.Value)
			default:
				c.Unit = v
			}
		case "MakeDirectory":
			p.Bool(e, &c.MakeDirectory, false)
		case "DirectoryMode":
			if m, ok := p.Mode(e, defaultDirectoryMode, maxDirectoryMode); ok {
				c.DirectoryMode = m
			}
		case "TriggerLimitIntervalSec":
			p.Timespan(e, &c.TriggerLimitIntervalUSec, defaultLimitInterval, 0)
		case "TriggerLimitBurst":
			if e.Value == "" {
				c.TriggerLimitBurst = defaultLimitBurst
				break
			}
			n, err := strconv.ParseUint(strings.TrimSpace(e.Value), 10, 32)
			if err != nil || n > math.MaxUint32 {
				p.Bad(e, "not an unsigned integer")
				break
			}
			c.TriggerLimitBurst = uint32(n)
		default:
			return false
		}
		return true
	})
	if c.Unit == "" {
		c.Unit = strings.TrimSuffix(name, ".path") + ".service"
	}
	if len(c.Specs) == 0 && !res.Failed() {
		res.Errorf(nil, section, "", "Path unit lacks path setting. Refusing.")
	}
	return c
}

// parseSpec adds the path of e to specs; an empty value resets the list, a path that is not absolute or not
// valid is ignored with a warning, as systemd does.
func parseSpec(res *sdk.ParseResult, e *sdk.Entry, specs []Spec) []Spec {
	v := e.Value
	if v == "" {
		return nil
	}
	if !filepath.IsAbs(v) {
		res.Warnf(e, section, e.Key, "Path is not absolute, ignoring: %s", v)
		return specs
	}
	if !unitname.PathValid(v) || strings.ContainsRune(v, 0) {
		res.Warnf(e, section, e.Key, "Invalid path, ignoring: %s", v)
		return specs
	}
	return append(specs, Spec{Type: e.Key, Path: filepath.Clean(v)})
}

// properties are the settings as `systemctl show` lists them.
func (c *Config) properties() map[string]string {
	p := map[string]string{
		"Unit":                     c.Unit,
		"MakeDirectory":            yesno(c.MakeDirectory),
		"DirectoryMode":            "0" + strconv.FormatUint(uint64(c.DirectoryMode), 8),
		"TriggerLimitIntervalUSec": timespan.Format(time.Duration(c.TriggerLimitIntervalUSec) * time.Microsecond),
		"TriggerLimitBurst":        strconv.FormatUint(uint64(c.TriggerLimitBurst), 10),
	}
	// systemctl show's "PATH (TYPE)" per line, the last given first as systemd lists them (the host reads the
	// lines back for the D-Bus API's a(ss)).
	var paths []string
	for i := len(c.Specs) - 1; i >= 0; i-- {
		paths = append(paths, c.Specs[i].Path+" ("+c.Specs[i].Type+")")
	}
	p["Paths"] = strings.Join(paths, "\n")
	return p
}

func yesno(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
