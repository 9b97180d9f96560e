package unitname

import (
	"errors"
	"fmt"
	"strings"
)

// ErrInvalid is the class of every error of this package: the input cannot be (un)escaped or is no valid name.
var ErrInvalid = errors.New("invalid argument")

func invalid(format string, args ...any) error {
	return fmt.Errorf("unitname: "+format+": %w", append(args, ErrInvalid)...)
}

const hexDigits = "0123456789abcdef"

func escapeByte(b *strings.Builder, c byte) {
	b.WriteString(`\x`)
	b.WriteByte(hexDigits[c>>4])
	b.WriteByte(hexDigits[c&15])
}

// Escape turns any string into something valid inside a unit name (systemd-escape): '/' becomes '-', every byte
// outside [A-Za-z0-9:_.] and a leading '.' become \xNN.
func Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '/':
			b.WriteByte('-')
		case c == '.' && i == 0, c == '-', c == '\\', !validChar(c):
			escapeByte(&b, c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Unescape reverses Escape: '-' becomes '/', \xNN the byte.
func Unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '-':
			b.WriteByte('/')
		case '\\':
			if i+3 >= len(s) || s[i+1] != 'x' {
				return "", invalid("bad escape in %q", s)
			}
			hi, ok1 := unhex(s[i+2])
			lo, ok2 := unhex(s[i+3])
			if !ok1 || !ok2 {
				return "", invalid("bad escape in %q", s)
			}
			b.WriteByte(hi<<4 | lo)
			i += 3
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// EscapePath escapes a path (systemd-escape --path): it is simplified (doubled slashes, "." and a ".." right
// under the root dropped), the slashes around it dropped, and "/" itself is "-". A path still holding ".." after
// that, or one the kernel would refuse, is an error.
func EscapePath(p string) (string, error) {
	s := simplify(p)
	if s == "" || s == "/" {
		return "-", nil
	}
	if !PathNormalized(s) {
		return "", invalid("%q is not a normalized path", p)
	}
	return Escape(strings.Trim(s, "/")), nil
}

// UnescapePath reverses EscapePath and returns an absolute path; a name that does not come from a normalized
// path ("foo--bar", "-foo", "foo-..") is an error.
func UnescapePath(s string) (string, error) {
	if s == "-" {
		return "/", nil
	}
	if s == "" {
		return "", invalid("empty path name")
	}
	u, err := Unescape(s)
	if err != nil {
		return "", err
	}
	if strings.HasPrefix(u, "/") || strings.HasSuffix(u, "/") || !PathNormalized("/"+u) {
		return "", invalid("%q is not an escaped normalized path", s)
	}
	return "/" + u, nil
}

// FromPath names the unit of a path ("/home/a", ".mount" → "home-a.mount"); a name longer than MaxLength is
// hashed as systemd hashes it. The suffix is one of systemd's types.
func FromPath(path, suffix string) (string, error) {
	if !knownSuffix(suffix) {
		return "", invalid("%q is not a unit suffix", suffix)
	}
	p, err := EscapePath(path)
	if err != nil {
		return "", err
	}
	name := p + suffix
	if len(name) > MaxLength {
		name = hashLong(name)
	}
	if !systemdValid(name, KindPlain) {
		return "", invalid("%q is not a valid unit name", name)
	}
	return name, nil
}

// FromPathInstance names the instance of a template for a path ("waldo", "/a/b", ".mount" → "waldo@a-b.mount").
func FromPathInstance(prefix, path, suffix string) (string, error) {
	if !ValidPrefix(prefix) || !knownSuffix(suffix) {
		return "", invalid("cannot build a name of %q and %q", prefix, suffix)
	}
	p, err := EscapePath(path)
	if err != nil {
		return "", err
	}
	name := prefix + "@" + p + suffix
	if !systemdValid(name, KindInstance) {
		return "", invalid("%q is not a valid unit name", name)
	}
	return name, nil
}

// ToPath returns the path a unit is named after ("home-a.mount" → "/home/a"); a hashed name has lost it.
func ToPath(name string) (string, error) {
	if IsHashed(name) {
		return "", invalid("%q is hashed, its path is unknown", name)
	}
	p, err := Prefix(name)
	if err != nil {
		return "", err
	}
	return UnescapePath(p)
}

// Mangle makes a unit name of what a user typed, as systemctl does: a valid name (or, with glob, a pattern) is
// kept; "/dev/…" and "/sys/…" become a .device, another absolute path a .mount; anything else has its invalid
// bytes escaped and gets suffix when it has no type of systemd's. changed reports whether name was altered.
func Mangle(name, suffix string, glob bool) (mangled string, changed bool, err error) {
	if name == "" {
		return "", false, invalid("cannot mangle an empty name")
	}
	if !knownSuffix(suffix) {
		return "", false, invalid("%q is not a unit suffix", suffix)
	}
	if systemdValid(name, KindAny) || glob && isGlob(name) && validString(name, "@[]!-*?") {
		return name, false, nil
	}
	if strings.HasPrefix(name, "/") {
		s := simplify(name)
		if isDevicePath(s) {
			if n, err := FromPath(s, ".device"); err == nil {
				return n, true, nil
			}
		}
		if n, err := FromPath(s, ".mount"); err == nil {
			return n, true, nil
		}
	}
	extra := "@"
	if glob {
		extra = "@[]!-*?"
	}
	var b strings.Builder
	for i := 0; i < len(name); i++ {
		switch c := name[i]; {
		case c == '/':
			b.WriteByte('-')
		case !validChar(c) && strings.IndexByte(extra, c) < 0:
			escapeByte(&b, c)
		default:
			b.WriteByte(c)
		}
	}
	s := b.String()
	if (!glob || !isGlob(s)) && !systemdValid(s, KindAny) {
		s += suffix
	}
	if !glob && !systemdValid(s, KindAny) {
		return "", false, invalid("%q cannot be mangled into a unit name", name)
	}
	return s, true, nil
}

func isGlob(s string) bool { return strings.ContainsAny(s, "*?[") }
