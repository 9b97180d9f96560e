package cli

import (
	"fmt"
	"path/filepath"
	"strings"
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
	force      bool   // -f: --force for systemctl's verbs, --follow for logs
	follow     bool   // --follow
	wait       bool   // --wait (start, restart: until the units end again)
	lines      string // -n, --lines (logs; status shows 10)
	since      string // --since (logs)
	killWhom   string // --kill-whom (kill)
	signal     string // -s, --signal (kill)
}

// parseArgs splits argv (without the program name) into the verb, its arguments and the options, which may
// stand anywhere, as systemctl allows.
func parseArgs(argv []string) (verb string, args []string, o options, err error) {
	withValue := func(i *int, a, long, short string) (string, bool, error) {
		switch {
		case a == long || (short != "" && a == short):
			if *i+1 >= len(argv) {
				return "", true, fmt.Errorf("option %s requires an argument", a)
			}
			*i++
			return argv[*i], true, nil
		case strings.HasPrefix(a, long+"="):
			return a[len(long)+1:], true, nil
		case short != "" && strings.HasPrefix(a, short) && len(a) > len(short):
			return a[len(short):], true, nil
		}
		return "", false, nil
	}
	var rest []string
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		if a == "--" {
			rest = append(rest, argv[i+1:]...)
			break
		}
		if !strings.HasPrefix(a, "-") || a == "-" {
			rest = append(rest, a)
			continue
		}
		if v, ok, e := withValue(&i, a, "--property", "-p"); ok {
			if e != nil {
				return "", nil, o, e
			}
			o.properties = append(o.properties, splitList(v)...)
			continue
		}
		if v, ok, e := withValue(&i, a, "--type", "-t"); ok {
			if e != nil {
				return "", nil, o, e
			}
			o.types = append(o.types, splitList(v)...)
			continue
		}
		if v, ok, e := withValue(&i, a, "--state", ""); ok {
			if e != nil {
				return "", nil, o, e
			}
			o.states = append(o.states, splitList(v)...)
			continue
		}
		if v, ok, e := withValue(&i, a, "--job-mode", ""); ok {
			if e != nil {
				return "", nil, o, e
			}
			o.jobMode = v
			continue
		}
		if v, ok, e := withValue(&i, a, "--lines", "-n"); ok {
			if e != nil {
				return "", nil, o, e
			}
			o.lines = v
			continue
		}
		if v, ok, e := withValue(&i, a, "--since", "-S"); ok {
			if e != nil {
				return "", nil, o, e
			}
			o.since = v
			continue
		}
		if v, ok, e := withValue(&i, a, "--kill-whom", ""); ok {
			if e != nil {
				return "", nil, o, e
			}
			o.killWhom = v
			continue
		}
		if v, ok, e := withValue(&i, a, "--signal", "-s"); ok {
			if e != nil {
				return "", nil, o, e
			}
			o.signal = v
			continue
		}
		switch a {
		case "-f", "--force":
			o.force = true
		case "--follow":
			o.follow = true
		case "--wait":
			o.wait = true
		case "--value":
			o.value = true
		case "-a", "--all":
			o.all = true
		case "--no-legend":
			o.noLegend = true
		case "--plain":
			o.plain = true
		case "--show-types":
			o.showTypes = true
		case "--no-block":
			o.noBlock = true
		case "-q", "--quiet":
			o.quiet = true
		case "-l", "--full":
			o.full = true
		case "--runtime":
			o.runtime = true
		case "--now":
			o.now = true
		case "--reverse":
			o.reverse = true
		case "--no-pager", "--no-ask-password", "--system":
		default:
			return "", nil, o, fmt.Errorf("unknown option %s", a)
		}
	}
	if len(rest) > 0 {
		verb, args = rest[0], rest[1:]
	}
	return verb, args, o, nil
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// unitTypes are the suffixes sctl recognises when deciding whether a name lacks one.
var unitTypes = []string{"service", "socket", "target", "device", "mount", "automount", "swap", "timer", "path",
	"slice", "scope"}

// unitName adds ".service" to a name without a known suffix, as systemctl does; globs are left alone.
func unitName(s string) string {
	if strings.ContainsAny(s, "*?[") {
		return s
	}
	if ext := filepath.Ext(s); ext != "" {
		for _, t := range unitTypes {
			if ext == "."+t {
				return s
			}
		}
		if len(ext) > 1 && !strings.ContainsAny(ext, "@") && isSuffix(ext[1:]) {
			return s // a third-party unit type
		}
	}
	return s + ".service"
}

// isSuffix: a plausible unit type suffix (lowercase letters and digits).
func isSuffix(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9') {
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
