package cli

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/spf13/pflag"
	"github.com/sysmaster/sysmaster/pkg/calendar"
	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/timestamp"
)

// analyzeArgs returns the arguments after "analyze" (options before it included) when argv, without the
// program name, is an analyze command: those verbs run in sctl alone, with systemd-analyze's options.
func analyzeArgs(argv []string) ([]string, bool) {
	for i, a := range argv {
		if a == "--" {
			return nil, false
		}
		if !strings.HasPrefix(a, "-") {
			if a != "analyze" {
				return nil, false
			}
			return append(append([]string{}, argv[:i]...), argv[i+1:]...), true
		}
	}
	return nil, false
}

// analyzer runs `sctl analyze`: calendar, timespan and timestamp, with systemd-analyze's output and exit codes.
type analyzer struct {
	stdout, stderr io.Writer
	now            func() time.Time
	local          *time.Location
	iterations     int
	baseTime       uint64 // µs since the epoch; 0 for now
	// dot's options: --order, --require, --from-pattern=, --to-pattern=.
	dotOrder, dotRequire     bool
	fromPatterns, toPatterns []string
}

func analyze(argv []string, stdout, stderr io.Writer) int {
	a := &analyzer{stdout: stdout, stderr: stderr, now: time.Now, local: time.Local, iterations: 1}
	return a.run(argv)
}

func (a *analyzer) errorf(format string, args ...any) { fmt.Fprintf(a.stderr, format+"\n", args...) }

func (a *analyzer) run(argv []string) int {
	rest, help, err := a.parse(argv)
	switch {
	case err != nil:
		a.errorf("%s", optionError("sctl analyze", err, argv))
		return exitFailure
	case help:
		fmt.Fprint(a.stdout, analyzeHelp)
		return exitOK
	}
	if len(rest) == 0 {
		a.errorf("sctl analyze: a verb is needed: time, blame, critical-chain, unit-paths, calendar, timespan, timestamp or security.")
		return exitFailure
	}
	switch rest[0] {
	case "security": // security.go: asks the manager
		return a.security(rest[1:])
	case "verify": // analyze_verify.go: offline
		return a.verifyFiles(rest[1:])
	case "cat-config":
		return a.catConfig(rest[1:])
	}
	if code, ok := a.bootVerb(rest[0], rest[1:]); ok { // analyze_boot.go: asks the manager
		return code
	}
	verbs := map[string]func(string) error{"calendar": a.calendar, "timespan": a.timespan, "timestamp": a.timestamp}
	verb, ok := verbs[rest[0]]
	if !ok {
		a.errorf("Unknown command verb '%s'.", rest[0])
		return exitFailure
	}
	if len(rest) < 2 {
		a.errorf("Too few arguments.")
		return exitFailure
	}
	if a.baseTime == 0 {
		a.baseTime = uint64(a.now().UnixMicro()) // one base for all expressions, as systemd-analyze
	}
	code := exitOK
	for i, expr := range rest[1:] {
		if err := verb(expr); err != nil {
			code = exitFailure
			if rest[0] == "timespan" {
				return code // systemd-analyze timespan stops at the first bad span
			}
		}
		if i < len(rest)-2 {
			fmt.Fprintln(a.stdout)
		}
	}
	return code
}

const analyzeHelp = `sctl analyze [OPTIONS...] COMMAND ...

Check time expressions and rate the sandbox of services, as systemd-analyze does.

Commands:
  time                      Print time required to boot the machine
  blame                     Print list of running units ordered by time to init
  critical-chain [UNIT...]  Print a tree of the time critical chain of units
  unit-paths                List load directories for units
  plot                      Output SVG graphic showing service initialization
  dot [UNIT...]             Output dependency graph in dot(1) format
  verify FILE...            Check unit files for correctness
  cat-config NAME|PATH...   Show configuration file and drop-ins
  calendar SPEC...          Validate repetitive calendar time events
  timestamp TIMESTAMP...    Validate a timestamp
  timespan SPAN...          Validate a time span
  security [UNIT...]        Analyze security of unit

Options:
  -h --help                 Show this help
     --iterations=N         Show the specified number of iterations
     --base-time=TIMESTAMP  Calculate calendar times relative to specified time
     --order                Show only order in the graph
     --require              Show only requirement in the graph
     --from-pattern=GLOB    Show only origins in the graph
     --to-pattern=GLOB      Show only destinations in the graph
`

// parse reads systemd-analyze's options into a and returns the verb and its arguments, or help. Options may
// stand anywhere, but once an argument is read, one that looks like a negative number or time ("-1h") is an
// argument too: pflag, not interspersed, parses up to each argument or such word, and parse takes it before
// going on.
func (a *analyzer) parse(argv []string) (rest []string, help bool, err error) {
	fs := newFlagSet("sctl analyze")
	fs.SetInterspersed(false)
	fs.Func("iterations", "", func(v string) error {
		n, err := strconv.ParseUint(strings.TrimLeft(v, " \t\n"), 10, 31)
		if err != nil {
			return fmt.Errorf("Failed to parse iterations: %s", v)
		}
		a.iterations = int(n)
		return nil
	})
	fs.Func("base-time", "", func(v string) error {
		u, err := timestamp.ParseAt(v, a.now(), a.local)
		if err != nil {
			return fmt.Errorf("Failed to parse --base-time= parameter: %s", v)
		}
		a.baseTime = u
		return nil
	})
	addSwitch(fs, &a.dotOrder, "order", "", "")
	addSwitch(fs, &a.dotRequire, "require", "", "")
	fs.Func("from-pattern", "", func(v string) error { a.fromPatterns = append(a.fromPatterns, v); return nil })
	fs.Func("to-pattern", "", func(v string) error { a.toPatterns = append(a.toPatterns, v); return nil })
	var ignored bool
	addSwitch(fs, &ignored, "no-pager", "", "")
	addSwitch(fs, &ignored, "system", "", "")
	addSwitch(fs, &help, "help", "h", "")
	for len(argv) > 0 && !help {
		end := len(argv)
		if len(rest) > 0 {
			end = negativeAt(fs, argv)
		}
		if err := fs.Parse(argv[:end]); err != nil {
			return nil, false, err
		}
		parsed := fs.Args()
		switch {
		case fs.ArgsLenAtDash() >= 0: // "--": the rest are arguments
			return append(rest, parsed...), help, nil
		case len(parsed) > 0: // stopped at an argument
			rest = append(rest, parsed[0])
			argv = append(slices.Clone(parsed[1:]), argv[end:]...)
		case end < len(argv): // options, then a negative argument
			rest = append(rest, argv[end])
			argv = argv[end+1:]
		default:
			argv = nil
		}
	}
	return rest, help, nil
}

// negativeAt is the index of the first word of argv that looks negative and is not an option's value (or "--"
// or the end).
func negativeAt(fs *pflag.FlagSet, argv []string) int {
	for i, s := range argv {
		if s == "--" {
			break
		}
		if isNegativeArg(s) && !(i > 0 && takesValue(fs, argv[i-1])) {
			return i
		}
	}
	return len(argv)
}

// takesValue: s is a long option whose value is the next word.
func takesValue(fs *pflag.FlagSet, s string) bool {
	name, ok := strings.CutPrefix(s, "--")
	if !ok || strings.Contains(name, "=") {
		return false
	}
	f := fs.Lookup(name)
	return f != nil && f.NoOptDefVal == ""
}

// isNegativeArg: "-1h" is a timestamp, not an option, once the verb is known.
func isNegativeArg(s string) bool { return len(s) > 1 && (s[1] >= '0' && s[1] <= '9' || s[1] == '.') }

// errnoText is how systemd prints an error class (strerror).
func errnoText(err error) string {
	if errors.Is(err, calendar.ErrRange) || errors.Is(err, timespan.ErrRange) || errors.Is(err, timestamp.ErrRange) {
		return "Numerical result out of range"
	}
	return "Invalid argument"
}

// hint says when an expression the verb refused is valid for another verb, as systemd-analyze does.
func (a *analyzer) hint(p string, cal, ts, span bool) {
	if cal {
		if _, err := calendar.ParseInLocation(p, a.local); err == nil {
			a.errorf("Hint: this expression is a valid calendar specification. Use 'systemd-analyze calendar \"%s\"' instead?", p)
		}
	}
	if ts {
		if _, err := timestamp.ParseAt(p, a.now(), a.local); err == nil {
			a.errorf("Hint: this expression is a valid timestamp. Use 'systemd-analyze timestamp \"%s\"' instead?", p)
		}
	}
	if span {
		if _, err := timespan.ParseUSec(p); err == nil {
			a.errorf("Hint: this expression is a valid timespan. Use 'systemd-analyze timespan \"%s\"' instead?", p)
		}
	}
}

func (a *analyzer) calendar(p string) error {
	spec, err := calendar.ParseInLocation(p, a.local)
	if err != nil {
		a.errorf("Failed to parse calendar specification '%s': %s", p, errnoText(err))
		a.hint(p, false, true, true)
		return err
	}
	var t analyzeTable
	norm := spec.String()
	if norm != p {
		t.add("Original form:", p)
	}
	t.add("Normalized form:", norm)
	n := int64(a.baseTime)
	for i := range a.iterations {
		next, err := spec.NextUsec(n)
		if errors.Is(err, calendar.ErrNoElapse) {
			if i == 0 {
				t.add("Next elapse:", "never")
			}
			break
		}
		if err != nil {
			a.errorf("Failed to determine next elapse for '%s': Resource deadlock avoided", p)
			return err
		}
		label := "Next elapse:"
		if i > 0 {
			label = fmt.Sprintf("Iter. #%d:", i+1)
		}
		t.add(label, a.format(uint64(next), timestamp.Pretty))
		if !a.inUTC() {
			t.add("(in UTC):", a.format(uint64(next), timestamp.UTC))
		}
		t.add("From now:", a.relative(uint64(next)))
		n = next
	}
	t.print(a.stdout)
	return nil
}

func (a *analyzer) timespan(p string) error {
	u, err := timespan.ParseUSec(p)
	if err != nil {
		a.errorf("Failed to parse time span '%s': %s", p, errnoText(err))
		a.hint(p, true, true, false)
		return err
	}
	var t analyzeTable
	t.add("Original:", p)
	mu := "μ"
	if !utf8Locale() {
		mu = "u"
	}
	t.add(mu+"s:", strconv.FormatUint(u, 10))
	t.add("Human:", timespan.FormatUSec(u, 0))
	t.print(a.stdout)
	return nil
}

func (a *analyzer) timestamp(p string) error {
	u, err := timestamp.ParseAt(p, a.now(), a.local)
	if err != nil {
		a.errorf("Failed to parse \"%s\": %s", p, errnoText(err))
		a.hint(p, true, false, true)
		return err
	}
	var t analyzeTable
	t.add("Original form:", p)
	t.add("Normalized form:", a.format(u, timestamp.Pretty))
	if !a.inUTC() {
		t.add("(in UTC):", a.format(u, timestamp.UTC))
	}
	if u%1000000 == 0 {
		t.add("UNIX seconds:", fmt.Sprintf("@%d", u/1000000))
	} else {
		t.add("UNIX seconds:", fmt.Sprintf("@%d.%06d", u/1000000, u%1000000))
	}
	t.add("From now:", a.relative(u))
	t.print(a.stdout)
	return nil
}

// format writes a timestamp as systemd's tables do: "-" when unset.
func (a *analyzer) format(u uint64, style timestamp.Style) string {
	if s, ok := timestamp.Format(u, style, a.local); ok {
		return s
	}
	return "-"
}

func (a *analyzer) relative(u uint64) string {
	if s, ok := timestamp.FormatRelative(u, uint64(a.now().UnixMicro())); ok {
		return s
	}
	return "-"
}

// utf8Locale says whether systemd would write non-ASCII glyphs ("μs"): the locale's first setting of LC_ALL,
// LC_CTYPE and LANG decides; none at all counts as UTF-8, an explicit "C" or "POSIX" does not.
func utf8Locale() bool {
	for _, k := range []string{"LC_ALL", "LC_CTYPE", "LANG"} {
		if v := os.Getenv(k); v != "" {
			return v != "C" && v != "POSIX"
		}
	}
	return true
}

// inUTC: the local zone is UTC all year (glibc's timezone == 0 && daylight == 0), so no "(in UTC)" line.
func (a *analyzer) inUTC() bool {
	y := a.now().Year()
	for _, m := range []time.Month{time.January, time.July} {
		t := time.Date(y, m, 1, 0, 0, 0, 0, a.local)
		if _, off := t.Zone(); off != 0 || t.IsDST() {
			return false
		}
	}
	return true
}

// analyzeTable is systemd-analyze's two-column analyzeTable without a header: labels right-aligned to the widest.
type analyzeTable [][2]string

func (t *analyzeTable) add(label, value string) { *t = append(*t, [2]string{label, value}) }

func (t analyzeTable) print(w io.Writer) {
	width := 0
	for _, r := range t {
		width = max(width, utf8.RuneCountInString(r[0]))
	}
	for _, r := range t {
		// The last column loses its trailing white space, as in systemd's tables.
		fmt.Fprintf(w, "%s%s %s\n", strings.Repeat(" ", width-utf8.RuneCountInString(r[0])), r[0],
			strings.TrimRight(r[1], " \t\n\r"))
	}
}
