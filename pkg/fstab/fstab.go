package fstab

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// Entry is one line of fstab.
type Entry struct {
	Line    int    // 1-based, for messages
	What    string // fs_spec, octal escapes decoded ("LABEL=x", "/dev/sda1", "server:/export")
	Where   string // fs_file ("none" for swap)
	Type    string // fs_vfstype; "auto" when the line has no type
	Options string // fs_mntops; "defaults" when the line has none
	Freq    int    // fs_freq, 0 when absent
	Passno  int    // fs_passno, 0 when absent
}

// LineError is a line that could not be read; Parse skips it.
type LineError struct {
	File string
	Line int
	Msg  string
}

func (e *LineError) Error() string { return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg) }

// maxLine bounds one line; a longer one is an error, not an allocation.
const maxLine = 64 << 10

// Parse reads fstab from r (file names it in messages). Blank lines and '#' comments are skipped. A line with
// fewer than two fields, more than six, a freq or passno that is not a number, or an invalid escape is
// returned as a LineError and skipped; the other lines are read on.
func Parse(file string, r io.Reader) ([]Entry, []*LineError) {
	var entries []Entry
	var problems []*LineError
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 4096), maxLine)
	n := 0
	for sc.Scan() {
		n++
		e, err := parseLine(sc.Text())
		if err != "" {
			problems = append(problems, &LineError{file, n, err})
			continue
		}
		if e != nil {
			e.Line = n
			entries = append(entries, *e)
		}
	}
	if err := sc.Err(); err != nil {
		problems = append(problems, &LineError{file, n + 1, err.Error()})
	}
	return entries, problems
}

// parseLine returns nil for a blank or comment line, or the reason the line is malformed.
func parseLine(line string) (*Entry, string) {
	// Fields are separated by blanks and tabs only, as libmount separates them.
	f := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' })
	if len(f) == 0 || strings.HasPrefix(f[0], "#") {
		return nil, ""
	}
	if len(f) < 2 {
		return nil, fmt.Sprintf("malformed line %q: no mount point", line)
	}
	if len(f) > 6 {
		return nil, fmt.Sprintf("malformed line %q: %d fields, at most 6", line, len(f))
	}
	e := &Entry{Type: "auto", Options: "defaults"}
	fields := []*string{&e.What, &e.Where, &e.Type, &e.Options}
	for i := 0; i < len(f) && i < 4; i++ {
		v, ok := unescape(f[i])
		if !ok {
			return nil, fmt.Sprintf("malformed field %q: bad escape", f[i])
		}
		*fields[i] = v
	}
	for i, p := range []*int{&e.Freq, &e.Passno} {
		if len(f) > 4+i {
			v, err := strconv.Atoi(f[4+i])
			if err != nil || v < 0 {
				return nil, fmt.Sprintf("malformed field %q: %s is not a number", f[4+i], []string{"freq", "passno"}[i])
			}
			*p = v
		}
	}
	return e, ""
}

// unescape decodes the octal escapes fstab uses for blanks and backslashes ("\040" is a space).
func unescape(s string) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+3 < len(s) && isOctal(s[i+1]) && isOctal(s[i+2]) && isOctal(s[i+3]) {
			v := (s[i+1]-'0')<<6 | (s[i+2]-'0')<<3 | (s[i+3] - '0')
			if s[i+1] > '3' {
				return "", false
			}
			b.WriteByte(v)
			i += 3
			continue
		}
		b.WriteByte('\\') // a lone backslash stands for itself, as libmount keeps it
	}
	return b.String(), true
}

func isOctal(c byte) bool { return c >= '0' && c <= '7' }
