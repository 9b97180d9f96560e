package adm

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/sysmaster/sysmaster/udevd/builtin"
	"github.com/sysmaster/sysmaster/udevd/db"
	"github.com/sysmaster/sysmaster/udevd/event"
	"github.com/sysmaster/sysmaster/udevd/rules"
)

// test is `devctl test`: a dry run of the rules on one device; nothing is written to /dev, /run/udev or sysfs.
func test(e *Env, args []string) error {
	f := newFlags("test", e)
	var action string
	f.str(&action, "action", "a", "add", "the event's action")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usageError{errors.New("exactly one device path is needed")}
	}
	if !slices.Contains(actions, action) {
		return usageError{fmt.Errorf("unknown action %q", action)}
	}
	d, err := e.deviceArg(pos[0])
	if err != nil {
		return err
	}
	d.SetUeventProperty("ACTION", action)
	rs, diags := rules.Load(rules.DefaultDirs)
	for _, dg := range diags {
		fmt.Fprintln(e.Stderr, dg)
	}
	p := &event.Processor{Rules: rs, DB: db.DB{Dir: e.RunDir}, Test: true,
		Log: func(s string) { fmt.Fprintln(e.Stderr, s) }}
	ev, err := p.Process(context.Background(), d)
	if err != nil {
		return err
	}
	for _, k := range d.PropertyKeys() {
		v, _ := d.Property(k)
		fmt.Fprintf(e.Stdout, "%s=%s\n", k, v)
	}
	for _, r := range ev.Run {
		kind := "program"
		if r.Builtin {
			kind = "builtin"
		}
		fmt.Fprintf(e.Stdout, "run: '%s' (%s)\n", r.Command, kind)
	}
	return nil
}

// testBuiltin is `devctl test-builtin COMMAND DEVPATH`: run one builtin on a device (dry run) and print the
// device's properties after it.
func testBuiltin(e *Env, args []string) error {
	f := newFlags("test-builtin", e)
	var action string
	f.str(&action, "action", "a", "add", "the event's action")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) != 2 {
		return usageError{errors.New("a builtin command and a device path are needed")}
	}
	argv := rules.SplitCommand(pos[0])
	if len(argv) == 0 {
		return usageError{errors.New("empty builtin command")}
	}
	b, ok := builtin.Lookup(argv[0])
	if !ok {
		return usageError{fmt.Errorf("unknown builtin %q", argv[0])}
	}
	d, err := e.deviceArg(pos[1])
	if err != nil {
		return err
	}
	d.SetUeventProperty("ACTION", action)
	if err := b.Run(context.Background(), d, argv, true); err != nil {
		return err
	}
	for _, k := range d.DBPropertyKeys() {
		v, _ := d.Property(k)
		fmt.Fprintf(e.Stdout, "%s=%s\n", k, v)
	}
	return nil
}
