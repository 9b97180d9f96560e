package condition

import (
	"fmt"
	"os"
	"path"
	"strconv"
	"strings"
	"unicode"
)

// splitOp splits "OP VALUE" with systemd's comparison operators (default "=").
func splitOp(param string) (op, value string) {
	p := strings.TrimSpace(param)
	for _, o := range []string{"<=", ">=", "!=", "=", "<", ">"} {
		if strings.HasPrefix(p, o) {
			return o, strings.TrimSpace(p[len(o):])
		}
	}
	return "=", p
}

func compareOK(op string, c int) bool {
	switch op {
	case "<":
		return c < 0
	case "<=":
		return c <= 0
	case ">":
		return c > 0
	case ">=":
		return c >= 0
	case "!=":
		return c != 0
	}
	return c == 0
}

// versionCompare compares version strings segment by segment, numbers numerically (a simplified
// strverscmp_improved: enough for kernel releases like "6.1.0-18-amd64").
func versionCompare(a, b string) int {
	seg := func(s string) []string {
		var out []string
		for len(s) > 0 {
			i := 1
			digit := unicode.IsDigit(rune(s[0]))
			for i < len(s) && unicode.IsDigit(rune(s[i])) == digit {
				i++
			}
			if t := strings.Trim(s[:i], ".-_~+"); t != "" {
				out = append(out, t)
			}
			s = s[i:]
		}
		return out
	}
	as, bs := seg(a), seg(b)
	for i := 0; i < len(as) && i < len(bs); i++ {
		x, ex := strconv.Atoi(as[i])
		y, ey := strconv.Atoi(bs[i])
		switch {
		case ex == nil && ey == nil && x != y:
			if x < y {
				return -1
			}
			return 1
		case (ex != nil || ey != nil) && as[i] != bs[i]:
			return strings.Compare(as[i], bs[i])
		}
	}
	return len(as) - len(bs)
}

// kernelVersion: "OP VERSION" compares with the running kernel's release; without an operator the value is a
// shell pattern.
func kernelVersion(param string) (bool, error) {
	b, err := os.ReadFile("/proc/sys/kernel/osrelease")
	if err != nil {
		return false, err
	}
	release := strings.TrimSpace(string(b))
	for _, part := range strings.Fields(param) {
		op, v := splitOp(part)
		if op == "=" && !strings.HasPrefix(strings.TrimSpace(part), "=") {
			if ok, _ := path.Match(v, release); !ok {
				return false, nil
			}
			continue
		}
		if !compareOK(op, versionCompare(release, v)) {
			return false, nil
		}
	}
	return true, nil
}

// parseSize reads "512M", "2G", "1024" (bytes) as systemd's parse_size with base 1024.
func parseSize(s string) (uint64, error) {
	mult := uint64(1)
	if n := len(s); n > 0 {
		switch unicode.ToUpper(rune(s[n-1])) {
		case 'K':
			mult, s = 1<<10, s[:n-1]
		case 'M':
			mult, s = 1<<20, s[:n-1]
		case 'G':
			mult, s = 1<<30, s[:n-1]
		case 'T':
			mult, s = 1<<40, s[:n-1]
		}
	}
	v, err := strconv.ParseUint(strings.TrimSpace(s), 10, 64)
	if err != nil {
		return 0, fmt.Errorf("bad size %q", s)
	}
	return v * mult, nil
}

// compareNumber checks "OP N" against have.
func compareNumber(param string, have uint64, parse func(string) (uint64, error)) (bool, error) {
	op, v := splitOp(param)
	want, err := parse(v)
	if err != nil {
		return false, err
	}
	c := 0
	if have < want {
		c = -1
	} else if have > want {
		c = 1
	}
	return compareOK(op, c), nil
}
