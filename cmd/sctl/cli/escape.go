package cli

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// escapeOptions are systemd-escape's options.
type escapeOptions struct {
	suffix, template       string
	path, instance         bool
	unescape, mangle, help bool
}

const escapeHelp = `sctl escape [OPTIONS...] [NAME...]

Escape strings for usage in unit names.

  -h --help               Show this help
     --suffix=SUFFIX      Unit suffix to append to escaped strings
     --template=TEMPLATE  Insert strings as instance into template
     --instance           With --unescape, show just the instance part
  -u --unescape           Unescape strings
  -m --mangle             Mangle strings
  -p --path               When escaping/unescaping assume the string is a path
`

// parseEscapeArgs reads systemd-escape's command line. A bad --suffix= or --template= is refused where it
// stands, as systemd-escape does, with its message (an *pflag.InvalidValueError wrapping it).
func parseEscapeArgs(argv []string) (o escapeOptions, names []string, err error) {
	fs := newFlagSet("sctl escape")
	fs.Func("suffix", "", func(v string) error {
		if !unitname.KnownType(v) {
			return fmt.Errorf("Invalid unit suffix type \"%s\".", v)
		}
		o.suffix = v
		return nil
	})
	fs.Func("template", "", func(v string) error {
		if !unitname.ValidAs(v, unitname.KindTemplate) || !unitname.KnownType(unitname.Type(v)) {
			return fmt.Errorf("Template name %s is not valid.", v)
		}
		o.template = v
		return nil
	})
	addSwitch(fs, &o.path, "path", "p", "")
	addSwitch(fs, &o.unescape, "unescape", "u", "")
	addSwitch(fs, &o.mangle, "mangle", "m", "")
	addSwitch(fs, &o.instance, "instance", "", "")
	addSwitch(fs, &o.help, "help", "h", "")
	if err := fs.Parse(argv); err != nil {
		return o, nil, err
	}
	return o, fs.Args(), nil
}

// check rejects the combinations systemd-escape rejects, with its messages.
func (o escapeOptions) check(names []string) error {
	switch {
	case len(names) == 0:
		return errors.New("Not enough arguments.")
	case o.template != "" && o.suffix != "":
		return errors.New("--suffix= and --template= may not be combined.")
	case (o.template != "" || o.suffix != "") && o.mangle:
		return errors.New("--suffix= and --template= are not compatible with --mangle.")
	case o.suffix != "" && o.unescape:
		return errors.New("--suffix is not compatible with --unescape.")
	case o.path && o.mangle:
		return errors.New("--path may not be combined with --mangle.")
	case o.instance && !o.unescape:
		return errors.New("--instance must be used in conjunction with --unescape.")
	case o.instance && o.template != "":
		return errors.New("--instance may not be combined with --template.")
	}
	return nil
}

// escapeVerb is `sctl escape`: systemd-escape, with its options, output, messages and exit codes. It needs no
// manager, so Main runs it before dialling one.
func escapeVerb(argv []string, stdout, stderr io.Writer) int {
	o, names, err := parseEscapeArgs(argv)
	switch {
	case err != nil:
		fmt.Fprintln(stderr, optionError("sctl escape", err, argv))
		return exitFailure
	case o.help:
		fmt.Fprint(stdout, escapeHelp)
		return exitOK
	}
	if err := o.check(names); err != nil {
		fmt.Fprintln(stderr, err)
		return exitFailure
	}
	// systemd-escape prints each result as it goes: a failure leaves the ones before it on stdout.
	for i, name := range names {
		out, err := o.one(name, stderr)
		if err != nil {
			fmt.Fprintln(stderr, err)
			return exitFailure
		}
		if i > 0 {
			fmt.Fprint(stdout, " ")
		}
		fmt.Fprint(stdout, out)
	}
	fmt.Fprintln(stdout)
	return exitOK
}

// errText is what systemd's %m says for an error of this package.
func errText(err error) string {
	if errors.Is(err, unitname.ErrInvalid) {
		return "Invalid argument"
	}
	return err.Error()
}

// one escapes, unescapes or mangles one argument; warnings go to stderr.
func (o escapeOptions) one(s string, stderr io.Writer) (string, error) {
	switch {
	case o.mangle:
		m, _, err := unitname.Mangle(s, ".service", false)
		if err != nil {
			return "", fmt.Errorf("Failed to mangle name: %s", errText(err))
		}
		return m, nil
	case o.unescape:
		return o.unescapeOne(s)
	}
	e := unitname.Escape(s)
	if o.path {
		var err error
		if e, err = escapePathOne(s, stderr); err != nil {
			return "", err
		}
	}
	switch {
	case o.template != "":
		n, err := unitname.ReplaceInstance(o.template, e)
		if err != nil {
			return "", fmt.Errorf("Failed to replace instance: %s", errText(err))
		}
		return n, nil
	case o.suffix != "":
		return e + "." + o.suffix, nil
	}
	return e, nil
}

// escapePathOne is --path: a path that cannot be escaped is refused with the reason, one that can but will not
// come back the same is escaped with a warning, as systemd-escape 252 words them.
func escapePathOne(s string, stderr io.Writer) (string, error) {
	valid, abs, normal := unitname.PathValid(s), strings.HasPrefix(s, "/"), unitname.PathNormalized(s)
	e, err := unitname.EscapePath(s)
	if err != nil {
		switch {
		case !valid:
			return "", fmt.Errorf("Input '%s' is not a valid file system path, failed to escape.", s)
		case !abs:
			return "", fmt.Errorf("Input '%s' is not an absolute file system path, failed to escape.", s)
		case !normal:
			return "", fmt.Errorf("Input '%s' is not a normalized file system path, failed to escape.", s)
		}
		return "", fmt.Errorf("Failed to escape string: %s", errText(err))
	}
	switch {
	case !valid:
		fmt.Fprintf(stderr, "Input '%s' is not a valid file system path, escaping is likely not going be reversible.\n", s)
	case !abs:
		fmt.Fprintf(stderr, "Input '%s' is not an absolute file system path, escaping is likely not going to be reversible.\n", s)
	}
	return e, nil
}

func (o escapeOptions) unescapeOne(s string) (string, error) {
	name := s
	if o.template != "" || o.instance {
		if !unitname.Valid(s) || !unitname.KnownType(unitname.Type(s)) {
			return "", errors.New("Failed to extract instance: Invalid argument")
		}
		_, inst, _ := unitname.Split(s)
		if inst == "" {
			return "", fmt.Errorf("Unit %s is missing the instance name.", s)
		}
		if t := unitname.Template(s); o.template != "" && t != o.template {
			return "", fmt.Errorf("Unit %s template %s does not match specified template %s.", s, t, o.template)
		}
		name = inst
	}
	var u string
	var err error
	if o.path {
		u, err = unitname.UnescapePath(name)
	} else {
		u, err = unitname.Unescape(name)
	}
	if err != nil {
		return "", fmt.Errorf("Failed to unescape string: %s", errText(err))
	}
	return u, nil
}
