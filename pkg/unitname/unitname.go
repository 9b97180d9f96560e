// Package unitname handles unit names (man systemd.unit): their parts, templates and instances, and systemd's
// escaping of strings and paths into names (systemd-escape), with systemd's unit-name.c as the reference.
//
// sysmaster's unit types are open (a third-party plugin brings its own suffix), so Valid and ValidAs accept any
// suffix made of [a-z0-9-]; KnownType tells systemd's own types, which Mangle and FromPath use as systemd does.
package unitname

import (
	"strings"
)

// MaxLength is the longest valid unit name (systemd's UNIT_NAME_MAX - 1).
const MaxLength = 255

// Kind is a set of the three shapes a unit name has.
type Kind uint8

const (
	KindPlain    Kind = 1 << iota // "foo.service"
	KindInstance                  // "foo@bar.service"
	KindTemplate                  // "foo@.service"
	KindAny      = KindPlain | KindInstance | KindTemplate
)

// nameChars are the bytes allowed in a unit name besides letters and digits.
const nameChars = ":-_.\\"

func validChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(nameChars, c) >= 0
}

func validString(s, extra string) bool {
	for i := 0; i < len(s); i++ {
		if !validChar(s[i]) && strings.IndexByte(extra, s[i]) < 0 {
			return false
		}
	}
	return true
}

// knownTypes are systemd's unit types.
var knownTypes = []string{"service", "mount", "swap", "socket", "target", "device", "automount", "timer", "path", "slice", "scope"}

// KnownType reports whether t (without the dot) is one of systemd's unit types.
func KnownType(t string) bool {
	for _, k := range knownTypes {
		if k == t {
			return true
		}
	}
	return false
}

// validType reports whether t may be a unit type: what a plugin may declare.
func validType(t string) bool {
	if t == "" {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !(t[i] >= 'a' && t[i] <= 'z' || t[i] >= '0' && t[i] <= '9' || t[i] == '-') {
			return false
		}
	}
	return true
}

// Valid reports whether name is a unit name of any kind: PREFIX[@[INSTANCE]].TYPE made of [A-Za-z0-9:_.\-]
// (and '@' in the instance), not starting with '@', no longer than MaxLength.
func Valid(name string) bool { return ValidAs(name, KindAny) }

// ValidAs reports whether name is a unit name of one of the given kinds.
func ValidAs(name string, kinds Kind) bool { return validAs(name, kinds, validType) }

func validAs(name string, kinds Kind, typeOK func(string) bool) bool {
	if name == "" || len(name) > MaxLength {
		return false
	}
	dot := strings.LastIndexByte(name, '.')
	if dot <= 0 || !typeOK(name[dot+1:]) {
		return false
	}
	stem := name[:dot]
	if !validString(stem, "@") {
		return false
	}
	at := strings.IndexByte(stem, '@')
	switch {
	case at == 0:
		return false
	case at < 0:
		return kinds&KindPlain != 0
	case at == len(stem)-1:
		return kinds&KindTemplate != 0
	}
	return kinds&KindInstance != 0
}

// systemdValid is ValidAs with systemd's closed set of types.
func systemdValid(name string, kinds Kind) bool { return validAs(name, kinds, KnownType) }

// ValidPrefix reports whether p may stand before the '@' or the suffix of a name.
func ValidPrefix(p string) bool { return p != "" && validString(p, "") }

// ValidInstance reports whether i may be an instance; unlike a prefix it may contain '@'.
func ValidInstance(i string) bool { return i != "" && validString(i, "@") }

// Split returns the parts of name: "foo@bar.service" → "foo", "bar", "service". A template has an empty instance.
func Split(name string) (prefix, instance, suffix string) {
	stem := name
	if dot := strings.LastIndexByte(name, '.'); dot >= 0 {
		stem, suffix = name[:dot], name[dot+1:]
	}
	if at := strings.IndexByte(stem, '@'); at >= 0 {
		return stem[:at], stem[at+1:], suffix
	}
	return stem, "", suffix
}

// Type is the unit type: the suffix without the dot.
func Type(name string) string {
	_, _, s := Split(name)
	return s
}

// Prefix returns the part of a valid name before its '@' or suffix.
func Prefix(name string) (string, error) {
	if !Valid(name) {
		return "", invalid("%q is not a valid unit name", name)
	}
	p, _, _ := Split(name)
	return p, nil
}

// PrefixEqual reports whether two valid names share their prefix ("a@b.service" and "a.mount" do).
func PrefixEqual(a, b string) bool {
	pa, ea := Prefix(a)
	pb, eb := Prefix(b)
	return ea == nil && eb == nil && pa == pb
}

// IsTemplate reports "foo@.service".
func IsTemplate(name string) bool {
	p, i, _ := Split(name)
	return strings.Contains(name, "@") && i == "" && p != ""
}

// IsInstance reports "foo@bar.service".
func IsInstance(name string) bool {
	_, i, _ := Split(name)
	return i != ""
}

// Template returns the template of an instance ("foo@bar.service" → "foo@.service"); other names unchanged.
func Template(name string) string {
	p, i, s := Split(name)
	if i == "" {
		return name
	}
	return p + "@." + s
}

// Instantiate makes an instance of a template.
func Instantiate(template, instance string) (string, error) {
	if !IsTemplate(template) {
		return "", invalid("%q is not a template", template)
	}
	return ReplaceInstance(template, instance)
}

// ReplaceInstance puts instance into a template or in place of an instance's own
// ("foo@xyz.service", "waldo" → "foo@waldo.service").
func ReplaceInstance(name, instance string) (string, error) {
	if !ValidAs(name, KindInstance|KindTemplate) {
		return "", invalid("%q is neither a template nor an instance", name)
	}
	if !ValidInstance(instance) {
		return "", invalid("%q is not a valid instance", instance)
	}
	p, _, s := Split(name)
	n := p + "@" + instance + "." + s
	if !Valid(n) {
		return "", invalid("%q is not a valid unit name", n)
	}
	return n, nil
}

// Build joins prefix, instance (none when empty) and a suffix with its dot (".service") into a name.
func Build(prefix, instance, suffix string) (string, error) {
	if !ValidPrefix(prefix) || instance != "" && !ValidInstance(instance) || !validSuffix(suffix) {
		return "", invalid("cannot build a name of %q, %q, %q", prefix, instance, suffix)
	}
	if instance == "" {
		return prefix + suffix, nil
	}
	return prefix + "@" + instance + suffix, nil
}

// ChangeSuffix replaces the suffix of a valid name ("foo.mount", ".service" → "foo.service").
func ChangeSuffix(name, suffix string) (string, error) {
	if !Valid(name) || !validSuffix(suffix) {
		return "", invalid("cannot give %q the suffix %q", name, suffix)
	}
	return name[:strings.LastIndexByte(name, '.')] + suffix, nil
}

// validSuffix reports ".TYPE" for any type a plugin may declare.
func validSuffix(s string) bool { return strings.HasPrefix(s, ".") && validType(s[1:]) }

// knownSuffix reports ".TYPE" with a type of systemd's.
func knownSuffix(s string) bool { return strings.HasPrefix(s, ".") && KnownType(s[1:]) }
