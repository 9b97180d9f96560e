// Package adm is devctl, udevadm's verbs for this udevd: trigger, settle, monitor, info, test, test-builtin,
// control and hwdb, with udevadm's options (long and short forms). cmd/devctl calls Main.
package adm

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/udevd/db"
	"github.com/sysmaster/sysmaster/udevd/device"
)

// Env is where a verb runs: its output streams and the directories it reads.
type Env struct {
	// Ctx ends a verb that runs until interrupted (monitor); nil means only SIGINT/SIGTERM do.
	Ctx            context.Context
	Stdout, Stderr io.Writer
	Sysfs          device.Sysfs
	// RunDir is udev's state (/run/udev); Control the daemon's socket (RunDir/control).
	RunDir  string
	Control string
}

func (e *Env) db() db.DB { return db.DB{Dir: e.RunDir} }

var verbs = map[string]struct {
	run  func(*Env, []string) error
	help string
}{
	"trigger":      {trigger, "Request events from the kernel"},
	"settle":       {settle, "Wait for pending udev events"},
	"monitor":      {monitorVerb, "Listen to kernel and udev events"},
	"info":         {info, "Query sysfs or the udev database"},
	"test":         {test, "Test an event run (dry run)"},
	"test-builtin": {testBuiltin, "Test a built-in command"},
	"control":      {controlVerb, "Control the udev daemon"},
	"hwdb":         {hwdbVerb, "Compile or query the hardware database"},
}

// Main runs devctl with args (without the program name) on this system and returns its exit status.
func Main(args []string) int {
	e := &Env{Stdout: os.Stdout, Stderr: os.Stderr, RunDir: "/run/udev", Control: "/run/udev/control"}
	return e.Main(args)
}

// Main runs devctl with args in e and returns its exit status: 0, 1 for a failure, 2 for a usage error.
func (e *Env) Main(args []string) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
		usage(e.Stdout)
		return 0
	}
	v, ok := verbs[args[0]]
	if !ok {
		fmt.Fprintf(e.Stderr, "devctl: unknown command %q\n", args[0])
		usage(e.Stderr)
		return 2
	}
	if err := v.run(e, args[1:]); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		fmt.Fprintf(e.Stderr, "devctl %s: %v\n", args[0], err)
		if _, usageErr := err.(usageError); usageErr {
			return 2
		}
		return 1
	}
	return 0
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "devctl [--help] COMMAND [COMMAND OPTIONS]\n\nSend control commands or test the device manager.\n\nCommands:")
	names := make([]string, 0, len(verbs))
	for n := range verbs {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-14s %s\n", n, verbs[n].help)
	}
}

// usageError is a bad option or argument (exit status 2).
type usageError struct{ error }

// flags is a flag set taking udevadm's long options and their one-letter forms, with arguments interspersed.
type flags struct {
	*flag.FlagSet
}

func newFlags(name string, e *Env) flags {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(e.Stderr)
	return flags{fs}
}

func (f flags) str(p *string, long, short, def, help string) {
	f.StringVar(p, long, def, help)
	if short != "" {
		f.StringVar(p, short, def, "short for --"+long)
	}
}

func (f flags) boolean(p *bool, long, short, help string) {
	f.BoolVar(p, long, false, help)
	if short != "" {
		f.BoolVar(p, short, false, "short for --"+long)
	}
}

// list collects a repeatable option.
type list []string

func (l *list) String() string     { return strings.Join(*l, ",") }
func (l *list) Set(v string) error { *l = append(*l, v); return nil }

func (f flags) list(p *list, long, short, help string) {
	f.Var(p, long, help)
	if short != "" {
		f.Var(p, short, "short for --"+long)
	}
}

// parse parses options and positional arguments in any order.
func (f flags) parse(args []string) ([]string, error) {
	var pos []string
	for {
		if err := f.Parse(args); err != nil {
			if err == flag.ErrHelp {
				return nil, err
			}
			return nil, usageError{err}
		}
		args = f.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// deviceArg reads the device a positional argument names: a sysfs path (with or without /sys) or a /dev node.
func (e *Env) deviceArg(arg string) (*device.Device, error) {
	if strings.HasPrefix(arg, "/dev/") || !strings.HasPrefix(arg, "/") && !strings.HasPrefix(arg, "sys/") {
		return e.deviceByNode(arg)
	}
	return e.Sysfs.New(strings.TrimPrefix(arg, "/sys"))
}

// deviceByNode finds the device of a node ("/dev/sda", "sda", or a /dev symlink) through its device number.
func (e *Env) deviceByNode(name string) (*device.Device, error) {
	if !strings.HasPrefix(name, "/") {
		name = "/dev/" + name
	}
	var st unixStat
	if err := stat(name, &st); err != nil {
		return nil, err
	}
	kind := "char"
	if st.block {
		kind = "block"
	}
	return e.Sysfs.New(fmt.Sprintf("/dev/%s/%d:%d", kind, st.major, st.minor))
}

// readDB adds what the database holds for d (properties, links, tags) and, for a device udevd processed,
// USEC_INITIALIZED, as udevadm shows it.
func (e *Env) readDB(d *device.Device) {
	entry, err := e.db().Read(d)
	if err == nil && entry.UsecInitialized > 0 {
		d.SetUeventProperty("USEC_INITIALIZED", strconv.FormatUint(entry.UsecInitialized, 10))
	}
}
