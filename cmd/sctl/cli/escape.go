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

// parseEscapeArgs reads systemd-escape's command line: options anywhere, "--" ends them, short ones may be glued.
func parseEscapeArgs(argv []string) (o escapeOptions, names []string, err error) {
	withValue := func(i *int, a, long string) (string, bool, error) {
		switch {
		case a == long:
			if *i+1 >= len(argv) {
				return "", true, fmt.Errorf("option '%s' requires an argument", long)
			}
			*i++
			return argv[*i], true, nil
		case strings.HasPrefix(a, long+"="):
			return a[len(long)+1:], true, nil
		}
		return "", false, nil
	}
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		switch {
		case a == "--":
			return o, append(names, argv[i+1:]...), nil
		case !strings.HasPrefix(a, "-") || a == "-":
			names = append(names, a)
			continue
		}
		if v, ok, e := withValue(&i, a, "--suffix"); ok {
			if e != nil {
				return o, nil, e
			}
			if !unitname.KnownType(v) {
				return o, nil, fmt.Errorf("Invalid unit suffix type \"%s\".", v)
			}
			o.suffix = v
			continue
		}
		if v, ok, e := withValue(&i, a, "--template"); ok {
			if e != nil {
				return o, nil, e
			}
			if !unitname.ValidAs(v, unitname.KindTemplate) || !unitname.KnownType(unitname.Type(v)) {
				return o, nil, fmt.Errorf("Template name %s is not valid.", v)
			}
			o.template = v
			continue
		}
		switch a {
		case "--path":
			o.path = true
		case "--unescape":
			o.unescape = true
		case "--mangle":
			o.mangle = true
		case "--instance":
			o.instance = true
		case "--help":
			o.help = true
		default:
			if strings.HasPrefix(a, "--") {
				return o, nil, fmt.Errorf("unrecognized option '%s'", a)
			}
			for _, c := range a[1:] {
				switch c {
				case 'p':
					o.path = true
				case 'u':
					o.unescape = true
				case 'm':
					o.mangle = true
				case 'h':
					o.help = true
				default:
					return o, nil, fmt.Errorf("invalid option -- '%c'", c)
				}
			}
		}
	}
	return o, names, nil
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
	if err == nil && o.help {
		fmt.Fprint(stdout, escapeHelp)
		return exitOK
	}
	if err == nil {
		err = o.check(names)
	}
	if err != nil {
		if strings.HasPrefix(err.Error(), "unrecognized") || strings.HasPrefix(err.Error(), "invalid option") || strings.HasPrefix(err.Error(), "option") {
			fmt.Fprintf(stderr, "sctl escape: %v\n", err)
		} else {
			fmt.Fprintln(stderr, err)
		}
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
