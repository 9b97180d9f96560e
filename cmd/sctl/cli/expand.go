package cli

import (
	"strings"

	controlv1 "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/control/v1"
)

// isGlob reports whether a unit argument is a shell pattern rather than a name.
func isGlob(s string) bool { return strings.ContainsAny(s, "*?[") }

// expandNames is unitNames with systemctl's glob expansion (expand_unit_names): a pattern ("bench-*.service",
// "ssh*") stands for the units in memory whose name matches it, loaded or not, active or not; a plain name is
// mangled as unitNames does. A pattern that matches nothing adds nothing; callers do nothing when every
// argument was a pattern and none matched (see nothingMatched).
func (e *env) expandNames(args []string) ([]string, error) {
	var globs []string
	for _, a := range args {
		if isGlob(a) {
			globs = append(globs, a)
		}
	}
	if len(globs) == 0 {
		return unitNames(args), nil
	}
	resp, err := e.c.ListUnits(e.ctx, &controlv1.ListUnitsRequest{All: true, Patterns: globs})
	if err != nil {
		return nil, err
	}
	var out []string
	seen := map[string]bool{}
	add := func(n string) {
		if !seen[n] {
			seen[n] = true
			out = append(out, n)
		}
	}
	for _, a := range args {
		if !isGlob(a) {
			add(unitName(a))
		}
	}
	for _, u := range resp.Units {
		add(u.Name)
	}
	return out, nil
}

// nothingMatched: units were named, all by patterns, and no unit matched; systemctl then does nothing.
func nothingMatched(args, units []string) bool { return len(args) > 0 && len(units) == 0 }

// withDependencies is --with-dependencies for status and cat: each unit followed by the units list-dependencies
// would show under it (systemctl's append_unit_dependencies): Requires=, Requisite=, Wants=, ConsistsOf=,
// BindsTo= (--reverse: the reverse kinds), recursing into targets (--all: into every unit).
func (e *env) withDependencies(units []string) ([]string, error) {
	if !e.o.withDeps {
		return units, nil
	}
	kinds := forwardDeps
	if e.o.reverse {
		kinds = reverseDeps
	}
	seen := map[string]bool{}
	var out []string
	var walk func(u string, top bool) error
	walk = func(u string, top bool) error {
		if seen[u] {
			return nil
		}
		seen[u] = true
		out = append(out, u)
		if !top && !e.o.all && !strings.HasSuffix(u, ".target") {
			return nil
		}
		p, err := e.unitProperties(u, kinds...)
		if err != nil {
			return err
		}
		var deps []string
		for _, k := range kinds {
			deps = append(deps, strings.Fields(p[k])...)
		}
		for _, d := range sortDeps(dedupeStrings(deps)) {
			if err := walk(d, false); err != nil {
				return err
			}
		}
		return nil
	}
	for _, u := range units {
		if err := walk(u, true); err != nil {
			return nil, err
		}
	}
	return out, nil
}
