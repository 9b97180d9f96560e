// Package specifier expands the %-specifiers of unit files (man systemd.unit, "Specifiers").
package specifier

import (
	"fmt"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// Resolver returns the value of %c, or false when c is not a known specifier.
type Resolver func(c byte) (string, bool)

// Expand replaces every %c in s by its value; "%%" is a literal '%'. An unknown specifier or a lone '%' at the
// end is an error.
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
		if i+1 >= len(s) {
			return "", fmt.Errorf("specifier: lone %% at the end of %q", s)
		}
		i++
		if s[i] == '%' {
			b.WriteByte('%')
			continue
		}
		v, ok := r(s[i])
		if !ok {
			return "", fmt.Errorf("specifier: unknown specifier %%%c", s[i])
		}
		b.WriteString(v)
	}
	return b.String(), nil
}

// Unit holds what the standard specifiers resolve to.
type Unit struct {
	Name                        string // full unit name, e.g. "getty@tty1.service"
	Hostname, MachineID, BootID string
}

// Resolver resolves %n %N %p %i %I %f %j %J %H %m %b.
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
		case 'H':
			return u.Hostname, true
		case 'm':
			return u.MachineID, true
		case 'b':
			return u.BootID, true
		}
		return "", false
	}
}
