package event

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/udevd/db"
	"github.com/sysmaster/sysmaster/udevd/device"
	"github.com/sysmaster/sysmaster/udevd/node"
	"github.com/sysmaster/sysmaster/udevd/rules"
)

// Processor applies a rule set to device events.
type Processor struct {
	Rules *rules.Rules
	DB    db.DB
	Node  node.Node
	// Timeout bounds each event's programs (rules.DefaultTimeout when zero).
	Timeout time.Duration
	// ProgramDir is where programs named without a path are found (rules.DefaultProgramDir when empty).
	ProgramDir string
	// Test is a dry run: rules are applied, but nothing is written to /dev, /run/udev or sysfs.
	Test bool
	// Log receives the events' messages; nil discards them.
	Log func(string)
}

// Process runs the rules on dev, whose Action says which event it is, and carries out what they decided except
// the RUN list (see Run). The returned Event holds the decisions.
func (p *Processor) Process(ctx context.Context, dev *device.Device) (*rules.Event, error) {
	ev := rules.NewEvent(dev)
	if p.Timeout > 0 {
		ev.Timeout = p.Timeout
	}
	if p.ProgramDir != "" {
		ev.ProgramDir = p.ProgramDir
	}
	ev.Test, ev.Log = p.Test, p.Log
	ev.ReadDB = func(d *device.Device) { _, _ = p.DB.Read(d) }

	if dev.Action == "remove" {
		return ev, p.remove(ctx, ev)
	}
	old := dev.Identity()
	entry, err := p.DB.Read(old)
	if err != nil {
		p.logf("%s: reading the database entry: %v", dev.Sysname, err)
	}
	ev.DBDev = old
	for _, t := range old.Tags() {
		dev.AddStickyTag(t)
	}
	if err := p.Rules.Apply(ctx, ev); err != nil {
		return ev, err
	}
	if p.Test {
		return ev, nil
	}
	var errs []error
	if dev.HasDevnum {
		uid, gid, mode := NodePermissions(ev)
		errs = append(errs, p.Node.ApplyPermissions(dev, uid, gid, mode), p.Node.UpdateLinks(dev, old))
	}
	usec := entry.UsecInitialized
	if usec == 0 {
		usec = monotonicUsec()
	}
	// As sd-device does for an initialized device: a property of the event (broadcast), not a database entry.
	dev.SetUeventProperty("USEC_INITIALIZED", strconv.FormatUint(usec, 10))
	errs = append(errs, p.DB.Write(dev, usec), p.DB.IndexTags(dev, old, true))
	return ev, errors.Join(errs...)
}

func (p *Processor) remove(ctx context.Context, ev *rules.Event) error {
	dev := ev.Dev
	if _, err := p.DB.Read(dev); err != nil {
		p.logf("%s: reading the database entry: %v", dev.Sysname, err)
	}
	var errs []error
	if !p.Test {
		errs = append(errs, p.DB.IndexTags(dev, nil, false), p.DB.Delete(dev))
	}
	if err := p.Rules.Apply(ctx, ev); err != nil {
		return err
	}
	if !p.Test && dev.HasDevnum {
		errs = append(errs, p.Node.RemoveLinks(dev))
	}
	return errors.Join(errs...)
}

// NodePermissions is the owner, group and mode the event's node gets (-1: root, root, and 0600 or 0660 with a
// group): what the rules set, else what the kernel asked for in the uevent (DEVUID, DEVGID, DEVMODE, as
// devtmpfs made the node), as udevd 252 does.
func NodePermissions(ev *rules.Event) (uid, gid, mode int) {
	uid, gid, mode = ev.UID, ev.GID, ev.Mode
	kernel := func(key string, base int) int {
		v, ok := ev.Dev.Property(key)
		if !ok {
			return -1
		}
		n, err := strconv.ParseUint(v, base, 32)
		if err != nil {
			return -1
		}
		return int(n)
	}
	if uid < 0 {
		uid = kernel("DEVUID", 10)
	}
	if gid < 0 {
		gid = kernel("DEVGID", 10)
	}
	if mode < 0 {
		mode = kernel("DEVMODE", 8)
	}
	return uid, gid, mode
}

// Run carries out the event's RUN list (rules.Event.ExecuteRun) unless this is a dry run.
func (p *Processor) Run(ctx context.Context, ev *rules.Event) {
	if !p.Test {
		ev.ExecuteRun(ctx)
	}
}

func (p *Processor) logf(format string, a ...any) {
	if p.Log != nil {
		p.Log(fmt.Sprintf(format, a...))
	}
}

func monotonicUsec() uint64 {
	var ts unix.Timespec
	_ = unix.ClockGettime(unix.CLOCK_MONOTONIC, &ts)
	return uint64(ts.Sec)*1e6 + uint64(ts.Nsec)/1e3
}
