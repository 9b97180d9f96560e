package cli

import (
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/pflag"
)

// sctl's three option sets (systemctl's, systemd-analyze's, systemd-escape's) are pflag FlagSets: its rules are
// getopt_long's as systemd uses them (options anywhere among the arguments, "--" ends them, "-p NAME", "-pNAME",
// "--property NAME", "--property=NAME", bundled short switches "-aq"). What this file adds is where the two
// differ: a switch takes no argument, and the errors are worded as getopt prints them.

// errNoArgument is a switch given a value ("--all=no"), which getopt refuses and pflag's bool would take.
var errNoArgument = errors.New("doesn't allow an argument")

// switchValue is an option without an argument.
type switchValue bool

func (s *switchValue) Set(v string) error {
	if v != "true" { // NoOptDefVal: what pflag passes for the bare switch
		return errNoArgument
	}
	*s = true
	return nil
}

func (s *switchValue) String() string { return strconv.FormatBool(bool(*s)) }
func (s *switchValue) Type() string   { return "bool" }

// countValue is a switch that may be given more than once (-ff), counting how often.
type countValue int

func (c *countValue) Set(v string) error {
	if v != "true" {
		return errNoArgument
	}
	*c++
	return nil
}

func (c *countValue) String() string { return strconv.Itoa(int(*c)) }
func (c *countValue) Type() string   { return "count" }

// addSwitch declares a switch on fs.
func addSwitch(fs *pflag.FlagSet, p *bool, name, short, usage string) {
	fs.VarPF((*switchValue)(p), name, short, usage).NoOptDefVal = "true"
}

// listValue is a repeatable option whose values may also be comma-separated lists (-p A,B -p C).
type listValue []string

func (l *listValue) Set(v string) error {
	*l = append(*l, splitList(v)...)
	return nil
}

func (l *listValue) String() string { return strings.Join(*l, ",") }
func (l *listValue) Type() string   { return "list" }

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// newFlagSet is a FlagSet that returns its errors and prints nothing itself.
func newFlagSet(name string) *pflag.FlagSet {
	fs := pflag.NewFlagSet(name, pflag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// optionError is the line prog prints for a parse error: an option's value refused by its own check is that
// check's message alone (as systemd's tools print it), the rest are getopt's, after the program's name.
func optionError(prog string, err error, argv []string) string {
	var refused *pflag.InvalidValueError
	if errors.As(err, &refused) && !errors.Is(err, errNoArgument) {
		return refused.Unwrap().Error()
	}
	return prog + ": " + getoptError(err, argv).Error()
}

// getoptError words a parse error of pflag as glibc's getopt does, which is what systemctl, systemd-analyze and
// systemd-escape print after their name; argv is what was parsed, for the option as it was written. Other
// errors (an option's value refused by its own check) are returned as they are.
func getoptError(err error, argv []string) error {
	var unknown *pflag.NotExistError
	var noValue *pflag.ValueRequiredError
	var syntax *pflag.InvalidSyntaxError
	var invalid *pflag.InvalidValueError
	switch {
	case errors.As(err, &unknown):
		if unknown.GetSpecifiedShortnames() != "" {
			return fmt.Errorf("invalid option -- '%s'", unknown.GetSpecifiedName())
		}
		return fmt.Errorf("unrecognized option '%s'", written(argv, unknown.GetSpecifiedName()))
	case errors.As(err, &noValue):
		if noValue.GetSpecifiedShortnames() != "" {
			return fmt.Errorf("option requires an argument -- '%s'", noValue.GetSpecifiedName())
		}
		return fmt.Errorf("option '--%s' requires an argument", noValue.GetSpecifiedName())
	case errors.As(err, &syntax):
		return fmt.Errorf("unrecognized option '%s'", syntax.GetSpecifiedFlag())
	case errors.As(err, &invalid) && errors.Is(err, errNoArgument):
		return fmt.Errorf("option '--%s' %v", invalid.GetFlag().Name, errNoArgument)
	}
	return err
}

// written is the long option name as argv has it, with its "=value" (pflag's error keeps the name only).
func written(argv []string, name string) string {
	for _, a := range argv {
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "--"+name+"=") {
			return a
		}
		if a == "--"+name {
			break
		}
	}
	return "--" + name
}
