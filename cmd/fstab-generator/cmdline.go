package fstabgenerator

import (
	"os"
	"strconv"
	"strings"
)

// cmdline holds what the generator reads from the kernel command line (the main system's parameters; the
// initrd's, root= and rd.*, are not its business: see docs/mount.md).
type cmdline struct {
	fstab  bool     // fstab= (default yes)
	swap   bool     // systemd.swap= (default yes)
	mounts []string // systemd.mount-extra= values
	swaps  []string // systemd.swap-extra= values
}

// readCmdline reads the command line given, or /proc/cmdline when it is "".
func readCmdline(s string) (cmdline, error) {
	if s == "" {
		b, err := os.ReadFile("/proc/cmdline")
		if err != nil {
			return cmdline{fstab: true, swap: true}, err
		}
		s = string(b)
	}
	return parseCmdline(s), nil
}

func parseCmdline(s string) cmdline {
	c := cmdline{fstab: true, swap: true}
	for _, w := range splitCmdline(s) {
		key, value, hasValue := strings.Cut(w, "=")
		// systemd treats '-' and '_' in a parameter's name alike.
		switch strings.ReplaceAll(key, "_", "-") {
		case "fstab":
			c.fstab = !hasValue || parseBool(value, c.fstab)
		case "systemd.swap":
			c.swap = !hasValue || parseBool(value, c.swap)
		case "systemd.mount-extra":
			c.mounts = append(c.mounts, value)
		case "systemd.swap-extra":
			c.swaps = append(c.swaps, value)
		}
	}
	return c
}

// splitCmdline splits at blanks outside double quotes, dropping the quotes, as the kernel does.
func splitCmdline(s string) []string {
	var out []string
	var cur strings.Builder
	quoted, any := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, any = !quoted, true
		case !quoted && (r == ' ' || r == '\t' || r == '\n'):
			if any {
				out = append(out, cur.String())
				cur.Reset()
				any = false
			}
		default:
			cur.WriteRune(r)
			any = true
		}
	}
	if any {
		out = append(out, cur.String())
	}
	return out
}

// parseBool reads systemd's booleans; anything else keeps def.
func parseBool(s string, def bool) bool {
	switch strings.ToLower(s) {
	case "1", "yes", "y", "true", "t", "on":
		return true
	case "0", "no", "n", "false", "f", "off":
		return false
	}
	return def
}

// splitExtra splits a mount-extra or swap-extra value at ':' into at most n fields, with C escapes ("\x3a" for
// a ':') decoded in each. More fields than n is an error.
func splitExtra(s string, n int) ([]string, bool) {
	parts := strings.Split(s, ":")
	if len(parts) > n {
		return nil, false
	}
	for i, p := range parts {
		u, ok := cUnescape(p)
		if !ok {
			return nil, false
		}
		parts[i] = u
	}
	return parts, true
}

// cUnescape decodes \xNN, \NNN (octal) and the one-letter C escapes.
func cUnescape(s string) (string, bool) {
	if !strings.Contains(s, `\`) {
		return s, true
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '\\' {
			b.WriteByte(s[i])
			continue
		}
		if i+1 >= len(s) {
			return "", false
		}
		i++
		switch c := s[i]; c {
		case 'x':
			if i+2 >= len(s) {
				return "", false
			}
			v, err := strconv.ParseUint(s[i+1:i+3], 16, 8)
			if err != nil {
				return "", false
			}
			b.WriteByte(byte(v))
			i += 2
		case '0', '1', '2', '3':
			if i+2 >= len(s) {
				return "", false
			}
			v, err := strconv.ParseUint(s[i:i+3], 8, 8)
			if err != nil {
				return "", false
			}
			b.WriteByte(byte(v))
			i += 2
		default:
			r, ok := map[byte]byte{'a': 7, 'b': 8, 'f': 12, 'n': 10, 'r': 13, 't': 9, 'v': 11, '\\': '\\', '"': '"', '\'': '\'', 's': ' '}[c]
			if !ok {
				return "", false
			}
			b.WriteByte(r)
		}
	}
	return b.String(), true
}
