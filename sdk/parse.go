package sdk

import (
	"fmt"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
)

// ParseRequest is one unit's type sections, as the host hands them to Parse.
type ParseRequest struct {
	Unit     *UnitInfo
	Sections []*Section
}

// Section returns the named section or nil.
func (r *ParseRequest) Section(name string) *Section {
	for _, s := range r.Sections {
		if s.Name == name {
			return s
		}
	}
	return nil
}

// Last returns the last assignment of key in section, as a scalar directive reads it.
func (r *ParseRequest) Last(section, key string) (*Entry, bool) {
	s := r.Section(section)
	if s == nil {
		return nil, false
	}
	for i := len(s.Entries) - 1; i >= 0; i-- {
		if s.Entries[i].Key == key {
			return s.Entries[i], true
		}
	}
	return nil, false
}

// ParseResult is what Parse returns: the unit's config bytes, problems found, and dependencies the type adds.
type ParseResult struct {
	Config []byte
	// Problems with severity error make the unit bad-setting; warnings are logged.
	Problems []*Problem
	// DefaultDeps apply when the unit has DefaultDependencies=yes; ImplicitDeps always apply.
	DefaultDeps, ImplicitDeps []*Dependency
	Annotations               map[string]string
	// Properties are the unit's settings as `sctl show` lists them (systemd's names and value formats).
	Properties map[string]string
}

// Annotate sets the annotation key (see Annotations) to value.
func (r *ParseResult) Annotate(key, value string) {
	if r.Annotations == nil {
		r.Annotations = map[string]string{}
	}
	r.Annotations[key] = value
}

// AnnotationTrigger names the unit that a unit triggers and cannot start without (RequireTrigger).
const AnnotationTrigger = "RequireTriggerLoaded"

// RequireTrigger asks the host to refuse the unit's start while unit, the one it triggers, is not loaded (no file,
// bad setting, masked): the start job fails, the unit stays as it was, and its log says "Refusing to start, unit
// … to trigger not loaded.", as systemd's unit_test_trigger_loaded does for timers, paths and automounts.
func (r *ParseResult) RequireTrigger(unit string) { r.Annotate(AnnotationTrigger, unit) }

// AnnotationBusName names the bus name a unit watches (WatchBusName).
const AnnotationBusName = "BusName"

// WatchBusName asks the host to watch name on the system bus for the unit (systemd's BusName=): the unit gets an
// EventBusName with the name's owner whenever it changes, and whenever the host (re)connects to the bus. The host
// holds the bus connection; the plugin never talks to the bus.
func (r *ParseResult) WatchBusName(name string) { r.Annotate(AnnotationBusName, name) }

// Errorf records an error about entry e (nil when the problem is not tied to one line).
func (r *ParseResult) Errorf(e *Entry, section, key, format string, args ...any) {
	r.problem(SeverityError, e, section, key, format, args...)
}

// Warnf records a warning about entry e; the unit still loads.
func (r *ParseResult) Warnf(e *Entry, section, key, format string, args ...any) {
	r.problem(SeverityWarning, e, section, key, format, args...)
}

// Failed reports whether an error was recorded.
func (r *ParseResult) Failed() bool {
	for _, p := range r.Problems {
		if p.Severity == SeverityError {
			return true
		}
	}
	return false
}

func (r *ParseResult) problem(sev Severity, e *Entry, section, key, format string, args ...any) {
	p := &Problem{Severity: sev, Section: section, Key: key, Message: fmt.Sprintf(format, args...)}
	if e != nil {
		p.File, p.Line = e.File, e.Line
	}
	r.Problems = append(r.Problems, p)
}

// AddDefault adds a default dependency (applied only with DefaultDependencies=yes).
func (r *ParseResult) AddDefault(kind string, units ...string) {
	r.DefaultDeps = append(r.DefaultDeps, &Dependency{Kind: kind, Units: units})
}

// AddImplicit adds a dependency the type always has.
func (r *ParseResult) AddImplicit(kind string, units ...string) {
	r.ImplicitDeps = append(r.ImplicitDeps, &Dependency{Kind: kind, Units: units})
}

// SplitCommand splits a command line with the quoting rules of unit files.
func SplitCommand(s string) ([]string, error) {
	return unitfile.SplitWords(s, unitfile.SplitCUnescape)
}

// Deps returns the configured dependencies of kind from the unit's [Unit] section.
func (r *ParseRequest) Deps(kind string) []string {
	if r.Unit == nil {
		return nil
	}
	var out []string
	for _, d := range r.Unit.Dependencies {
		if d.Kind == kind {
			out = append(out, d.Units...)
		}
	}
	return out
}
