package rules

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
)

// sysctlPath maps a sysctl name to its file under /proc/sys.
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
