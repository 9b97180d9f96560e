package bootspec

import "strings"

// CompareVersions orders version strings as systemd's strverscmp_improved (the UAPI version format
// comparison): <0 when a is older than b, 0 when equal, >0 when newer. The strings are split into numeric and
// alphabetic segments; "~" makes a segment older than anything (pre-releases: 123~rc1 < 123), "-" separates
// version and release, "^" marks a patched release, "." a point release; any other character is a separator.
// Numbers compare as numbers (leading zeros dropped), a longer string of segments is newer. 122.1 < 123~rc1-1 <
// 123 < 123-a < 123-a.1 < 123-1 < 123-1.1 < 123^post1 < 123.a-1 < 123.1-1 < 123a-1 < 124-1.
func CompareVersions(a, b string) int {
	for {
		a = strings.TrimLeftFunc(a, func(r rune) bool { return !validVersionChar(r) })
		b = strings.TrimLeftFunc(b, func(r rune) bool { return !validVersionChar(r) })
		if first(a) == '~' || first(b) == '~' {
			if r := cmpBool(first(a) != '~', first(b) != '~'); r != 0 {
				return r
			}
			a, b = a[1:], b[1:]
		}
		if a == "" || b == "" {
			return strings.Compare(a, b)
		}
		for _, sep := range []byte{'-', '^', '.'} {
			if first(a) == sep || first(b) == sep {
				if r := cmpBool(first(a) != sep, first(b) != sep); r != 0 {
					return r
				}
				a, b = a[1:], b[1:]
			}
		}
		var sa, sb string
		if isDigit(first(a)) || isDigit(first(b)) {
			sa, sb = leading(a, isDigit), leading(b, isDigit)
			if r := cmpBool(sa != "", sb != ""); r != 0 {
				return r // a number is newer than letters or nothing
			}
			na, nb := strings.TrimLeft(sa, "0"), strings.TrimLeft(sb, "0")
			if r := cmpInt(len(na), len(nb)); r != 0 {
				return r
			}
			if r := strings.Compare(na, nb); r != 0 {
				return r
			}
		} else {
			sa, sb = leading(a, isAlpha), leading(b, isAlpha)
			n := min(len(sa), len(sb))
			if r := strings.Compare(sa[:n], sb[:n]); r != 0 {
				return r
			}
			if r := cmpInt(len(sa), len(sb)); r != 0 {
				return r
			}
		}
		a, b = a[len(sa):], b[len(sb):]
	}
}

func validVersionChar(r rune) bool {
	return r < 0x80 && (isDigit(byte(r)) || isAlpha(byte(r)) || strings.ContainsRune("~-^.", r))
}

func first(s string) byte {
	if s == "" {
		return 0
	}
	return s[0]
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }
func isAlpha(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }

func leading(s string, class func(byte) bool) string {
	i := 0
	for i < len(s) && class(s[i]) {
		i++
	}
	return s[:i]
}

func cmpBool(a, b bool) int {
	switch {
	case a == b:
		return 0
	case a:
		return 1
	}
	return -1
}

func cmpInt(a, b int) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
