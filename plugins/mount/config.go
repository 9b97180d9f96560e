package mount

import (
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/fstab"
	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// section is the unit-file section this type interprets.
const section = "Mount"

// defaultTimeoutUSec is TimeoutSec='s default, systemd's DefaultTimeoutStartSec= (90 s).
const defaultTimeoutUSec = 90e6

// Config is one mount's [Mount] section, parsed (man systemd.mount, systemd.exec, systemd.kill,
// systemd.resource-control). The host stores it as JSON and hands it back with every event.
type Config struct {
	// What is the device, file or resource to mount, as written ("LABEL=…" stays so: mount(8) resolves it).
	What string
	// Where is the mount point: an absolute, simplified path whose escaped form is the unit's name.
	Where         string
	Type          string
	Options       string
	SloppyOptions bool
	LazyUnmount   bool
	ReadWriteOnly bool
	ForceUnmount  bool
	// DirectoryMode is the mode of the directories created for Where= (and its missing parents).
	DirectoryMode uint32
	// TimeoutUSec bounds each command (mount, remount, umount) and each killing sub-state; 0 waits for ever.
	TimeoutUSec uint64

	// The settings of the control processes, shared with the service plugin; embedded so that the JSON stays
	// flat.
	exec.ExecSettings
	exec.KillSettings
	exec.CgroupConfig
}

// parseConfig reads the [Mount] section of req into a Config, recording problems in res.
func parseConfig(req *sdk.ParseRequest, res *sdk.ParseResult) *Config {
	c := &Config{DirectoryMode: exec.DefaultDirMode, TimeoutUSec: defaultTimeoutUSec, ExecSettings: exec.DefaultExec(),
		KillSettings: exec.DefaultKill(), CgroupConfig: exec.DefaultCgroup()}
	// mount(8) and umount(8) run in the core's process group, which the kernel's autofs takes for its daemon: a
	// mount an automount triggered must not wait for that automount (systemd's mount_init sets same_pgrp).
	c.ExecSettings.SamePgrp = true
	p := exec.NewParser(res, section, exec.SystemLoadEnv(), &c.ExecSettings, &c.KillSettings, &c.CgroupConfig)
	p.Run(req.Section(section), func(e *sdk.Entry) bool {
		switch e.Key {
		case "What":
			c.What = e.Value
		case "Where":
			c.Where = e.Value
		case "Type":
			c.Type = e.Value
		case "Options":
			c.Options = e.Value
		case "SloppyOptions":
			p.Bool(e, &c.SloppyOptions, false)
		case "LazyUnmount":
			p.Bool(e, &c.LazyUnmount, false)
		case "ReadWriteOnly":
			p.Bool(e, &c.ReadWriteOnly, false)
		case "ForceUnmount":
			p.Bool(e, &c.ForceUnmount, false)
		case "DirectoryMode":
			c.DirectoryMode = exec.DefaultDirMode
			if e.Value != "" {
				m, err := strconv.ParseUint(e.Value, 8, 32)
				if err != nil || m > 0o7777 {
					p.Bad(e, "not an octal file mode")
				} else {
					c.DirectoryMode = uint32(m)
				}
			}
		case "TimeoutSec":
			p.Timespan(e, &c.TimeoutUSec, defaultTimeoutUSec, 0)
		default:
			return false
		}
		return true
	})
	p.Finish()
	checkWhere(req, res, p, c)
	if c.What == "" {
		// A file without What= says nothing to mount (systemd's mount_verify).
		fileOf := &sdk.Entry{}
		if req.Unit != nil {
			fileOf.File = req.Unit.FragmentPath
		}
		res.Errorf(fileOf, section, "What", "What= setting is missing. Refusing.")
	}
	return c
}

// checkWhere settles Where=: taken from the unit's name when the file has none, simplified, absolute, and the
// path the unit's name escapes (a mismatch refuses the unit, as systemd does).
func checkWhere(req *sdk.ParseRequest, res *sdk.ParseResult, p *exec.Parser, c *Config) {
	name := req.Unit.GetName()
	e := p.Last["Where"]
	if e == nil {
		where, err := unitname.ToPath(name)
		if err != nil {
			res.Errorf(&sdk.Entry{File: fragment(req)}, section, "Where", "Where= setting is missing and %s names no path: %v", name, err)
			return
		}
		c.Where = where
		return
	}
	if !strings.HasPrefix(c.Where, "/") {
		res.Errorf(e, section, "Where", "Where=%s is not an absolute path. Refusing.", c.Where)
		return
	}
	c.Where = simplify(c.Where)
	want, err := unitname.FromPath(c.Where, ".mount")
	if err != nil {
		res.Errorf(e, section, "Where", "Where=%s cannot name a unit: %v", c.Where, err)
		return
	}
	if !hasName(req.Unit, want) {
		res.Errorf(e, section, "Where", "Where= setting doesn't match unit name (%s names %s). Refusing.", c.Where, want)
	}
}

func fragment(req *sdk.ParseRequest) string {
	if req.Unit == nil {
		return ""
	}
	return req.Unit.FragmentPath
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

// device is the device node What= names when the mount has a backing device systemd would depend on: a path
// under /dev or /sys, not /dev/root or /dev/nfs (no real devices), for a mount that is not a bind mount and not
// of /. It is "" otherwise.
func (c *Config) device() string {
	if !fstab.IsDevicePath(c.What) || c.What == "/dev/root" || c.What == "/dev/nfs" || c.bind() || c.Where == "/" {
		return ""
	}
	return c.What
}

// bind reports a bind mount, which has no backing device.
func (c *Config) bind() bool { return fstab.Has(c.Options, "bind", "rbind") }
