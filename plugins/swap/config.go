package swap

import (
	"fmt"
	"strconv"
	"time"

	"github.com/sysmaster/sysmaster/pkg/fstab"
	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/pkg/virt"
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// section is the unit-file section this type interprets.
const section = "Swap"

// defaultTimeoutUSec is TimeoutSec='s default, systemd's DefaultTimeoutStartSec= (90 s).
const defaultTimeoutUSec = 90e6

// Config is one swap's [Swap] section, parsed (man systemd.swap, systemd.exec, systemd.kill,
// systemd.resource-control). The host stores it as JSON and hands it back with every event.
type Config struct {
	// What is the swap device or file: an absolute path whose escaped form is the unit's name.
	What string
	// Priority is Priority= (-1…32767); PrioritySet says it was given.
	Priority    int
	PrioritySet bool
	Options     string
	// TimeoutUSec bounds swapon, swapoff and each killing sub-state; 0 waits for ever.
	TimeoutUSec uint64

	exec.ExecSettings
	exec.KillSettings
	exec.CgroupConfig
}

// parseConfig reads the [Swap] section of req into a Config, recording problems in res.
func parseConfig(req *sdk.ParseRequest, res *sdk.ParseResult) *Config {
	c := &Config{Priority: -1, TimeoutUSec: defaultTimeoutUSec, ExecSettings: exec.DefaultExec(),
		KillSettings: exec.DefaultKill(), CgroupConfig: exec.DefaultCgroup()}
	p := exec.NewParser(res, section, exec.SystemLoadEnv(), &c.ExecSettings, &c.KillSettings, &c.CgroupConfig)
	p.Run(req.Section(section), func(e *sdk.Entry) bool {
		switch e.Key {
		case "What":
			c.What = e.Value
		case "Priority":
			c.Priority, c.PrioritySet = -1, false
			if e.Value != "" {
				n, err := strconv.Atoi(e.Value)
				if err != nil || n < -1 || n > 32767 {
					p.Bad(e, "not a priority (-1…32767)")
				} else {
					c.Priority, c.PrioritySet = n, true
				}
			}
		case "Options":
			c.Options = e.Value
		case "TimeoutSec":
			p.Timespan(e, &c.TimeoutUSec, defaultTimeoutUSec, 0)
		default:
			return false
		}
		return true
	})
	p.Finish()
	name := req.Unit.GetName()
	e := p.Last["What"]
	file := ""
	if req.Unit != nil {
		file = req.Unit.FragmentPath
	}
	switch {
	case e == nil:
		what, err := unitname.ToPath(name)
		if err != nil {
			res.Errorf(&sdk.Entry{File: file}, section, "What", "What= setting is missing and %s names no path: %v", name, err)
			return c
		}
		c.What = what
	case len(c.What) == 0 || c.What[0] != '/':
		res.Errorf(e, section, "What", "What=%s is not an absolute path. Refusing.", c.What)
	default:
		want, err := unitname.FromPath(c.What, ".swap")
		if err != nil || !hasName(req.Unit, want) {
			res.Errorf(e, section, "What", "Value of What= and unit name do not match (%s names %s), not loading.", c.What, want)
		}
	}
	return c
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

// inContainer tells whether the swap runs in a container; a variable for the tests.
var inContainer = virt.Container

// addDependencies adds systemd.swap's implicit and default dependencies (swap_add_extras).
func addDependencies(res *sdk.ParseResult, c *Config) {
	if fstab.IsDevicePath(c.What) {
		if dev, err := unitname.FromPath(c.What, ".device"); err == nil {
			res.AddImplicit("BindsTo", dev)
			res.AddImplicit("After", dev)
		}
	} else {
		// A swap file may need its file system writable.
		res.AddImplicit("After", "systemd-remount-fs.service")
	}
	if inContainer() {
		// The swaps are the outer system's: nothing here orders or turns them off (systemd's
		// swap_add_default_dependencies).
		return
	}
	res.AddDefault("Before", "swap.target")
	res.AddDefault("Conflicts", "umount.target")
	res.AddDefault("Before", "umount.target")
}

// options is what swapon gets with -o: Options=, with Priority= as pri= unless Options= has one (systemd's
// swap_enter_activating).
func (c *Config) options() string {
	_, hasPri := fstab.Value(c.Options, "pri")
	if !c.PrioritySet || hasPri {
		return c.Options
	}
	pri := fmt.Sprintf("pri=%d", c.Priority)
	if c.Options == "" {
		return pri
	}
	return c.Options + "," + pri
}

// properties are the swap's settings as `systemctl show` lists them.
func (c *Config) properties() map[string]string {
	timeout := "infinity"
	if c.TimeoutUSec != 0 {
		timeout = timespan.Format(time.Duration(c.TimeoutUSec) * time.Microsecond)
	}
	p := map[string]string{"What": c.What, "Priority": strconv.Itoa(c.Priority), "Options": c.Options,
		"TimeoutUSec": timeout, "Result": "success"}
	c.ExecSettings.Properties(p)
	c.KillSettings.Properties(p)
	c.CgroupConfig.Properties(p)
	return p
}
