package rules

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os/user"
	"slices"
	"strconv"
	"strings"
)

// lineMax is udevd's UDEV_LINE_SIZE: a longer logical line is ignored.
const lineMax = 16384

// parser collects one file's lines and diagnostics.
type parser struct {
	opts  Options
	file  string
	diags []Diag
}

// Options change how rules load. The zero value resolves OWNER and GROUP names with the system's user database.
type Options struct {
	// LookupUser and LookupGroup resolve a name to its id when the rules load (udevd's resolve_names=early).
	LookupUser, LookupGroup func(name string) (int, error)
}

func (o Options) lookup(group bool, name string) (int, error) {
	if group && o.LookupGroup != nil {
		return o.LookupGroup(name)
	}
	if !group && o.LookupUser != nil {
		return o.LookupUser(name)
	}
	var id string
	if group {
		g, err := user.LookupGroup(name)
		if err != nil {
			return -1, err
		}
		id = g.Gid
	} else {
		u, err := user.Lookup(name)
		if err != nil {
			return -1, err
		}
		id = u.Uid
	}
	return strconv.Atoi(id)
}

// drop reports why line n is dropped.
func (p *parser) drop(n int, msg string) {
	p.diags = append(p.diags, Diag{File: p.file, Line: n, Level: LevelError, Msg: msg, Drop: true})
}

func (p *parser) diag(n int, l Level, format string, a ...any) {
	p.diags = append(p.diags, Diag{File: p.file, Line: n, Level: l, Msg: fmt.Sprintf(format, a...)})
}

// ParseFile parses one rules file's contents; name is used in diagnostics.
func ParseFile(name string, r io.Reader) (*File, []Diag, error) { return Options{}.ParseFile(name, r) }

// ParseFile parses one rules file's contents; name is used in diagnostics.
func (o Options) ParseFile(name string, r io.Reader) (*File, []Diag, error) {
	p := &parser{opts: o, file: name}
	f := &File{Name: name}
	br := bufio.NewReader(r)
	var cont *strings.Builder
	ignore := false
	n := 0
	for {
		raw, err := br.ReadString('\n')
		if raw == "" && err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return nil, p.diags, err
		}
		n++
		raw = strings.TrimSuffix(strings.TrimSuffix(raw, "\n"), "\r")
		line := strings.TrimLeft(raw, " \t\n\r")
		if strings.HasPrefix(line, "#") {
			continue
		}
		if len(raw) >= lineMax {
			ignore = true
		}
		if cont != nil && !ignore {
			if cont.Len()+len(line) >= lineMax {
				ignore = true
			}
			cont.WriteString(line)
			if !ignore {
				line = cont.String()
			}
		}
		if strings.HasSuffix(line, `\`) {
			if ignore {
				continue
			}
			if cont == nil {
				cont = &strings.Builder{}
				cont.WriteString(strings.TrimSuffix(line, `\`))
			} else {
				s := strings.TrimSuffix(cont.String(), `\`)
				cont.Reset()
				cont.WriteString(s)
			}
			continue
		}
		if ignore {
			p.drop(n, "Line is too long, ignored.")
		} else if line != "" {
			if l := p.parseLine(line, n); l != nil {
				f.Lines = append(f.Lines, l)
			}
		}
		cont, ignore = nil, false
	}
	if cont != nil {
		p.drop(n, "Unexpected EOF after line continuation, line ignored.")
	}
	p.resolveGotos(f)
	return f, p.diags, nil
}

// ParseLine parses one logical rule line (no continuation). It returns nil and the diagnostics when udevd would
// drop the line.
func ParseLine(file string, number int, text string) (*Line, []Diag) {
	p := &parser{file: file}
	return p.parseLine(text, number), p.diags
}

func (p *parser) parseLine(text string, n int) *Line {
	l := &Line{File: p.file, Number: n, Text: text, gotoLine: -1}
	rest := text
	for {
		key, attr, op, value, r, ok, err := splitToken(rest)
		if err != nil {
			// udevd says only "Invalid key/value pair"; naming where helps to find it in a long line.
			at := strings.TrimLeft(rest, " \t\n\r,")
			if len(at) > 40 {
				at = at[:40] + "…"
			}
			p.drop(n, fmt.Sprintf("Invalid key/value pair at %q, ignoring.", at))
			return nil
		}
		if !ok {
			break
		}
		tokText := strings.TrimLeft(rest[:len(rest)-len(r)], " \t\n\r,")
		rest = r
		if err := p.parseToken(l, key, attr, op, value, tokText); err != nil {
			p.drop(n, err.Error())
			return nil
		}
	}
	if l.typ == 0 {
		p.diags = append(p.diags, Diag{File: p.file, Line: n, Level: LevelWarning, Msg: "The line takes no effect, ignoring.", Drop: true})
		return nil
	}
	sortTokens(l.tokens)
	// Held for as long as the rules are loaded: exactly sized, not with append's spare room.
	l.tokens = slices.Clone(l.tokens)
	return l
}

// splitToken reads KEY[{attr}] OP "value" at the start of s, after whitespace and commas.
func splitToken(s string) (key string, attr *string, op Op, value, rest string, ok bool, err error) {
	s = strings.TrimLeft(s, " \t\n\r,")
	if s == "" {
		return "", nil, 0, "", "", false, nil
	}
	end := 0
	for ; ; end++ {
		if end >= len(s) {
			return "", nil, 0, "", "", false, errValue
		}
		c := s[end]
		if strings.IndexByte(" \t\n\r={", c) >= 0 {
			break
		}
		if strings.IndexByte("+-!:", c) >= 0 && end+1 < len(s) && s[end+1] == '=' {
			break
		}
	}
	key = s[:end]
	t := s[end:]
	if strings.HasPrefix(t, "{") {
		close := strings.IndexByte(t, '}')
		if close < 0 {
			return "", nil, 0, "", "", false, errValue
		}
		a := t[1:close]
		attr = &a
		t = t[close+1:]
	}
	t = strings.TrimLeft(t, " \t\n\r")
	switch {
	case strings.HasPrefix(t, "=="):
		op = OpMatch
	case strings.HasPrefix(t, "!="):
		op = OpNoMatch
	case strings.HasPrefix(t, "+="):
		op = OpAdd
	case strings.HasPrefix(t, "-="):
		op = OpRemove
	case strings.HasPrefix(t, "="):
		op = OpAssign
	case strings.HasPrefix(t, ":="):
		op = OpAssignFinal
	default:
		return "", nil, 0, "", "", false, errValue
	}
	if op == OpAssign {
		t = t[1:]
	} else {
		t = t[2:]
	}
	t = strings.TrimLeft(t, " \t\n\r")
	value, rest, err = ParseValue(t)
	if err != nil {
		return "", nil, 0, "", "", false, err
	}
	return key, attr, op, value, rest, true, nil
}

// addToken classifies a token's value and records what the line can do.
func (l *Line) addToken(t token) {
	if t.kind.isMatch() {
		t.match, t.alts = classifyMatch(t.kind, t.op, t.value)
		if t.kind == mAttr || t.kind == mParentsAttr {
			t.trimSpace = t.value != "" && !isSpace(t.value[len(t.value)-1])
		}
		if t.value == "?*" {
			// KEY=="?*" is KEY!="" (and the reverse), as udevd rewrites it.
			if t.op == OpMatch {
				t.op = OpNoMatch
			} else {
				t.op = OpMatch
			}
		}
	}
	if t.kind == mAttr || t.kind == mParentsAttr || t.kind == mSysctl || t.kind == aAttr || t.kind == aSysctl {
		switch {
		case strings.HasPrefix(t.attr, "["):
			t.attrSubst = substSubsys
		case strings.ContainsAny(t.attr, "%$"):
			t.attrSubst = substFormat
		}
	}
	switch {
	case t.kind == aName:
		l.typ |= lineHasName
	case t.kind == aDevlink || (t.kind >= aOwner && t.kind <= aModeID):
		l.typ |= lineHasDevlink
	case t.kind == aOptionsStaticNode:
		l.typ |= lineHasStaticNode
	case t.kind > mResult || (t.kind >= mProgram && t.kind <= mImportParent):
		l.typ |= lineUpdateSomething
	}
	l.tokens = append(l.tokens, t)
}

func isSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f'
}

// classifyMatch splits a match value into its '|' alternatives and picks how to compare.
func classifyMatch(k kind, op Op, v string) (matchType, []string) {
	var mt matchType
	switch {
	case k == mSubsystem && (v == "subsystem" || v == "bus" || v == "class"):
		return matchSubsystem, nil
	case v == "" || v == "?*":
		return matchEmpty, nil
	case strings.ContainsAny(v, "*?["):
		mt = matchGlob
	default:
		mt = matchPlain
	}
	if k > mResult || (k >= mTest && k < mResult) {
		return mt, []string{v}
	}
	var alts []string
	empty := false
	for _, a := range strings.Split(v, "|") {
		if a == "" {
			empty = true
		} else {
			alts = append(alts, a)
		}
	}
	if empty {
		mt++ // matchPlain → matchPlainWithEmpty, matchGlob → matchGlobWithEmpty
	}
	return mt, alts
}

// sortTokens orders a line's tokens by kind, stable, as udevd does before running them.
func sortTokens(ts []token) {
	for i := 1; i < len(ts); i++ {
		for j := i; j > 0 && ts[j].kind < ts[j-1].kind; j-- {
			ts[j], ts[j-1] = ts[j-1], ts[j]
		}
	}
}

// resolveGotos links each GOTO to the first LABEL of that name after it in the same file.
func (p *parser) resolveGotos(f *File) {
	for i, l := range f.Lines {
		if l.typ&lineHasGoto == 0 {
			continue
		}
		for j := i + 1; j < len(f.Lines); j++ {
			if f.Lines[j].typ&lineHasLabel != 0 && f.Lines[j].label == l.gotoLabel {
				l.gotoLine = j
				break
			}
		}
		if l.gotoLine >= 0 {
			continue
		}
		p.diag(l.Number, LevelError, "GOTO=\"%s\" has no matching label, ignoring", l.gotoLabel)
		l.typ &^= lineHasGoto
		l.gotoLabel = ""
		if l.typ&^lineHasLabel == 0 {
			p.diag(l.Number, LevelWarning, "The line takes no effect any more, dropping")
			// The line stays (its index may be a GOTO target) but does nothing: the type mask skips it.
			l.tokens = nil
			l.typ &= lineHasLabel
		}
	}
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }
