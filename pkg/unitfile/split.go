package unitfile

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// SplitFlags choose the variant of word splitting (systemd's extract_first_word flags).
type SplitFlags uint

const (
	// SplitCUnescape interprets C escapes (\n, \t, \\, \", \xNN, \NNN, \uXXXX, \UXXXXXXXX) inside and outside quotes.
	SplitCUnescape SplitFlags = 1 << iota
	// SplitRelax keeps a backslash before a character that is not an escape instead of failing.
	SplitRelax
	// SplitRetainEscape keeps escapes as they are written (backslash included).
	SplitRetainEscape
)

// ErrUnterminatedQuote is returned for a quote that is never closed.
var ErrUnterminatedQuote = errors.New("unterminated quote")

// SplitWords splits s into words separated by whitespace. A word may contain "double" or 'single' quoted parts,
// which may contain whitespace; the quotes are removed. With SplitCUnescape escapes are interpreted; without it a
// backslash keeps the next character literally.
func SplitWords(s string, flags SplitFlags) ([]string, error) {
	var words []string
	var w strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote == 0 && (c == ' ' || c == '\t' || c == '\n' || c == '\r'):
			if inWord {
				words = append(words, w.String())
				w.Reset()
				inWord = false
			}
		case quote == 0 && (c == '"' || c == '\''):
			quote = c
			inWord = true
		case quote != 0 && c == quote:
			quote = 0
		case c == '\\':
			inWord = true
			if i+1 >= len(s) {
				if flags&SplitRelax != 0 {
					w.WriteByte('\\')
					continue
				}
				return nil, fmt.Errorf("trailing backslash")
			}
			if flags&SplitRetainEscape != 0 {
				w.WriteByte('\\')
				w.WriteByte(s[i+1])
				i++
				continue
			}
			if flags&SplitCUnescape == 0 {
				w.WriteByte(s[i+1])
				i++
				continue
			}
			r, n, err := unescapeAt(s[i:])
			if err != nil {
				if flags&SplitRelax == 0 {
					return nil, err
				}
				w.WriteByte('\\')
				continue
			}
			w.WriteString(r)
			i += n - 1
		default:
			inWord = true
			w.WriteByte(c)
		}
	}
	if quote != 0 {
		return nil, ErrUnterminatedQuote
	}
	if inWord {
		words = append(words, w.String())
	}
	return words, nil
}

// Unescape interprets the C escapes in s.
func Unescape(s string) (string, error) {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		r, n, err := unescapeAt(s[i:])
		if err != nil {
			return "", err
		}
		b.WriteString(r)
		i += n - 1
	}
	return b.String(), nil
}

// unescapeAt decodes the escape at the start of s (s[0] == '\\') and returns it and its length.
func unescapeAt(s string) (string, int, error) {
	if len(s) < 2 {
		return "", 0, errors.New("trailing backslash")
	}
	simple := map[byte]string{'a': "\a", 'b': "\b", 'f': "\f", 'n': "\n", 'r': "\r", 't': "\t", 'v': "\v",
		'\\': "\\", '"': "\"", '\'': "'", 's': " ", ' ': " "}
	if r, ok := simple[s[1]]; ok {
		return r, 2, nil
	}
	switch s[1] {
	case 'x':
		return hexEscape(s, 2, 16, false)
	case 'u':
		return hexEscape(s, 4, 16, true)
	case 'U':
		return hexEscape(s, 8, 16, true)
	case '0', '1', '2', '3', '4', '5', '6', '7':
		if len(s) < 4 {
			return "", 0, fmt.Errorf("bad octal escape %q", s)
		}
		v, err := strconv.ParseUint(s[1:4], 8, 8)
		if err != nil || v == 0 {
			return "", 0, fmt.Errorf("bad octal escape %q", s[:4])
		}
		return string([]byte{byte(v)}), 4, nil
	}
	return "", 0, fmt.Errorf("unknown escape \\%c", s[1])
}

func hexEscape(s string, digits, base int, rune bool) (string, int, error) {
	end := 2 + digits
	if len(s) < end {
		return "", 0, fmt.Errorf("short escape %q", s)
	}
	v, err := strconv.ParseUint(s[2:end], base, 32)
	if err != nil || v == 0 {
		return "", 0, fmt.Errorf("bad escape %q", s[:end])
	}
	if !rune {
		return string([]byte{byte(v)}), end, nil
	}
	if !utf8.ValidRune(rune32(v)) {
		return "", 0, fmt.Errorf("bad unicode escape %q", s[:end])
	}
	return string(rune32(v)), end, nil
}

func rune32(v uint64) rune { return rune(v) }

// ParseBool parses systemd's booleans: 1/yes/y/true/t/on and 0/no/n/false/f/off, in any case.
func ParseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "t", "on":
		return true, nil
	case "0", "no", "n", "false", "f", "off":
		return false, nil
	}
	return false, fmt.Errorf("%q is not a boolean", s)
}
