package automount

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk"
)

// section is the unit-file section this type interprets.
const section = "Automount"

// Config is one automount's [Automount] section, parsed. The host stores it as JSON and hands it back with
// every event.
type Config struct {
	// Where is the automount point: an absolute, simplified path whose escaped form is the unit's name.
	Where string
	// Mount is the unit it triggers: the .mount unit of Where.
	Mount string
	// ExtraOptions are more options for the autofs mount.
	ExtraOptions string
	// DirectoryMode is the mode of the directories created for Where= (and its missing parents).
	DirectoryMode uint32
	// TimeoutIdleUSec is how long the mount may go unused before it is unmounted; 0 never.
	TimeoutIdleUSec uint64
}

// parseConfig reads the [Automount] section of req into a Config, recording problems in res.
func parseConfig(req *sdk.ParseRequest, res *sdk.ParseResult) *Config {
	c := &Config{DirectoryMode: 0o755}
	var where *sdk.Entry
	if s := req.Section(section); s != nil {
		for _, e := range s.Entries {
			switch e.Key {
			case "Where":
				c.Where, where = e.Value, e
			case "ExtraOptions":
				c.ExtraOptions = e.Value
			case "DirectoryMode":
				c.DirectoryMode = 0o755
				if e.Value != "" {
					m, err := strconv.ParseUint(e.Value, 8, 32)
					if err != nil || m > 0o7777 {
						res.Errorf(e, section, e.Key, "not an octal file mode: %q", e.Value)
						continue
					}
					c.DirectoryMode = uint32(m)
				}
			case "TimeoutIdleSec":
				c.TimeoutIdleUSec = 0
				if e.Value != "" && e.Value != "infinity" {
					usec, err := timespan.ParseUSec(e.Value)
					if err != nil {
						res.Errorf(e, section, e.Key, "not a time span: %q", e.Value)
						continue
					}
					c.TimeoutIdleUSec = usec
				}
			default:
				res.Warnf(e, section, e.Key, "Unknown key name '%s' in section '[%s]', ignoring.", e.Key, section)
			}
		}
	}
	checkWhere(req, res, where, c)
	return c
}

// checkWhere settles Where=: taken from the unit's name when the file has none, simplified, absolute, and the
// path the unit's name escapes (a mismatch refuses the unit, as systemd does).
func checkWhere(req *sdk.ParseRequest, res *sdk.ParseResult, e *sdk.Entry, c *Config) {
	name := req.Unit.GetName()
	fileOf := &sdk.Entry{}
	if req.Unit != nil {
		fileOf.File = req.Unit.FragmentPath
	}
	if e == nil {
		where, err := unitname.ToPath(name)
		if err != nil {
			res.Errorf(fileOf, section, "Where", "Where= setting is missing and %s names no path: %v", name, err)
			return
		}
		c.Where = where
	} else if !strings.HasPrefix(c.Where, "/") {
		res.Errorf(e, section, "Where", "Where=%s is not an absolute path. Refusing.", c.Where)
		return
	}
	c.Where = simplify(c.Where)
	want, err := unitname.FromPath(c.Where, ".automount")
	if err != nil {
		res.Errorf(fileOf, section, "Where", "Where=%s cannot name a unit: %v", c.Where, err)
		return
	}
	if e != nil && !hasName(req.Unit, want) {
		res.Errorf(e, section, "Where", "Where= setting doesn't match unit name (%s names %s). Refusing.", c.Where, want)
		return
	}
	if c.Where == "/" {
		res.Errorf(fileOf, section, "Where", "Cannot have an automount unit for the root directory. Refusing.")
		return
	}
	c.Mount, _ = unitname.FromPath(c.Where, ".mount")
}

// hasName reports whether name is the unit's name or one of its aliases.
func hasName(u *sdk.UnitInfo, name string) bool {
	if u == nil {
		return false
	}
	if u.Name == name {
		return true
	}
	for _, n := range u.Names {
		if n == name {
			return true
		}
	}
	return false
}

// simplify is systemd's path_simplify: doubled slashes, "." components and a trailing slash go; ".." stays.
func simplify(p string) string {
	var parts []string
	for _, c := range strings.Split(p, "/") {
		if c != "" && c != "." {
			parts = append(parts, c)
		}
	}
	return "/" + strings.Join(parts, "/")
}

// addDependencies adds systemd.automount's implicit and default dependencies (automount_add_extras): it
// triggers its mount and goes before it; by default it goes before local-fs.target, after local-fs-pre.target,
// and is stopped at shutdown.
func addDependencies(res *sdk.ParseResult, c *Config) {
	res.AddImplicit("Before", c.Mount)
	res.AddImplicit("Triggers", c.Mount)
	res.RequireTrigger(c.Mount) // automount_start's unit_test_trigger_loaded
	res.AddDefault("Before", "local-fs.target")
	res.AddDefault("After", "local-fs-pre.target")
	res.AddDefault("Conflicts", "umount.target")
	res.AddDefault("Before", "umount.target")
}

// properties are the automount's settings as `systemctl show` lists them: systemd's names and value formats.
func (c *Config) properties() map[string]string {
	idle := "0"
	if c.TimeoutIdleUSec != 0 {
		idle = timespan.Format(time.Duration(c.TimeoutIdleUSec) * time.Microsecond)
	}
	return map[string]string{
		"Where":           c.Where,
		"ExtraOptions":    c.ExtraOptions,
		"DirectoryMode":   fmt.Sprintf("%04o", c.DirectoryMode),
		"TimeoutIdleUSec": idle,
		"Result":          "success",
	}
}
