// Package specifier expands the %-specifiers of unit files (man systemd.unit, "Specifiers").
package specifier

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// Resolver returns the value of %c, or false when c is not a known specifier.
type Resolver func(c byte) (string, bool)

// Expand replaces every %c in s by its value; "%%" is a literal '%', and so is a lone '%' at the end or one
// before a character that is not a letter or digit (as in systemd's specifier_printf, so that
// "Description=100%" and "50% off" load). An unknown letter or digit is an error.
func Expand(s string, r Resolver) (string, error) {
	if strings.IndexByte(s, '%') < 0 {
		return s, nil
	}
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] != '%' {
			b.WriteByte(s[i])
			continue
		}
		i++
		if i == len(s) || s[i] == '%' {
			b.WriteByte('%')
			continue
		}
		v, ok := r(s[i])
		if !ok {
			if !isAlnum(s[i]) {
				b.WriteByte('%')
				b.WriteByte(s[i])
				continue
			}
			return "", fmt.Errorf("specifier: unknown specifier %%%c", s[i])
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}

// Unit holds what the standard specifiers resolve to.
type Unit struct {
	Name                        string // full unit name, e.g. "getty@tty1.service"
	Path                        string // the fragment's path, for %y and %Y; "" when not known
	Hostname, MachineID, BootID string
}

// Resolver resolves %n %N %p %P %i %I %f %j %J from the name; %y %Y from the fragment path; %H %l %m %b from
// u; %q from /etc/machine-info; %o %w %W %B %M %A from os-release; %v and %a from the running kernel; and, as
// systemd does for the system manager, %d (the credentials directory), %t %S %C %L %E %T %V (its directories)
// and %u %U %g %G %h %s (root's user, group, home and shell). Units that systemd ships use them
// (kmod-static-nodes.service has %v). The deprecated %c %r %R (cgroup paths) are not supported.
func (u Unit) Resolver() Resolver {
	prefix, instance, suffix := unitname.Split(u.Name)
	unesc := func(s string) string {
		v, err := unitname.Unescape(s)
		if err != nil {
			return s
		}
		return v
	}
	last := prefix
	if k := strings.LastIndexByte(prefix, '-'); k >= 0 {
		last = prefix[k+1:]
	}
	return func(c byte) (string, bool) {
		switch c {
		case 'n':
			return u.Name, true
		case 'N':
			return strings.TrimSuffix(u.Name, "."+suffix), true
		case 'p':
			return prefix, true
		case 'P':
			return unesc(prefix), true
		case 'i':
			return instance, true
		case 'I':
			return unesc(instance), true
		case 'f':
			if instance != "" {
				p, err := unitname.UnescapePath(instance)
				if err != nil {
					return "/" + instance, true
				}
				return p, true
			}
			p, err := unitname.UnescapePath(prefix)
			if err != nil {
				return "/" + prefix, true
			}
			return p, true
		case 'j':
			return last, true
		case 'J':
			return unesc(last), true
		case 'y':
			return u.Path, u.Path != ""
		case 'Y':
			return filepath.Dir(u.Path), u.Path != ""
		case 'd':
			return "/run/credentials/" + u.Name, true
		case 'q':
			if v := keyValue("/etc/machine-info", "PRETTY_HOSTNAME"); v != "" {
				return v, true
			}
			return u.Hostname, true
		case 'o', 'w', 'W', 'B', 'M', 'A':
			return osRelease(osReleaseKeys[c]), true
		case 'H':
			return u.Hostname, true
		case 'l':
			short, _, _ := strings.Cut(u.Hostname, ".")
			return short, true
		case 'v':
			return kernelRelease(), true
		case 'a':
			return architecture(), true
		case 'm':
			return u.MachineID, true
		case 'b':
			return u.BootID, true
		case 'T':
			return tmpDir("/tmp"), true
		case 'V':
			return tmpDir("/var/tmp"), true
		}
		if v, ok := systemManager[c]; ok {
			return v, true
		}
		return "", false
	}
}

// osReleaseKeys are the os-release fields of %o %w %W %B %M %A.
var osReleaseKeys = map[byte]string{'o': "ID", 'w': "VERSION_ID", 'W': "VARIANT_ID", 'B': "BUILD_ID", 'M': "IMAGE_ID",
	'A': "IMAGE_VERSION"}

// osRelease returns a field of /etc/os-release (or /usr/lib/os-release when that is missing); "" when unset.
func osRelease(key string) string {
	for _, f := range []string{"/etc/os-release", "/usr/lib/os-release"} {
		if _, err := os.Stat(f); err == nil {
			return keyValue(f, key)
		}
	}
	return ""
}

// keyValue reads KEY=value from an os-release style file (shell-like quoting); "" when absent.
func keyValue(file, key string) string {
	b, err := os.ReadFile(file)
	if err != nil {
		return ""
	}
	v := ""
	for _, line := range strings.Split(string(b), "\n") {
		k, val, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || k != key {
			continue
		}
		if n := len(val); n >= 2 && (val[0] == '"' || val[0] == '\'') && val[n-1] == val[0] {
			q := val[0]
			val = val[1 : n-1]
			if q == '"' {
				val = strings.NewReplacer(`\\`, `\`, `\"`, `"`, `\$`, `$`, "\\`", "`").Replace(val)
			}
		}
		v = val
	}
	return v
}

// systemManager holds the specifiers that are fixed for the system manager (man systemd.unit, "Specifiers").
var systemManager = map[byte]string{
	't': "/run", 'S': "/var/lib", 'C': "/var/cache", 'L': "/var/log", 'E': "/etc",
	'u': "root", 'U': "0", 'g': "root", 'G': "0", 'h': "/root", 's': "/bin/sh",
}

// tmpDir is %T (def "/tmp") or %V (def "/var/tmp"): $TMPDIR, $TEMP or $TMP when set to an absolute path.
func tmpDir(def string) string {
	for _, k := range []string{"TMPDIR", "TEMP", "TMP"} {
		if v := os.Getenv(k); strings.HasPrefix(v, "/") {
			return v
		}
	}
	return def
}

func kernelRelease() string {
	var u unix.Utsname
	if err := unix.Uname(&u); err != nil {
		return ""
	}
	return unix.ByteSliceToString(u.Release[:])
}

// architecture names the CPU as systemd does (ConditionArchitecture=, %a).
func architecture() string {
	names := map[string]string{"amd64": "x86-64", "386": "x86", "arm64": "arm64", "arm": "arm", "ppc64le": "ppc64-le",
		"ppc64": "ppc64", "s390x": "s390x", "riscv64": "riscv64", "loong64": "loongarch64", "mips64le": "mips64-le",
		"mips64": "mips64", "mipsle": "mips-le", "mips": "mips"}
	if n, ok := names[runtime.GOARCH]; ok {
		return n
	}
	return runtime.GOARCH
}
