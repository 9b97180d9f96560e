package rules

import (
	"errors"
	"strconv"
	"strings"
	"unicode/utf8"
)

var errValue = errors.New("value must be a double-quoted string")

// ParseValue reads a rule value at the start of s: "…" (where only \" is an escape) or e"…" (C escapes, \x, \u, \U
// and octal). It returns the value and the rest of s after the closing quote. A NUL ends the input, as it does in
// udevd's C string.
func ParseValue(s string) (value, rest string, err error) {
	if i := strings.IndexByte(s, 0); i >= 0 {
		s = s[:i]
	}
	escaped := strings.HasPrefix(s, "e")
	if escaped {
		s = s[1:]
	}
	if !strings.HasPrefix(s, `"`) {
		return "", "", errValue
	}
	if !escaped {
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			switch {
			case s[i] == '"':
				return b.String(), s[i+1:], nil
			case s[i] == '\\' && i+1 < len(s) && s[i+1] == '"':
				b.WriteByte('"')
				i++
			default:
				b.WriteByte(s[i])
			}
		}
		return "", "", errors.New("unterminated quoted string")
	}
	end := -1
	for i := 1; i < len(s); i++ {
		if s[i] == '\\' {
			i++
			if i >= len(s) {
				break
			}
			continue
		}
		if s[i] == '"' {
			end = i
			break
		}
	}
	if end < 0 {
		return "", "", errors.New("unterminated quoted string")
	}
	v, err := cunescape(s[1:end])
	if err != nil {
		return "", "", err
	}
	return v, s[end+1:], nil
}

// cunescape resolves C escapes as systemd's cunescape() does; an unknown escape or a NUL is an error.
func cunescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c != '\\' {
			b.WriteByte(c)
			continue
		}
		i++
		if i >= len(s) {
			return "", errors.New("trailing backslash")
		}
		switch c = s[i]; c {
		case 'a':
			b.WriteByte('\a')
		case 'b':
			b.WriteByte('\b')
		case 'f':
			b.WriteByte('\f')
		case 'n':
			b.WriteByte('\n')
		case 'r':
			b.WriteByte('\r')
		case 't':
			b.WriteByte('\t')
		case 'v':
			b.WriteByte('\v')
		case '\\', '"', '\'':
			b.WriteByte(c)
		case 's':
			b.WriteByte(' ')
		case 'x':
			n, err := hexDigits(s, i+1, 2)
			if err != nil || n == 0 {
				return "", errors.New("invalid \\x escape")
			}
			b.WriteByte(byte(n))
			i += 2
		case 'u', 'U':
			w := 4
			if c == 'U' {
				w = 8
			}
			n, err := hexDigits(s, i+1, w)
			if err != nil || n == 0 || !utf8.ValidRune(rune(n)) {
				return "", errors.New("invalid unicode escape")
			}
			b.WriteRune(rune(n))
			i += w
		case '0', '1', '2', '3', '4', '5', '6', '7':
			if i+3 > len(s) {
				return "", errors.New("invalid octal escape")
			}
			n, err := strconv.ParseUint(s[i:i+3], 8, 16)
			if err != nil || n == 0 || n > 255 {
				return "", errors.New("invalid octal escape")
			}
			b.WriteByte(byte(n))
			i += 2
		default:
			return "", errors.New("invalid escape sequence \\" + string(c))
		}
	}
	return b.String(), nil
}

func hexDigits(s string, at, n int) (uint64, error) {
	if at+n > len(s) {
		return 0, errors.New("short")
	}
	return strconv.ParseUint(s[at:at+n], 16, 32)
}
