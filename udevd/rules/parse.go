package rules

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os/user"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/udevd/builtin"
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
			p.drop(n, "Invalid key/value pair, ignoring.")
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

func invalidAttr(key string) error { return fmt.Errorf("Invalid attribute for %s.", key) }
func invalidOp(key string) error   { return fmt.Errorf("Invalid operator for %s.", key) }

// parseToken checks one token against udev(7) and appends it to l; an error drops the whole line, as in udevd.
func (p *parser) parseToken(l *Line, key string, attrp *string, op Op, value, text string) error {
	isMatch := op.isMatch()
	hasAttr := attrp != nil
	attr := ""
	if hasAttr {
		attr = *attrp
	}
	add := func(k kind, op Op, value, attr string, num int) {
		l.addToken(token{kind: k, op: op, value: value, attr: attr, num: num, text: text})
	}
	warnAssume := func(ops string) {
		p.diag(l.Number, LevelWarning, "%s key takes %s operator, assuming '='.", key, ops)
	}
	simpleMatch := func(k kind) error {
		if hasAttr {
			return invalidAttr(key)
		}
		if !isMatch {
			return invalidOp(key)
		}
		add(k, op, value, "", 0)
		return nil
	}
	switch key {
	case "ACTION":
		return simpleMatch(mAction)
	case "DEVPATH":
		return simpleMatch(mDevpath)
	case "KERNEL":
		return simpleMatch(mKernel)
	case "SYMLINK":
		if hasAttr {
			return invalidAttr(key)
		}
		if isMatch {
			add(mDevlink, op, value, "", 0)
		} else {
			p.checkFormat(l, key, value, false)
			add(aDevlink, op, value, "", 0)
		}
	case "NAME":
		if hasAttr {
			return invalidAttr(key)
		}
		if op == OpRemove {
			return invalidOp(key)
		}
		if op == OpAdd {
			warnAssume("'==', '!=', '=', or ':='")
			op = OpAssign
		}
		if isMatch {
			add(mName, op, value, "", 0)
			break
		}
		if value == "%k" {
			return errors.New(`Ignoring NAME="%k", as it will take no effect.`)
		}
		if value == "" {
			return errors.New(`Ignoring NAME="", as udev will not delete any network interfaces.`)
		}
		p.checkFormat(l, key, value, false)
		add(aName, op, value, "", 0)
	case "ENV":
		if attr == "" {
			return invalidAttr(key)
		}
		if op == OpRemove {
			return invalidOp(key)
		}
		if op == OpAssignFinal {
			warnAssume("'==', '!=', '=', or '+='")
			op = OpAssign
		}
		if isMatch {
			add(mEnv, op, value, attr, 0)
		} else {
			switch attr {
			case "ACTION", "DEVLINKS", "DEVNAME", "DEVPATH", "DEVTYPE", "DRIVER", "IFINDEX", "MAJOR", "MINOR",
				"SEQNUM", "SUBSYSTEM", "TAGS":
				return fmt.Errorf("Invalid ENV attribute. '%s' cannot be set.", attr)
			}
			p.checkFormat(l, key, value, false)
			add(aEnv, op, value, attr, 0)
		}
	case "CONST":
		if attr != "arch" && attr != "virt" {
			return invalidAttr(key)
		}
		if !isMatch {
			return invalidOp(key)
		}
		add(mConst, op, value, attr, 0)
	case "TAG":
		if hasAttr {
			return invalidAttr(key)
		}
		if op == OpAssignFinal {
			warnAssume("'==', '!=', '=', or '+='")
			op = OpAssign
		}
		if isMatch {
			add(mTag, op, value, "", 0)
		} else {
			p.checkFormat(l, key, value, true)
			add(aTag, op, value, "", 0)
		}
	case "SUBSYSTEM":
		if hasAttr {
			return invalidAttr(key)
		}
		if !isMatch {
			return invalidOp(key)
		}
		if value == "bus" || value == "class" {
			p.diag(l.Number, LevelWarning, "%q must be specified as \"subsystem\".", value)
		}
		add(mSubsystem, op, value, "", 0)
	case "DRIVER":
		return simpleMatch(mDriver)
	case "ATTR", "SYSCTL":
		if attr == "" {
			return invalidAttr(key)
		}
		p.checkAttrFormat(l, key, attr)
		if op == OpRemove {
			return invalidOp(key)
		}
		if op == OpAdd || op == OpAssignFinal {
			warnAssume("'==', '!=', or '='")
			op = OpAssign
		}
		m, a := mAttr, aAttr
		if key == "SYSCTL" {
			m, a = mSysctl, aSysctl
		}
		if isMatch {
			add(m, op, value, attr, 0)
		} else {
			p.checkFormat(l, key, value, false)
			add(a, op, value, attr, 0)
		}
	case "KERNELS":
		return simpleMatch(mParentsKernel)
	case "SUBSYSTEMS":
		return simpleMatch(mParentsSubsystem)
	case "DRIVERS":
		return simpleMatch(mParentsDriver)
	case "ATTRS":
		if attr == "" {
			return invalidAttr(key)
		}
		p.checkAttrFormat(l, key, attr)
		if !isMatch {
			return invalidOp(key)
		}
		if strings.HasPrefix(attr, "device/") {
			p.diag(l.Number, LevelWarning, "'device' link may not be available in future kernels.")
		}
		if strings.Contains(attr, "../") {
			p.diag(l.Number, LevelWarning, "Direct reference to parent sysfs directory, may break in future kernels.")
		}
		add(mParentsAttr, op, value, attr, 0)
	case "TAGS":
		return simpleMatch(mParentsTag)
	case "TEST":
		mode := -1
		if attr != "" {
			m, err := parseMode(attr)
			if err != nil {
				return fmt.Errorf("Failed to parse mode '%s': %v", attr, err)
			}
			mode = m
		}
		p.checkFormat(l, key, value, true)
		if !isMatch {
			return invalidOp(key)
		}
		add(mTest, op, value, "", mode)
	case "PROGRAM":
		if hasAttr {
			return invalidAttr(key)
		}
		p.checkFormat(l, key, value, true)
		if op == OpRemove {
			return invalidOp(key)
		}
		if !isMatch {
			op = OpMatch
		}
		add(mProgram, op, value, "", 0)
	case "IMPORT":
		if attr == "" {
			return invalidAttr(key)
		}
		p.checkFormat(l, key, value, true)
		if op == OpRemove {
			return invalidOp(key)
		}
		if !isMatch {
			op = OpMatch
		}
		switch attr {
		case "file":
			add(mImportFile, op, value, "", 0)
		case "program":
			if builtin.Known(firstWord(value)) {
				add(mImportBuiltin, op, value, "", 0)
			} else {
				add(mImportProgram, op, value, "", 0)
			}
		case "builtin":
			if !builtin.Known(firstWord(value)) {
				return fmt.Errorf("Unknown builtin command: %s", value)
			}
			add(mImportBuiltin, op, value, "", 0)
		case "db":
			add(mImportDB, op, value, "", 0)
		case "cmdline":
			add(mImportCmdline, op, value, "", 0)
		case "parent":
			add(mImportParent, op, value, "", 0)
		default:
			return invalidAttr(key)
		}
	case "RESULT":
		return simpleMatch(mResult)
	case "OPTIONS":
		if hasAttr {
			return invalidAttr(key)
		}
		if isMatch || op == OpRemove {
			return invalidOp(key)
		}
		if op == OpAdd {
			op = OpAssign
		}
		return p.parseOption(l, op, value, add)
	case "OWNER", "GROUP":
		if hasAttr {
			return invalidAttr(key)
		}
		if isMatch || op == OpRemove {
			return invalidOp(key)
		}
		if op == OpAdd {
			warnAssume("'=' or ':='")
			op = OpAssign
		}
		byID, byName := aOwnerID, aOwner
		if key == "GROUP" {
			byID, byName = aGroupID, aGroup
		}
		if id, err := strconv.ParseUint(value, 10, 32); err == nil && id != 0xffffffff {
			add(byID, op, "", "", int(id))
		} else if !strings.ContainsAny(value, "%$") {
			add(byID, op, "", "", p.resolve(l, key, value))
		} else {
			p.checkFormat(l, key, value, true)
			add(byName, op, value, "", 0)
		}
	case "MODE":
		if hasAttr {
			return invalidAttr(key)
		}
		if isMatch || op == OpRemove {
			return invalidOp(key)
		}
		if op == OpAdd {
			warnAssume("'=' or ':='")
			op = OpAssign
		}
		if m, err := parseMode(value); err == nil {
			add(aModeID, op, "", "", m)
		} else {
			p.checkFormat(l, key, value, true)
			add(aMode, op, value, "", 0)
		}
	case "SECLABEL":
		if attr == "" {
			return invalidAttr(key)
		}
		p.checkFormat(l, key, value, true)
		if isMatch || op == OpRemove {
			return invalidOp(key)
		}
		if op == OpAssignFinal {
			warnAssume("'=' or '+='")
			op = OpAssign
		}
		add(aSeclabel, op, value, attr, 0)
	case "RUN":
		if isMatch || op == OpRemove {
			return invalidOp(key)
		}
		p.checkFormat(l, key, value, true)
		switch {
		case !hasAttr || attr == "program":
			add(aRunProgram, op, value, "", 0)
		case attr == "builtin":
			if !builtin.Known(firstWord(value)) {
				return fmt.Errorf("Unknown builtin command '%s', ignoring.", value)
			}
			add(aRunBuiltin, op, value, "", 0)
		default:
			return invalidAttr(key)
		}
	case "GOTO":
		if hasAttr {
			return invalidAttr(key)
		}
		if op != OpAssign {
			return invalidOp(key)
		}
		if l.typ&lineHasGoto != 0 {
			p.diag(l.Number, LevelWarning, "Contains multiple GOTO keys, ignoring GOTO=\"%s\".", value)
			return nil
		}
		l.gotoLabel = value
		l.typ |= lineHasGoto
	case "LABEL":
		if hasAttr {
			return invalidAttr(key)
		}
		if op != OpAssign {
			return invalidOp(key)
		}
		if l.typ&lineHasLabel != 0 {
			p.diag(l.Number, LevelWarning, "Contains multiple LABEL keys, ignoring LABEL=\"%s\".", l.label)
		}
		l.label = value
		l.typ |= lineHasLabel
	default:
		return fmt.Errorf("Invalid key '%s'.", key)
	}
	return nil
}

func (p *parser) parseOption(l *Line, op Op, value string, add func(kind, Op, string, string, int)) error {
	switch {
	case value == "string_escape=none":
		add(aOptionsStringEscapeNone, op, "", "", 0)
	case value == "string_escape=replace":
		add(aOptionsStringEscapeReplace, op, "", "", 0)
	case value == "db_persist":
		add(aOptionsDBPersist, op, "", "", 0)
	case value == "watch":
		add(aOptionsWatch, op, "", "", 1)
	case value == "nowatch":
		add(aOptionsWatch, op, "", "", 0)
	case strings.HasPrefix(value, "static_node="):
		add(aOptionsStaticNode, op, strings.TrimPrefix(value, "static_node="), "", 0)
	case strings.HasPrefix(value, "link_priority="):
		v := strings.TrimPrefix(value, "link_priority=")
		prio, err := strconv.Atoi(v)
		if err != nil {
			return fmt.Errorf("Failed to parse link priority '%s': %v", v, err)
		}
		add(aOptionsLinkPriority, op, "", "", prio)
	case strings.HasPrefix(value, "log_level="):
		v := strings.TrimPrefix(value, "log_level=")
		lvl := -1
		if v != "reset" {
			var ok bool
			if lvl, ok = logLevel(v); !ok {
				return fmt.Errorf("Failed to parse log level '%s': Invalid argument", v)
			}
		}
		add(aOptionsLogLevel, op, "", "", lvl)
	default:
		p.diag(l.Number, LevelWarning, "Invalid value for OPTIONS key, ignoring: '%s'", value)
	}
	return nil
}

// logLevel parses a syslog level name or number as systemd's log_level_from_string does.
func logLevel(s string) (int, bool) {
	names := []string{"emerg", "alert", "crit", "err", "warning", "notice", "info", "debug"}
	for i, n := range names {
		if s == n {
			return i, true
		}
	}
	if n, err := strconv.Atoi(s); err == nil && n >= 0 && n <= 7 {
		return n, true
	}
	return 0, false
}

// parseMode parses an octal access mode up to 07777.
func parseMode(s string) (int, error) {
	m, err := strconv.ParseUint(s, 8, 32)
	if err != nil || m > 0o7777 {
		return 0, fmt.Errorf("invalid mode %q", s)
	}
	return int(m), nil
}

// resolve looks a user or group name up when the rules load (udevd's resolve_names=early). An unknown name is
// logged and the token keeps no effect (id -1).
func (p *parser) resolve(l *Line, key, name string) int {
	what := "user"
	if key == "GROUP" {
		what = "group"
	}
	id, err := p.opts.lookup(key == "GROUP", name)
	if err != nil {
		p.diag(l.Number, LevelError, "Unknown %s '%s', ignoring", what, name)
		return -1
	}
	return id
}

func (p *parser) checkFormat(l *Line, key, value string, nonEmpty bool) {
	if nonEmpty && value == "" {
		p.diag(l.Number, LevelError, "Invalid value \"%s\" for %s (char %d: %s), ignoring.", value, key, 0, "empty value")
		return
	}
	if off, hint, err := checkFormat(value); err != nil {
		p.diag(l.Number, LevelError, "Invalid value \"%s\" for %s (char %d: %s), ignoring.", value, key, off+1, hint)
	}
}

func (p *parser) checkAttrFormat(l *Line, key, attr string) {
	if off, hint, err := checkFormat(attr); err != nil {
		p.diag(l.Number, LevelError, "Invalid attribute \"%s\" for %s (char %d: %s), ignoring.", attr, key, off+1, hint)
	}
}

func firstWord(s string) string {
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i]
	}
	return s
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
