// Package unitname handles unit names (man systemd.unit): their parts, templates and instances, and systemd's
// escaping of strings and paths into names (systemd-escape).
package unitname

import (
	"fmt"
	"strings"
)

// MaxLength is the longest valid unit name.
const MaxLength = 255

func validChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte(":-_.\\", c) >= 0
}

// Valid reports whether name is a unit name: PREFIX[@[INSTANCE]].TYPE made of [A-Za-z0-9:_.\-] (and \ for
// escapes), at most one '@', no longer than MaxLength.
func Valid(name string) bool {
	if name == "" || len(name) > MaxLength {
		return false
	}
	dot := strings.LastIndexByte(name, '.')
	if dot <= 0 || dot == len(name)-1 {
		return false
	}
	suffix := name[dot+1:]
	for i := 0; i < len(suffix); i++ {
		if !(suffix[i] >= 'a' && suffix[i] <= 'z' || suffix[i] >= '0' && suffix[i] <= '9' || suffix[i] == '-') {
			return false
		}
	}
	stem := name[:dot]
	at := strings.IndexByte(stem, '@')
	if at == 0 || strings.Count(stem, "@") > 1 {
		return false
	}
	for i := 0; i < len(stem); i++ {
		if stem[i] != '@' && !validChar(stem[i]) {
			return false
		}
	}
	return true
}

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
		return "", fmt.Errorf("unitname: %q is not a template", template)
	}
	p, _, s := Split(template)
	n := p + "@" + instance + "." + s
	if !Valid(n) {
		return "", fmt.Errorf("unitname: %q is not a valid unit name", n)
	}
	return n, nil
}
