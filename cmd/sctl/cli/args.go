package cli

import (
	"errors"
	"fmt"
	"maps"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// options are sctl's command-line options (systemctl's names).
type options struct {
	properties []string
	value      bool
	all        bool
	types      []string
	states     []string
	noLegend   bool
	showTypes  bool // --show-types (list-sockets)
	plain      bool
	noBlock    bool
	jobMode    string
	quiet      bool
	full       bool
	runtime    bool
	now        bool
	reverse    bool
	force      int    // -f: --force for systemctl's verbs (-ff: twice), --follow for logs
	follow     bool   // --follow
	wait       bool   // --wait (start, restart: until the units end again)
	lines      string // -n, --lines (logs; status shows 10)
	since      string // --since (logs)
	killWhom   string // --kill-whom (kill)
	signal     string // -s, --signal (kill)
	help       bool   // -h, --help
	version    bool   // --version
	failed     bool   // --failed: --state=failed
	noReload   bool   // --no-reload (edit does not reload; the core's install operations and set-property always do)
	dryRun     bool   // --dry-run (poweroff, reboot, halt: do nothing)
	legend     string // --legend=BOOL
	output     string // -o, --output (json, json-pretty for the list verbs; short for status)
	transact   bool   // -T, --show-transaction
	what       []string
	presetMode string // --preset-mode=full|enable-only|disable-only
	root       string // --root=DIR
	withDeps   bool   // --with-dependencies (status, cat)
}

// flagSet declares sctl's options on o.
func flagSet(o *options) *pflag.FlagSet {
	fs := newFlagSet("sctl")
	fs.SortFlags = false
	fs.VarP((*listValue)(&o.properties), "property", "p", "show only these properties (repeatable, comma list)")
	addSwitch(fs, &o.value, "value", "", "show: print property values only")
	addSwitch(fs, &o.all, "all", "a", "every unit, every property")
	fs.VarP((*listValue)(&o.types), "type", "t", "list only units of these types")
	fs.Var((*listValue)(&o.states), "state", "list only units in these states")
	addSwitch(fs, &o.noLegend, "no-legend", "", "no column headers and footer")
	addSwitch(fs, &o.plain, "plain", "", "list-dependencies: a list, not a tree")
	addSwitch(fs, &o.showTypes, "show-types", "", "list-sockets: show the socket types")
	addSwitch(fs, &o.noBlock, "no-block", "", "do not wait for the jobs")
	fs.StringVar(&o.jobMode, "job-mode", "", "how to deal with already queued jobs")
	addSwitch(fs, &o.quiet, "quiet", "q", "suppress output")
	addSwitch(fs, &o.full, "full", "l", "do not ellipsize")
	addSwitch(fs, &o.runtime, "runtime", "", "enable, disable, mask: only until the next reboot")
	addSwitch(fs, &o.now, "now", "", "enable, disable, mask: also start or stop")
	addSwitch(fs, &o.reverse, "reverse", "", "list-dependencies: the reverse dependencies")
	fs.VarPF((*countValue)(&o.force), "force", "f", "poweroff, reboot, halt, kexec: at once, without stopping units in order (twice: reboot(2) at once, without the manager); edit: create; with logs: --follow").NoOptDefVal = "true"
	addSwitch(fs, &o.follow, "follow", "", "logs: keep printing new lines")
	addSwitch(fs, &o.wait, "wait", "", "start, restart: wait until the units have ended again")
	fs.StringVarP(&o.lines, "lines", "n", "", "logs: the number of lines to show")
	fs.StringVarP(&o.since, "since", "S", "", "logs: show lines from this time on")
	fs.StringVar(&o.killWhom, "kill-whom", "", "kill: main, control or all")
	fs.StringVarP(&o.signal, "signal", "s", "", "kill: the signal to send")
	addSwitch(fs, &o.failed, "failed", "", "list units in the failed state (--state=failed)")
	fs.VarP(valueProperty{o}, "value-property", "P", "-P NAME: -p NAME --value")
	fs.Lookup("value-property").Hidden = true // systemctl's -P has no long form
	fs.StringVar(&o.legend, "legend", "", "list verbs: show the header and footer (yes, no)")
	fs.StringVarP(&o.output, "output", "o", "", "list verbs: json or json-pretty")
	addSwitch(fs, &o.transact, "show-transaction", "T", "job verbs: print the jobs enqueued")
	fs.Var((*listValue)(&o.what), "what", "clean: what to remove")
	addSwitch(fs, &o.dryRun, "dry-run", "", "poweroff, reboot, halt: only check, do nothing")
	addSwitch(fs, &o.noReload, "no-reload", "", "edit: do not reload the daemon afterwards")
	fs.StringVar(&o.presetMode, "preset-mode", "", "preset, preset-all: full, enable-only or disable-only")
	fs.StringVar(&o.root, "root", "", "the unit-file verbs on the tree at DIR, without a manager")
	var ignored bool
	// Accepted and changing nothing here: there is no pager, no password agent, no inhibitor and no wall,
	// and sctl talks to the system manager only.
	addSwitch(fs, &o.withDeps, "with-dependencies", "", "status, cat: also the units' dependencies")
	for _, name := range []string{"no-pager", "no-ask-password", "system", "no-wall"} {
		addSwitch(fs, &ignored, name, "", "accepted, changes nothing")
	}
	// The short name is given with the flag: pflag looks shorthands up in a table filled when a flag is added.
	addSwitch(fs, &ignored, "ignore-inhibitors", "i", "accepted, changes nothing")
	addSwitch(fs, &o.version, "version", "", "show the version")
	addSwitch(fs, &o.help, "help", "h", "show this help")
	return fs
}

// parseArgs splits argv (without the program name) into the verb, its arguments and the options, which may
// stand anywhere, as systemctl allows.
func parseArgs(argv []string) (verb string, args []string, o options, err error) {
	fs := flagSet(&o)
	if err := fs.Parse(argv); err != nil {
		return "", nil, o, err
	}
	if err := o.check(); err != nil {
		return "", nil, o, refusal{err}
	}
	if rest := fs.Args(); len(rest) > 0 {
		verb, args = rest[0], rest[1:]
	}
	return verb, args, o, nil
}

// valueProperty is -P NAME: -p NAME with --value.
type valueProperty struct{ o *options }

func (v valueProperty) Set(s string) error {
	v.o.value = true
	return (*listValue)(&v.o.properties).Set(s)
}
func (v valueProperty) String() string { return "" }
func (v valueProperty) Type() string   { return "list" }

// check refuses option values systemctl refuses, with its messages, and folds --failed and --legend= into the
// options they mean.
func (o *options) check() error {
	if o.failed {
		o.states = append(o.states, "failed")
	}
	if o.legend != "" {
		b, err := parseBool(o.legend)
		if err != nil {
			return fmt.Errorf("Failed to parse --legend= argument '%s': %v", o.legend, err)
		}
		o.noLegend = !b
	}
	for _, t := range o.types {
		if t != "help" && !slices.Contains(unitTypes, t) && !slices.Contains(loadStates, t) {
			return fmt.Errorf("Unknown unit type or load state '%s'.", t)
		}
	}
	switch o.output {
	case "", "json", "json-pretty", "short", "cat":
	default:
		return fmt.Errorf("Unknown output '%s'.", o.output)
	}
	switch o.presetMode {
	case "", "full", "enable-only", "disable-only":
	default:
		return fmt.Errorf("Failed to parse preset mode: %s.", o.presetMode)
	}
	return nil
}

// refusal is an option value sctl refuses: its message is printed alone, as systemctl prints its own.
type refusal struct{ error }

// loadStates may be given to -t as well, as systemctl allows.
var loadStates = []string{"stub", "loaded", "not-found", "bad-setting", "error", "merged", "masked"}

// parseBool is systemd's parse_boolean.
func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "t", "on":
		return true, nil
	case "0", "no", "n", "false", "f", "off":
		return false, nil
	}
	return false, errors.New("Invalid argument")
}

// usage is sctl --help.
func usage() string {
	verbs := slices.Sorted(maps.Keys(commands))
	return "sctl [OPTIONS...] COMMAND [UNIT...]\n\nQuery or send control commands to sysmaster.\n\nCommands: " +
		strings.Join(verbs, ", ") + ", analyze, escape\n\nOptions:\n" + flagSet(&options{}).FlagUsages()
}

// unitTypes are the suffixes sctl recognises when deciding whether a name lacks one.
var unitTypes = []string{"service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path",
	"slice", "scope"}

// unitName mangles what the user typed into a unit name as systemctl does (unit_name_mangle_with_suffix with
// ".service"): a valid name stays, "/dev/…" becomes a .device and another absolute path a .mount, invalid bytes
// are escaped, and a name without a unit type gets ".service" ("python3.11" → "python3.11.service"). Globs are
// left alone. A name with another lowercase suffix starting with a letter ("hello.run") stays: a unit of a
// third-party type.
func unitName(s string) string {
	if strings.ContainsAny(s, "*?[") {
		return s
	}
	if ext := filepath.Ext(s); ext != "" {
		if slices.Contains(unitTypes, ext[1:]) {
			return s
		}
		if len(ext) > 1 && !strings.ContainsAny(s, "/") && isSuffix(ext[1:]) {
			return s // a third-party unit type
		}
	}
	if m, _, err := unitname.Mangle(s, ".service", false); err == nil {
		return m
	}
	return s + ".service"
}

// isSuffix: a plausible unit type suffix (a lowercase letter, then lowercase letters and digits).
func isSuffix(s string) bool {
	for i, c := range s {
		if !(c >= 'a' && c <= 'z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

func unitNames(args []string) []string {
	out := make([]string, len(args))
	for i, a := range args {
		out[i] = unitName(a)
	}
	return out
}
