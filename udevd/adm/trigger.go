package adm

import (
	"context"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/udevd/control"
	"github.com/sysmaster/sysmaster/udevd/device"
)

// actions a uevent file takes.
var actions = []string{"add", "remove", "change", "move", "online", "offline", "bind", "unbind"}

// waitDaemon is --wait-daemon[=SECONDS] (60 s without a value).
type waitDaemon struct{ d time.Duration }

func (w *waitDaemon) String() string   { return w.d.String() }
func (w *waitDaemon) IsBoolFlag() bool { return true }
func (w *waitDaemon) Set(s string) error {
	if s == "true" {
		w.d = 60 * time.Second
		return nil
	}
	d, err := seconds(s)
	w.d = d
	return err
}

// match is trigger's device filter (udevadm trigger's --*-match options).
type match struct {
	subsystems, nosubsystems, sysnames, attrs, noattrs, props, tags, parents list
}

// trigger is `devctl trigger`: write an action to the uevent file of every device (or subsystem) that matches,
// so the kernel sends the event again (coldplug).
func trigger(e *Env, args []string) error {
	f := newFlags("trigger", e)
	var m match
	var typ, action string
	var dry, verbose, settleAfter bool
	var wait waitDaemon
	f.str(&typ, "type", "t", "devices", "devices, subsystems or all")
	f.str(&action, "action", "c", "change", "the event's action")
	f.boolean(&dry, "dry-run", "n", "do not write the uevent files")
	f.boolean(&verbose, "verbose", "v", "print each path triggered")
	f.boolean(&settleAfter, "settle", "w", "wait until the events were processed")
	f.Var(&wait, "wait-daemon", "wait until udevd answers (SECONDS, 60 by default)")
	f.list(&m.subsystems, "subsystem-match", "s", "only devices of this subsystem (glob)")
	f.list(&m.nosubsystems, "subsystem-nomatch", "S", "not devices of this subsystem (glob)")
	f.list(&m.sysnames, "sysname-match", "y", "only devices of this name (glob)")
	f.list(&m.attrs, "attr-match", "a", "only devices with ATTR[=VALUE]")
	f.list(&m.noattrs, "attr-nomatch", "A", "not devices with ATTR[=VALUE]")
	f.list(&m.props, "property-match", "p", "only devices with KEY=VALUE")
	f.list(&m.tags, "tag-match", "g", "only devices with this tag")
	f.list(&m.parents, "parent-match", "b", "only this device and its children")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if !slices.Contains(actions, action) {
		return usageError{fmt.Errorf("unknown action %q", action)}
	}
	for _, p := range pos {
		d, err := e.deviceArg(p)
		if err != nil {
			return err
		}
		m.parents = append(m.parents, d.Devpath)
	}
	for i, p := range m.parents {
		d, err := e.deviceArg(p)
		if err != nil {
			return fmt.Errorf("--parent-match=%s: %w", p, err)
		}
		m.parents[i] = d.Devpath
	}
	if wait.d > 0 {
		if err := e.waitDaemon(wait.d); err != nil {
			return err
		}
	}
	var paths []string
	switch typ {
	case "devices":
		paths = e.enumerateDevices(&m)
	case "subsystems":
		paths = e.enumerateSubsystems(&m)
	case "all":
		paths = append(e.enumerateSubsystems(&m), e.enumerateDevices(&m)...)
	default:
		return usageError{fmt.Errorf("unknown type %q", typ)}
	}
	for _, p := range paths {
		if verbose {
			fmt.Fprintln(e.Stdout, p)
		}
		if dry {
			continue
		}
		if err := os.WriteFile(filepath.Join(p, "uevent"), []byte(action), 0); err != nil {
			// A device may go away meanwhile, or refuse an action: udevadm goes on too.
			fmt.Fprintf(e.Stderr, "devctl trigger: %s: %v\n", p, err)
		}
	}
	if settleAfter && !dry {
		return e.settle(120*time.Second, "")
	}
	return nil
}

func (e *Env) waitDaemon(d time.Duration) error {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for {
		err := control.Send(ctx, e.Control, "ping", "")
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("udevd did not answer within %s: %v", d, err)
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (e *Env) sysRoot() string {
	if e.Sysfs.Root == "" {
		return "/sys"
	}
	return e.Sysfs.Root
}

// enumerateDevices lists the syspaths of the matching devices of /sys/bus/*/devices and /sys/class/*, parents
// first.
func (e *Env) enumerateDevices(m *match) []string {
	root := e.sysRoot()
	seen := map[string]bool{}
	var devs []*device.Device
	for _, pattern := range []string{"bus/*/devices/*", "class/*/*", "block/*"} {
		entries, _ := filepath.Glob(filepath.Join(root, pattern))
		for _, p := range entries {
			d, err := e.Sysfs.New(strings.TrimPrefix(p, root))
			if err != nil || seen[d.Devpath] {
				continue
			}
			seen[d.Devpath] = true
			if e.matches(d, m) {
				devs = append(devs, d)
			}
		}
	}
	slices.SortFunc(devs, func(a, b *device.Device) int { return strings.Compare(a.Devpath, b.Devpath) })
	out := make([]string, len(devs))
	for i, d := range devs {
		out[i] = d.Syspath()
	}
	return out
}

// enumerateSubsystems lists the buses and their drivers that match the subsystem filters.
func (e *Env) enumerateSubsystems(m *match) []string {
	root := e.sysRoot()
	var out []string
	buses, _ := filepath.Glob(filepath.Join(root, "bus/*"))
	for _, b := range buses {
		name := path.Base(b)
		if !m.subsystemOK(name) {
			continue
		}
		out = append(out, b)
		drivers, _ := filepath.Glob(filepath.Join(b, "drivers/*"))
		for _, d := range drivers {
			if _, err := os.Stat(filepath.Join(d, "uevent")); err == nil {
				out = append(out, d)
			}
		}
	}
	return out
}

func globAny(patterns []string, s string) bool {
	for _, p := range patterns {
		if ok, _ := path.Match(p, s); ok {
			return true
		}
	}
	return false
}

func (m *match) subsystemOK(s string) bool {
	if len(m.subsystems) > 0 && !globAny(m.subsystems, s) {
		return false
	}
	return !globAny(m.nosubsystems, s)
}

func (e *Env) matches(d *device.Device, m *match) bool {
	if !m.subsystemOK(d.Subsystem) {
		return false
	}
	if len(m.sysnames) > 0 && !globAny(m.sysnames, d.Sysname) {
		return false
	}
	for _, a := range m.attrs {
		if !attrMatches(d, a) {
			return false
		}
	}
	for _, a := range m.noattrs {
		if attrMatches(d, a) {
			return false
		}
	}
	if len(m.parents) > 0 && !slices.ContainsFunc(m.parents, func(p string) bool {
		return d.Devpath == p || strings.HasPrefix(d.Devpath, p+"/")
	}) {
		return false
	}
	if len(m.props) > 0 || len(m.tags) > 0 {
		e.readDB(d)
	}
	if len(m.props) > 0 && !slices.ContainsFunc(m.props, func(kv string) bool {
		k, v, _ := strings.Cut(kv, "=")
		have, ok := d.Property(k)
		match, _ := path.Match(v, have)
		return ok && match
	}) {
		return false
	}
	for _, t := range m.tags {
		if !slices.Contains(d.Tags(), t) {
			return false
		}
	}
	return true
}

// attrMatches is ATTR (exists) or ATTR=GLOB against the value read (trailing whitespace removed).
func attrMatches(d *device.Device, spec string) bool {
	k, v, hasValue := strings.Cut(spec, "=")
	got, err := d.Attr(k)
	if err != nil {
		return false
	}
	if !hasValue {
		return true
	}
	ok, _ := path.Match(v, strings.TrimRight(got, " \t\n"))
	return ok
}
