package rules

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

// subst is one kind of $name / %c substitution.
type subst int

const (
	substDevnode subst = iota
	substAttr
	substEnv
	substKernel
	substNumber
	substDriver
	substDevpath
	substID
	substMajor
	substMinor
	substResult
	substParent
	substName
	substLinks
	substRoot
	substSys
)

// substNames maps the long ($name) and short (%c) forms; the order matters for the long names' prefix search.
var substNames = []struct {
	name string
	c    byte
	typ  subst
}{
	{"devnode", 'N', substDevnode},
	{"tempnode", 'N', substDevnode},
	{"attr", 's', substAttr},
	{"sysfs", 's', substAttr},
	{"env", 'E', substEnv},
	{"kernel", 'k', substKernel},
	{"number", 'n', substNumber},
	{"driver", 'd', substDriver},
	{"devpath", 'p', substDevpath},
	{"id", 'b', substID},
	{"major", 'M', substMajor},
	{"minor", 'm', substMinor},
	{"result", 'c', substResult},
	{"parent", 'P', substParent},
	{"name", 'D', substName},
	{"links", 'L', substLinks},
	{"root", 'r', substRoot},
	{"sys", 'S', substSys},
}

var errSubst = errors.New("invalid substitution type")

// nextSubst reads a substitution at s[i] ('$' or '%'). It returns n, the bytes consumed; found says whether it
// is a substitution (else s[i+n-1] is a literal: "$$" and "%%" consume two bytes and stand for one). In strict
// mode an unknown name is an error; otherwise the '$' or '%' is literal.
func nextSubst(s string, i int, strict bool) (typ subst, attr string, n int, found bool, err error) {
	c := s[i]
	if c != '$' && c != '%' {
		return 0, "", 1, false, nil
	}
	if i+1 < len(s) && s[i+1] == c {
		return 0, "", 2, false, nil
	}
	p := i + 1
	q := -1
	for _, e := range substNames {
		if c == '$' && strings.HasPrefix(s[p:], e.name) {
			q, typ = p+len(e.name), e.typ
			break
		}
		if c == '%' && p < len(s) && s[p] == e.c {
			q, typ = p+1, e.typ
			break
		}
	}
	if q < 0 {
		if strict {
			return 0, "", 1, false, errSubst
		}
		return 0, "", 1, false, nil
	}
	if q < len(s) && s[q] == '{' {
		end := strings.IndexByte(s[q+1:], '}')
		if end <= 0 {
			return 0, "", 1, false, errSubst
		}
		attr = s[q+1 : q+1+end]
		q += end + 2
	}
	return typ, attr, q - i, true, nil
}

// checkFormat validates substitutions as udevd does when it loads a value; offset and hint describe the error.
func checkFormat(v string) (offset int, hint string, err error) {
	for i := 0; i < len(v); {
		typ, attr, n, found, err := nextSubst(v, i, true)
		if err != nil {
			return i, "invalid substitution type", err
		}
		if found {
			if (typ == substAttr || typ == substEnv) && attr == "" {
				return i, "attribute value missing", errSubst
			}
			if typ == substResult && attr != "" {
				if _, err := strconv.ParseUint(strings.TrimSuffix(attr, "+"), 10, 32); err != nil {
					return i, "attribute value not a valid number", err
				}
			}
		}
		i += n
	}
	return 0, "", nil
}

// format expands the substitutions of src for the event. With replaceWS, whitespace in each substituted value
// (except a PROGRAM result) is trimmed and runs of it become one '_', as for SYMLINK.
func (ev *Event) format(src string, replaceWS bool) string {
	if !strings.ContainsAny(src, "$%") {
		return src
	}
	var b strings.Builder
	for i := 0; i < len(src); {
		typ, attr, n, found, err := nextSubst(src, i, false)
		if err != nil || !found {
			b.WriteByte(src[i+n-1])
			i += n
			continue
		}
		v := ev.substValue(typ, attr)
		if replaceWS && typ != substResult {
			v = replaceWhitespace(v)
		}
		b.WriteString(v)
		i += n
	}
	return b.String()
}

func (ev *Event) substValue(typ subst, attr string) string {
	dev := ev.Dev
	switch typ {
	case substDevnode:
		return dev.Devname
	case substAttr:
		if attr == "" {
			return ""
		}
		v, ok := "", false
		if strings.HasPrefix(attr, "[") {
			if r, err := dev.Sysfs().ResolveSubsysKernel(attr, true); err == nil {
				v, ok = r, true
			}
		}
		if !ok {
			if r, err := dev.Attr(attr); err == nil {
				v, ok = r, true
			}
		}
		if !ok && ev.parent != nil && ev.parent != dev {
			if r, err := ev.parent.Attr(attr); err == nil {
				v, ok = r, true
			}
		}
		if !ok {
			return ""
		}
		return replaceChars(strings.TrimRight(v, " \t\n\r\v\f"), allowedInput)
	case substEnv:
		v, _ := dev.Property(attr)
		return v
	case substKernel:
		return dev.Sysname
	case substNumber:
		return dev.Sysnum
	case substDriver:
		if ev.parent == nil {
			return ""
		}
		return ev.parent.Driver
	case substDevpath:
		return dev.Devpath
	case substID:
		if ev.parent == nil {
			return ""
		}
		return ev.parent.Sysname
	case substMajor, substMinor:
		if !dev.HasDevnum {
			return "0"
		}
		if typ == substMajor {
			return strconv.Itoa(dev.Major)
		}
		return strconv.Itoa(dev.Minor)
	case substResult:
		return resultPart(ev.programResult, attr)
	case substParent:
		if p := dev.Parent(); p != nil && p.Devname != "" {
			return strings.TrimPrefix(p.Devname, "/dev/")
		}
		return ""
	case substName:
		switch {
		case ev.Name != "":
			return ev.Name
		case dev.Devname != "":
			return strings.TrimPrefix(dev.Devname, "/dev/")
		default:
			return dev.Sysname
		}
	case substLinks:
		var ls []string
		for _, l := range dev.Devlinks() {
			ls = append(ls, strings.TrimPrefix(l, "/dev/"))
		}
		return strings.Join(ls, " ")
	case substRoot:
		return "/dev"
	case substSys:
		return "/sys"
	}
	return ""
}

// resultPart is %c{N} (the Nth whitespace-separated word of the PROGRAM result) or %c{N+} (from the Nth word to
// the end); an empty attr is the whole result.
func resultPart(result, attr string) string {
	if attr == "" {
		return result
	}
	plus := strings.HasSuffix(attr, "+")
	n, err := strconv.Atoi(strings.TrimSuffix(attr, "+"))
	if err != nil || n <= 0 {
		return ""
	}
	p := strings.TrimLeft(result, " \t\n\r")
	for j := 1; j < n; j++ {
		k := strings.IndexAny(p, " \t\n\r")
		if k < 0 {
			return ""
		}
		p = strings.TrimLeft(p[k:], " \t\n\r")
		if p == "" {
			return ""
		}
	}
	if !plus {
		if k := strings.IndexAny(p, " \t\n\r"); k >= 0 {
			p = p[:k]
		}
	}
	return p
}

// allowedInput are the characters udevd keeps (besides letters, digits, "#+-.:=@_" and valid UTF-8) in values
// read from sysfs or a program.
const allowedInput = "/ $%?,"

// replaceChars replaces every character that is not a letter, digit, one of "#+-.:=@_", in allow, a "\x" escape or
// part of a valid multibyte UTF-8 sequence with '_' (whitespace becomes ' ' when allow has a space).
func replaceChars(s, allow string) string {
	b := []byte(s)
	for i := 0; i < len(b); {
		c := b[i]
		if isAlpha(c) || isDigit(c) || strings.IndexByte("#+-.:=@_", c) >= 0 || strings.IndexByte(allow, c) >= 0 {
			i++
			continue
		}
		if c == '\\' && i+1 < len(b) && b[i+1] == 'x' {
			i += 2
			continue
		}
		if r, n := utf8.DecodeRune(b[i:]); n > 1 && r != utf8.RuneError {
			i += n
			continue
		}
		if isSpace(c) && strings.IndexByte(allow, ' ') >= 0 {
			b[i] = ' '
		} else {
			b[i] = '_'
		}
		i++
	}
	return string(b)
}

// replaceWhitespace trims whitespace and turns each inner run of it into one '_'.
func replaceWhitespace(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return r < 0x80 && isSpace(byte(r)) }), "_")
}
