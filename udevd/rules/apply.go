package rules

import (
	"context"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/udevd/builtin"
	"github.com/sysmaster/sysmaster/udevd/device"
)

// Apply runs the rules on the event. Lines are tried in order; a line whose every match passes has its
// assignments applied and, with GOTO, continues at its LABEL. Only a cancelled ctx makes it fail.
func (rs *Rules) Apply(ctx context.Context, ev *Event) error {
	if ev.builtinRan == nil {
		ev.builtinRan, ev.builtinFailed = map[string]bool{}, map[string]bool{}
	}
	mask := lineHasGoto | lineUpdateSomething
	if ev.Dev.Action != "remove" {
		if ev.Dev.HasDevnum {
			mask |= lineHasDevlink
		}
		if ev.Dev.Ifindex > 0 {
			mask |= lineHasName
		}
	}
	for _, f := range rs.Files {
		for i := 0; i < len(f.Lines); i++ {
			if err := ctx.Err(); err != nil {
				return err
			}
			l := f.Lines[i]
			if l.typ&mask == 0 {
				continue
			}
			if ev.applyLine(ctx, l) && l.gotoLine >= 0 {
				i = l.gotoLine - 1
			}
		}
	}
	return nil
}

// applyLine runs one line's tokens (sorted: matches first); it reports whether all of them passed.
func (ev *Event) applyLine(ctx context.Context, l *Line) bool {
	ev.esc = escapeUnset
	parentsDone := false
	for i := range l.tokens {
		t := &l.tokens[i]
		if t.kind.forParents() {
			if parentsDone {
				continue
			}
			if !ev.applyParents(ctx, l, l.tokens[i:]) {
				return false
			}
			parentsDone = true
			continue
		}
		if !ev.applyToken(ctx, l, t, ev.Dev) {
			return false
		}
	}
	return true
}

// applyParents walks from the device up its parents until one passes every parent key of the line, and remembers
// it (for %b, $driver and $attr).
func (ev *Event) applyParents(ctx context.Context, l *Line, ts []token) bool {
	ev.parent = ev.Dev
	for {
		ok := true
		for i := range ts {
			if !ts[i].kind.forParents() {
				break
			}
			if !ev.applyToken(ctx, l, &ts[i], ev.parent) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
		ev.parent = ev.parent.Parent()
		if ev.parent == nil {
			return false
		}
		ev.loadDB(ev.parent)
	}
}

// loadDB fills a parent device with what the database holds for it (properties, tags), once.
func (ev *Event) loadDB(d *device.Device) {
	if ev.ReadDB == nil || d == ev.Dev {
		return
	}
	if ev.dbLoaded == nil {
		ev.dbLoaded = map[*device.Device]bool{}
	}
	if !ev.dbLoaded[d] {
		ev.dbLoaded[d] = true
		ev.ReadDB(d)
	}
}

func (ev *Event) warnf(l *Line, t *token, format string, a ...any) {
	ev.logf("%s:%d %s: "+format, append([]any{l.File, l.Number, t.text}, a...)...)
}

// matchString compares s with a match token's value (its '|' alternatives, globs); the result honours the op.
func matchString(t *token, s string) bool {
	m := false
	switch t.match {
	case matchEmpty:
		m = s == ""
	case matchSubsystem:
		m = s == "subsystem" || s == "class" || s == "bus"
	case matchPlainWithEmpty, matchPlain:
		m = t.match == matchPlainWithEmpty && s == ""
		for _, a := range t.alts {
			if m {
				break
			}
			m = a == s
		}
	case matchGlobWithEmpty, matchGlob:
		m = t.match == matchGlobWithEmpty && s == ""
		for _, a := range t.alts {
			if m {
				break
			}
			m = fnmatch(a, s)
		}
	}
	return m == (t.op == OpMatch)
}

// matchAny is true for == when some element matches, for != when none does.
func matchAny(t *token, list []string) bool {
	for _, s := range list {
		if matchString(t, s) == (t.op == OpMatch) {
			return t.op == OpMatch
		}
	}
	return t.op == OpNoMatch
}

func (ev *Event) applyToken(ctx context.Context, l *Line, t *token, dev *device.Device) bool {
	switch t.kind {
	case mAction:
		return matchString(t, dev.Action)
	case mDevpath:
		return matchString(t, dev.Devpath)
	case mKernel, mParentsKernel:
		return matchString(t, dev.Sysname)
	case mDevlink:
		var ls []string
		for _, s := range dev.Devlinks() {
			ls = append(ls, strings.TrimPrefix(s, "/dev/"))
		}
		return matchAny(t, ls)
	case mName:
		return matchString(t, ev.Name)
	case mEnv:
		v, _ := dev.Property(t.attr)
		return matchString(t, v)
	case mConst:
		if t.attr == "arch" {
			return matchString(t, architecture())
		}
		return matchString(t, virtualization())
	case mTag, mParentsTag:
		return matchAny(t, dev.CurrentTags())
	case mSubsystem, mParentsSubsystem:
		return matchString(t, dev.Subsystem)
	case mDriver, mParentsDriver:
		return matchString(t, dev.Driver)
	case mAttr, mParentsAttr:
		return ev.matchAttr(t, dev)
	case mSysctl:
		b, _ := os.ReadFile(ev.sysctlPath(ev.format(t.attr, false)))
		return matchString(t, strings.TrimSpace(string(b)))
	case mTest:
		return ev.test(t, dev)
	case mProgram:
		ev.programResult = ""
		cmd := ev.format(t.value, false)
		out, err := ev.spawn(ctx, cmd)
		if err != nil {
			if !errors.Is(err, errProgramFailed) {
				ev.warnf(l, t, "Failed to execute \"%s\": %v", cmd, err)
			}
			return t.op == OpNoMatch
		}
		ev.programResult = replaceChars(strings.TrimRight(out, "\n"), allowedInput)
		return t.op == OpMatch
	case mImportFile:
		name := ev.format(t.value, false)
		b, err := os.ReadFile(name)
		if err != nil {
			if !errors.Is(err, os.ErrNotExist) {
				ev.warnf(l, t, "Failed to open \"%s\": %v", name, err)
			}
			return t.op == OpNoMatch
		}
		ev.importLines(string(b))
		return t.op == OpMatch
	case mImportProgram:
		cmd := ev.format(t.value, false)
		out, err := ev.spawn(ctx, cmd)
		if err != nil {
			if !errors.Is(err, errProgramFailed) {
				ev.warnf(l, t, "Failed to execute \"%s\", ignoring: %v", cmd, err)
			}
			return t.op == OpNoMatch
		}
		ev.importLines(out)
		return t.op == OpMatch
	case mImportBuiltin:
		return ev.runBuiltin(ctx, l, t)
	case mImportDB:
		if ev.DBDev == nil {
			return t.op == OpNoMatch
		}
		v, ok := ev.DBDev.Property(t.value)
		if !ok {
			return t.op == OpNoMatch
		}
		ev.Dev.SetProperty(t.value, v)
		return t.op == OpMatch
	case mImportCmdline:
		v, ok := ev.cmdlineValue(t.value)
		if !ok {
			return t.op == OpNoMatch
		}
		ev.Dev.SetProperty(t.value, v)
		return t.op == OpMatch
	case mImportParent:
		p := ev.Dev.Parent()
		if p == nil {
			return t.op == OpNoMatch
		}
		ev.loadDB(p)
		pattern := ev.format(t.value, false)
		have := false
		for _, k := range p.PropertyKeys() {
			if fnmatch(pattern, k) {
				v, _ := p.Property(k)
				ev.Dev.SetProperty(k, v)
				have = true
			}
		}
		return t.op == OpMatch == have
	case mResult:
		return matchString(t, ev.programResult)
	}
	ev.assign(l, t)
	return true
}

// importLines adds KEY=value lines (a value may be quoted with ' or ") as properties.
func (ev *Event) importLines(out string) {
	for _, line := range strings.Split(out, "\n") {
		k, v, ok := propertyLine(line)
		if ok {
			ev.Dev.SetProperty(k, v)
		}
	}
}

// propertyLine parses one KEY=value line as udevd's IMPORT does; comments and blank lines give false.
func propertyLine(line string) (string, string, bool) {
	line = strings.TrimLeft(line, " \t\r\n")
	if line == "" || line[0] == '#' {
		return "", "", false
	}
	k, v, ok := strings.Cut(line, "=")
	if !ok {
		return "", "", false
	}
	k, v = strings.TrimSpace(k), strings.TrimSpace(v)
	if k == "" || v == "" {
		return "", "", false
	}
	if v[0] == '"' || v[0] == '\'' {
		if len(v) == 1 || v[len(v)-1] != v[0] {
			return "", "", false
		}
		v = v[1 : len(v)-1]
	}
	return k, v, true
}

func (ev *Event) runBuiltin(ctx context.Context, l *Line, t *token) bool {
	cmd := ev.format(t.value, false)
	argv := SplitCommand(cmd)
	if len(argv) == 0 {
		return t.op == OpNoMatch
	}
	b, ok := builtin.Lookup(argv[0])
	if !ok {
		ev.warnf(l, t, "Unknown builtin command: %s", argv[0])
		return t.op == OpNoMatch
	}
	if b.RunOnce {
		if ev.builtinRan[b.Name] {
			return (t.op == OpMatch) != ev.builtinFailed[b.Name]
		}
		ev.builtinRan[b.Name] = true
	}
	if err := b.Run(ctx, ev.Dev, argv, ev.Test); err != nil {
		ev.warnf(l, t, "Failed to run builtin '%s': %v", cmd, err)
		ev.builtinFailed[b.Name] = true
		return t.op == OpNoMatch
	}
	return t.op == OpMatch
}

func (ev *Event) matchAttr(t *token, dev *device.Device) bool {
	var v string
	switch t.attrSubst {
	case substSubsys:
		r, err := dev.Sysfs().ResolveSubsysKernel(t.attr, true)
		if err != nil {
			return false
		}
		v = r
	default:
		name := t.attr
		if t.attrSubst == substFormat {
			name = ev.format(name, false)
		}
		r, err := dev.Attr(name)
		if err != nil {
			return false
		}
		v = r
	}
	if t.trimSpace {
		v = strings.TrimRight(v, " \t\n\r\v\f")
	}
	return matchString(t, v)
}

// test is TEST{mode}=="path": a relative path is below the device (or "[subsystem/sysname]…"); "/*/" in it
// matches any one directory.
func (ev *Event) test(t *token, dev *device.Device) bool {
	p := ev.format(t.value, false)
	if !filepath.IsAbs(p) {
		if r, err := dev.Sysfs().ResolveSubsysKernel(p, false); err == nil {
			p = r
		} else {
			p = dev.Syspath() + "/" + p
		}
	}
	p, ok := substSubdir(p)
	if !ok {
		return t.op == OpNoMatch
	}
	st, err := os.Stat(p)
	if err != nil {
		return t.op == OpNoMatch
	}
	if t.num < 0 {
		return t.op == OpMatch
	}
	return (int(st.Mode().Perm())|modeBits(st.Mode()))&t.num != 0 == (t.op == OpMatch)
}

// modeBits returns the setuid/setgid/sticky bits of m as in a Unix mode.
func modeBits(m os.FileMode) int {
	b := 0
	if m&os.ModeSetuid != 0 {
		b |= 0o4000
	}
	if m&os.ModeSetgid != 0 {
		b |= 0o2000
	}
	if m&os.ModeSticky != 0 {
		b |= 0o1000
	}
	return b
}

// substSubdir replaces the first "/*/" of p with the first directory entry under which the rest exists.
func substSubdir(p string) (string, bool) {
	i := strings.Index(p, "/*/")
	if i < 0 {
		return p, true
	}
	dir, tail := p[:i+1], p[i+2:]
	ents, err := os.ReadDir(dir)
	if err != nil {
		return "", false
	}
	for _, e := range ents {
		if strings.HasPrefix(e.Name(), ".") {
			continue
		}
		c := dir + e.Name() + tail
		if _, err := os.Lstat(c); err == nil {
			return c, true
		}
	}
	return "", false
}

func (ev *Event) sysctlPath(name string) string {
	root := ev.SysctlRoot
	if root == "" {
		root = "/proc/sys"
	}
	name = strings.TrimPrefix(name, "/")
	if i := strings.IndexAny(name, "./"); i >= 0 && name[i] == '.' {
		// "net.ipv4.conf.eth0/1.forwarding": '.' separates, '/' is part of a name.
		name = strings.Map(func(r rune) rune {
			switch r {
			case '.':
				return '/'
			case '/':
				return '.'
			}
			return r
		}, name)
	}
	return filepath.Join(root, name)
}

func (ev *Event) cmdlineValue(key string) (string, bool) {
	line := ev.Cmdline
	if line == "" {
		b, _ := os.ReadFile("/proc/cmdline")
		line = string(b)
	}
	val, found := "", false
	for _, w := range SplitCommand(line) {
		k, v, hasValue := strings.Cut(w, "=")
		if k != key {
			continue
		}
		found = true
		val = "1"
		if hasValue {
			val = v
		}
	}
	return val, found
}

// assign carries out an assignment token.
func (ev *Event) assign(l *Line, t *token) {
	dev := ev.Dev
	switch t.kind {
	case aOptionsStringEscapeNone:
		ev.esc = escapeNone
	case aOptionsStringEscapeReplace:
		ev.esc = escapeReplace
	case aOptionsDBPersist:
		dev.DBPersist = true
	case aOptionsWatch:
		if ev.watchFinal {
			return
		}
		ev.watchFinal = t.op == OpAssignFinal
		ev.Watch = t.num
	case aOptionsLinkPriority:
		dev.LinkPriority = t.num
	case aOptionsLogLevel:
		ev.LogLevel = t.num
	case aOwner, aOwnerID:
		if ev.ownerFinal {
			return
		}
		ev.ownerFinal = t.op == OpAssignFinal
		if t.kind == aOwnerID {
			ev.UID = t.num
			return
		}
		name := ev.format(t.value, false)
		if id, err := strconv.ParseUint(name, 10, 32); err == nil {
			ev.UID = int(id)
		} else if u, err := user.Lookup(name); err == nil {
			ev.UID, _ = strconv.Atoi(u.Uid)
		} else {
			ev.warnf(l, t, "Unknown user \"%s\", ignoring.", name)
		}
	case aGroup, aGroupID:
		if ev.groupFinal {
			return
		}
		ev.groupFinal = t.op == OpAssignFinal
		if t.kind == aGroupID {
			ev.GID = t.num
			return
		}
		name := ev.format(t.value, false)
		if id, err := strconv.ParseUint(name, 10, 32); err == nil {
			ev.GID = int(id)
		} else if g, err := user.LookupGroup(name); err == nil {
			ev.GID, _ = strconv.Atoi(g.Gid)
		} else {
			ev.warnf(l, t, "Unknown group \"%s\", ignoring.", name)
		}
	case aMode, aModeID:
		if ev.modeFinal {
			return
		}
		ev.modeFinal = t.op == OpAssignFinal
		if t.kind == aModeID {
			ev.Mode = t.num
			return
		}
		s := ev.format(t.value, false)
		if m, err := parseMode(s); err == nil {
			ev.Mode = m
		} else {
			ev.warnf(l, t, "Failed to parse mode \"%s\", ignoring.", s)
		}
	case aSeclabel:
		label := ev.format(t.value, false)
		if t.op == OpAssign {
			ev.Seclabels = nil
		}
		ev.Seclabels = append(ev.Seclabels, Seclabel{Module: t.attr, Label: label})
	case aEnv:
		if t.value == "" {
			if t.op != OpAdd {
				dev.SetProperty(t.attr, "")
			}
			return
		}
		v := ev.format(t.value, false)
		if ev.esc == escapeReplace {
			v = replaceChars(v, "")
		}
		if old, ok := dev.Property(t.attr); ok && t.op == OpAdd {
			v = old + " " + v
		}
		dev.SetProperty(t.attr, v)
	case aTag:
		tag := ev.format(t.value, false)
		if t.op == OpRemove {
			dev.RemoveTag(tag)
			return
		}
		if t.op == OpAssign {
			dev.ClearTags()
		}
		if err := dev.AddTag(tag); err != nil {
			ev.warnf(l, t, "Failed to add tag \"%s\", ignoring: %v", tag, err)
		}
	case aName:
		if ev.nameFinal {
			return
		}
		ev.nameFinal = t.op == OpAssignFinal
		if dev.Ifindex <= 0 {
			ev.warnf(l, t, "Only network interfaces can be renamed, ignoring NAME=\"%s\".", t.value)
			return
		}
		name := ev.format(t.value, false)
		if ev.esc != escapeNone {
			name = replaceChars(name, "/")
		}
		ev.Name = name
	case aDevlink:
		if ev.devlinkFinal || !dev.HasDevnum {
			return
		}
		ev.devlinkFinal = t.op == OpAssignFinal
		if t.op == OpAssign || t.op == OpAssignFinal {
			dev.ClearDevlinks()
		}
		s := ev.format(t.value, ev.esc != escapeNone)
		switch ev.esc {
		case escapeUnset:
			s = replaceChars(s, "/ ")
		case escapeReplace:
			s = replaceChars(s, "/")
		}
		for _, p := range strings.Fields(s) {
			if t.op == OpRemove {
				dev.RemoveDevlink(p)
			} else if err := dev.AddDevlink(p); err != nil {
				ev.warnf(l, t, "Failed to add device node symlink \"%s\", ignoring: %v", p, err)
			}
		}
	case aAttr:
		ev.writeAttr(l, t)
	case aSysctl:
		name := ev.format(t.attr, false)
		v := ev.format(t.value, false)
		if !ev.Test {
			if err := os.WriteFile(ev.sysctlPath(name), []byte(v), 0); err != nil {
				ev.warnf(l, t, "Failed to write \"%s\" to sysctl entry \"%s\", ignoring: %v", v, name, err)
			}
		}
	case aRunBuiltin, aRunProgram:
		if ev.runFinal {
			return
		}
		ev.runFinal = t.op == OpAssignFinal
		if t.op == OpAssign || t.op == OpAssignFinal {
			ev.Run = nil
		}
		ev.Run = append(ev.Run, Run{Command: ev.format(t.value, false), Builtin: t.kind == aRunBuiltin})
	case aOptionsStaticNode:
		// Applied when udevd starts (StaticNodes), not per event.
	}
}

// writeAttr is ATTR{file}="value": file is below the device (or "[subsystem/sysname]file") and must stay inside
// sysfs.
func (ev *Event) writeAttr(l *Line, t *token) {
	dev := ev.Dev
	p, err := dev.Sysfs().ResolveSubsysKernel(t.attr, false)
	if err != nil {
		p = dev.Syspath() + "/" + t.attr
	}
	p, ok := substSubdir(p)
	if !ok {
		ev.warnf(l, t, "Could not find file matches \"%s\", ignoring.", t.attr)
		return
	}
	root, _ := filepath.EvalSymlinks(dev.Sysfs().Root)
	if root == "" {
		root = "/sys"
	}
	real, err := filepath.EvalSymlinks(filepath.Dir(p))
	if err != nil || (real != root && !strings.HasPrefix(real, root+"/")) {
		ev.warnf(l, t, "Sysfs attribute \"%s\" is outside of sysfs, ignoring.", p)
		return
	}
	v := ev.format(t.value, false)
	if ev.Test {
		return
	}
	if err := os.WriteFile(p, []byte(v), 0); err != nil {
		ev.warnf(l, t, "Failed to write \"%s\" to sysfs attribute \"%s\", ignoring: %v", v, p, err)
	}
}
