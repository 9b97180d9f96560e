package seccomp

import (
	"strings"
	"sync"
)

// Expand resolves a system call name or an @set into system call names. ok is false for a set or name systemd
// 252 does not know; a known name that this architecture lacks is returned all the same (Resolve drops it).
func Expand(name string) (names []string, ok bool) {
	if !strings.HasPrefix(name, "@") {
		return []string{name}, Known(name)
	}
	if _, ok := groupSets()[name]; !ok {
		return nil, false
	}
	seen := map[string]bool{}
	var walk func(g string)
	walk = func(g string) {
		for _, m := range groupSets()[g] {
			if strings.HasPrefix(m, "@") {
				walk(m)
				continue
			}
			if !seen[m] {
				seen[m] = true
				names = append(names, m)
			}
		}
	}
	walk(name)
	return names, true
}

// known is built on first use: most processes that link this package (the executor, every one run from the image
// but the core and the service plugin) never ask.
var known = sync.OnceValue(func() map[string]bool {
	k := map[string]bool{}
	for _, g := range groupSets() {
		for _, m := range g {
			if !strings.HasPrefix(m, "@") {
				k[m] = true
			}
		}
	}
	for n := range numbers() {
		k[n] = true
	}
	return k
})

// Known reports whether name is a system call systemd 252 or this architecture knows.
func Known(name string) bool { return known()[name] }

// Number returns the native number of a system call, and false when this architecture has no such call.
func Number(name string) (uint32, bool) {
	n, ok := numbers()[name]
	return n, ok
}
