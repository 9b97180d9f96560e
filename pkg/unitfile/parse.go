package unitfile

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"strings"
)

// Entry is one Key=Value assignment. Value has its continuation lines joined and surrounding whitespace trimmed;
// quotes and escapes are left for the directive to interpret.
type Entry struct {
	Key, Value string
	File       string
	Line       int
}

// Section is one [Name] and its entries, in order.
type Section struct {
	Name    string
	File    string
	Line    int
	Entries []Entry
}

// File is a parsed unit file.
type File struct {
	Path     string
	Sections []*Section
	// Warnings are the lines systemd's parser logs and skips: a line without '=', an assignment before the
	// first section, a key name with blanks or quotes in it.
	Warnings []*Error
}

// MaxLine is the longest logical line accepted (systemd's LONG_LINE_MAX).
const MaxLine = 1 << 20

// ParseFile reads and parses the file at path. A directory or an unreadable file is an *Error with line 0.
func ParseFile(path string) (*File, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	if st.IsDir() {
		return nil, &Error{File: path, Msg: "is a directory, not a unit file"}
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, &Error{File: path, Msg: err.Error()}
	}
	defer f.Close()
	return Parse(path, f)
}

// Parse parses a unit file read from r; path is used in errors and entries.
func Parse(path string, r io.Reader) (*File, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), MaxLine+1) // grows up to MaxLine when a line needs it
	f := &File{Path: path}
	var cur *Section
	var cont strings.Builder // the logical line being continued
	contLine := 0            // its first physical line
	inCont := false
	n := 0
	for sc.Scan() {
		n++
		line := sc.Bytes()
		if n == 1 {
			line = bytes.TrimPrefix(line, []byte("\xef\xbb\xbf"))
		}
		s := string(line)
		if inCont {
			// Comment lines inside a continuation are skipped, as systemd does.
			if t := strings.TrimLeft(s, " \t"); strings.HasPrefix(t, "#") || strings.HasPrefix(t, ";") {
				continue
			}
			cont.WriteString(s)
		} else {
			cont.Reset()
			cont.WriteString(s)
			contLine = n
		}
		if cont.Len() > MaxLine {
			return nil, &Error{File: path, Line: contLine, Msg: "line too long"}
		}
		logical := strings.TrimRight(cont.String(), " \t\r")
		if oddBackslashes(logical) {
			cont.Reset()
			cont.WriteString(logical[:len(logical)-1] + " ")
			inCont = true
			continue
		}
		inCont = false
		var err error
		cur, err = parseLine(f, cur, logical, path, contLine)
		if err != nil {
			return nil, err
		}
	}
	if err := sc.Err(); err != nil {
		if err == bufio.ErrTooLong {
			return nil, &Error{File: path, Line: n + 1, Msg: "line too long"}
		}
		return nil, &Error{File: path, Msg: err.Error()}
	}
	if inCont {
		if _, err := parseLine(f, cur, strings.TrimRight(cont.String(), " "), path, contLine); err != nil {
			return nil, err
		}
	}
	return f, nil
}

// oddBackslashes reports whether s ends in an odd number of backslashes: a line continuation.
func oddBackslashes(s string) bool {
	k := 0
	for i := len(s) - 1; i >= 0 && s[i] == '\\'; i-- {
		k++
	}
	return k%2 == 1
}

func parseLine(f *File, cur *Section, line, path string, n int) (*Section, error) {
	t := strings.TrimSpace(line)
	switch {
	case t == "", t[0] == '#', t[0] == ';':
		return cur, nil
	case t[0] == '[':
		if len(t) < 3 || t[len(t)-1] != ']' || strings.ContainsAny(t[1:len(t)-1], "[]") {
			return nil, &Error{File: path, Line: n, Msg: fmt.Sprintf("invalid section header %q", t)}
		}
		name := t[1 : len(t)-1]
		for _, s := range f.Sections {
			if s.Name == name {
				return s, nil // a repeated section continues the first
			}
		}
		s := &Section{Name: name, File: path, Line: n}
		f.Sections = append(f.Sections, s)
		return s, nil
	}
	// As systemd's config_parse: these lines are logged and skipped, the rest of the file still counts.
	eq := strings.IndexByte(t, '=')
	if eq < 0 {
		f.Warnings = append(f.Warnings, &Error{File: path, Line: n, Msg: fmt.Sprintf("Missing '=', ignoring line %q.", shorten(t))})
		return cur, nil
	}
	key := strings.TrimSpace(t[:eq])
	if !validKey(key) {
		f.Warnings = append(f.Warnings, &Error{File: path, Line: n, Msg: fmt.Sprintf("Invalid key name %q, ignoring line.", shorten(key))})
		return cur, nil
	}
	if cur == nil {
		f.Warnings = append(f.Warnings, &Error{File: path, Line: n, Key: key, Msg: "Assignment outside of section. Ignoring."})
		return cur, nil
	}
	cur.Entries = append(cur.Entries, Entry{Key: key, Value: strings.TrimSpace(t[eq+1:]), File: path, Line: n})
	return cur, nil
}

func validKey(k string) bool {
	if k == "" {
		return false
	}
	for _, c := range k {
		if c <= ' ' || c == '[' || c == ']' || c == '=' || c == '"' || c == '\'' || c == '\\' || c == 0x7f {
			return false
		}
	}
	return true
}

func shorten(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}
