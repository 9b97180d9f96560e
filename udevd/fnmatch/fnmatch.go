// Package fnmatch is fnmatch(3) with no flags, as udev rules and the hardware database use it.
package fnmatch

import "strings"

// Match matches s against a shell pattern as fnmatch(3) with no flags does: '*' and '?' also match '/', a
// leading '.' is not special, [set] takes ranges, '!' or '^' negation and [:class:], and '\' quotes the next
// character.
func Match(pattern, s string) bool {
	px, sx := 0, 0
	starP, starS := -1, -1
	for sx < len(s) {
		if px < len(pattern) {
			switch c := pattern[px]; c {
			case '*':
				starP, starS = px, sx
				px++
				continue
			case '?':
				px++
				sx++
				continue
			case '[':
				if ok, next, valid := matchBracket(pattern, px, s[sx]); valid {
					if ok {
						px = next
						sx++
						continue
					}
				} else if s[sx] == '[' {
					px++
					sx++
					continue
				}
			case '\\':
				if px+1 < len(pattern) && pattern[px+1] == s[sx] {
					px += 2
					sx++
					continue
				}
			default:
				if c == s[sx] {
					px++
					sx++
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		starS++
		px, sx = starP+1, starS
	}
	for px < len(pattern) && pattern[px] == '*' {
		px++
	}
	return px == len(pattern)
}

var classes = map[string]func(byte) bool{
	"alnum":  func(c byte) bool { return isAlpha(c) || isDigit(c) },
	"alpha":  isAlpha,
	"digit":  isDigit,
	"lower":  func(c byte) bool { return c >= 'a' && c <= 'z' },
	"upper":  func(c byte) bool { return c >= 'A' && c <= 'Z' },
	"space":  isSpace,
	"blank":  func(c byte) bool { return c == ' ' || c == '\t' },
	"punct":  func(c byte) bool { return c > ' ' && c < 0x7f && !isAlpha(c) && !isDigit(c) },
	"xdigit": func(c byte) bool { return isDigit(c) || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F' },
	"print":  func(c byte) bool { return c >= ' ' && c < 0x7f },
	"graph":  func(c byte) bool { return c > ' ' && c < 0x7f },
	"cntrl":  func(c byte) bool { return c < ' ' || c == 0x7f },
}

func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// matchBracket matches c against the bracket expression at pattern[at] ('['). valid is false when the
// expression is not closed, and then '[' is an ordinary character.
func matchBracket(pattern string, at int, c byte) (ok bool, next int, valid bool) {
	i := at + 1
	negate := false
	if i < len(pattern) && (pattern[i] == '!' || pattern[i] == '^') {
		negate = true
		i++
	}
	first := true
	for i < len(pattern) {
		if pattern[i] == ']' && !first {
			return ok != negate, i + 1, true
		}
		first = false
		if pattern[i] == '[' && i+1 < len(pattern) && pattern[i+1] == ':' {
			if end := strings.Index(pattern[i+2:], ":]"); end >= 0 {
				if f, known := classes[pattern[i+2:i+2+end]]; known {
					if f(c) {
						ok = true
					}
					i += end + 4
					continue
				}
			}
		}
		lo := pattern[i]
		if lo == '\\' && i+1 < len(pattern) {
			i++
			lo = pattern[i]
		}
		i++
		hi := lo
		if i+1 < len(pattern) && pattern[i] == '-' && pattern[i+1] != ']' {
			hi = pattern[i+1]
			if hi == '\\' && i+2 < len(pattern) {
				i++
				hi = pattern[i+1]
			}
			i += 2
		}
		if lo <= c && c <= hi {
			ok = true
		}
	}
	return false, 0, false
}

func isSpace(c byte) bool { return c == ' ' || c >= '\t' && c <= '\r' }
