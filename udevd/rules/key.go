package rules

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/udevd/builtin"
)

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

// parseOption reads one OPTIONS value; an unknown one is a warning and only that token is ignored.
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

// checkFormat reports bad substitutions in a value; udevd keeps the token all the same.
func (p *parser) checkFormat(l *Line, key, value string, nonEmpty bool) {
	if nonEmpty && value == "" {
		p.diag(l.Number, LevelError, "Invalid value \"%s\" for %s (char %d: %s), ignoring.", value, key, 0, "empty value")
		return
	}
	if off, hint, err := checkFormat(value); err != nil {
		p.diag(l.Number, LevelError, "Invalid value \"%s\" for %s (char %d: %s), ignoring.", value, key, off+1, hint)
	}
}

// checkAttrFormat reports bad substitutions in an attribute name; the token is kept.
func (p *parser) checkAttrFormat(l *Line, key, attr string) {
	if off, hint, err := checkFormat(attr); err != nil {
		p.diag(l.Number, LevelError, "Invalid attribute \"%s\" for %s (char %d: %s), ignoring.", attr, key, off+1, hint)
	}
}

// firstWord is a command's program or builtin name.
func firstWord(s string) string {
	if i := strings.IndexAny(s, " \t"); i >= 0 {
		return s[:i]
	}
	return s
}
