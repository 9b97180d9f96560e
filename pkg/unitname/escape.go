package unitname

import (
	"fmt"
	"path"
	"strconv"
	"strings"
)

// Escape turns any string into something valid inside a unit name (systemd-escape): '/' becomes '-', every byte
// outside [A-Za-z0-9:_.] and a leading '.' become \xNN.
func Escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '/':
			b.WriteByte('-')
		case c == '.' && i == 0, c == '-', c == '\\', !validChar(c):
			fmt.Fprintf(&b, "\\x%02x", c)
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// Unescape reverses Escape: '-' becomes '/', \xNN the byte.
func Unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case '-':
			b.WriteByte('/')
		case '\\':
			if i+4 > len(s) || s[i+1] != 'x' {
				return "", fmt.Errorf("unitname: bad escape in %q", s)
			}
			v, err := strconv.ParseUint(s[i+2:i+4], 16, 8)
			if err != nil {
				return "", fmt.Errorf("unitname: bad escape in %q", s)
			}
			b.WriteByte(byte(v))
			i += 3
		default:
			b.WriteByte(c)
		}
	}
	return b.String(), nil
}

// EscapePath escapes a path (systemd-escape --path): it is cleaned, the slashes around it dropped, "/" itself
// is "-".
func EscapePath(p string) string {
	p = strings.Trim(path.Clean("/"+p), "/")
	if p == "" {
		return "-"
	}
	return Escape(p)
}

// UnescapePath reverses EscapePath and returns an absolute path.
func UnescapePath(s string) (string, error) {
	if s == "-" {
		return "/", nil
	}
	u, err := Unescape(s)
	if err != nil {
		return "", err
	}
	return "/" + u, nil
}
