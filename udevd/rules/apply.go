package rules

import (
	"context"
	"errors"
	"github.com/sysmaster/sysmaster/udevd/fnmatch"
	"os"
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
			if fnmatch.Match(pattern, k) {
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

func (ev *Event) cmdlineValue(key string) (string, bool) {
	line := ev.Cmdline
	if line == "" {
		b, _ := os.ReadFile("/proc/cmdline")
		line = string(b)
	}
	_, err := os.Stat("/etc/initrd-release")
	inInitrd := err == nil
	val, found := "", false
	for _, w := range SplitCommand(line) {
		k, v, hasValue := strings.Cut(w, "=")
		if inInitrd {
			k = strings.TrimPrefix(k, "rd.")
		} else if strings.HasPrefix(k, "rd.") {
			continue
		}
		if !cmdlineKeyEqual(k, key) {
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

// cmdlineKeyEqual compares kernel command-line keys as systemd does: '-' and '_' are the same.
func cmdlineKeyEqual(a, b string) bool {
	norm := func(s string) string { return strings.ReplaceAll(s, "-", "_") }
	return norm(a) == norm(b)
}
