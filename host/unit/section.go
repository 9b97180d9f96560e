package unit

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/sysmaster/sysmaster/pkg/timespan"
	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/pkg/unitname"
)

// Emergency actions accepted by SuccessAction=, FailureAction=, StartLimitAction= and JobTimeoutAction=.
var actions = []string{"none", "reboot", "reboot-force", "reboot-immediate", "poweroff", "poweroff-force",
	"poweroff-immediate", "exit", "exit-force", "soft-reboot", "soft-reboot-force", "kexec", "kexec-force",
	"halt", "halt-force", "halt-immediate"}

var jobModes = []string{"fail", "replace", "replace-irreversibly", "isolate", "flush", "ignore-dependencies", "ignore-requirements"}

// interpreter reads one section's entries, recording the first error and every warning.
type interpreter struct {
	f   *Fragment
	sec string
	err error
}

func (in *interpreter) fail(e unitfile.Entry, format string, args ...any) {
	if in.err == nil {
		in.err = &unitfile.Error{File: e.File, Line: e.Line, Section: in.sec, Key: e.Key, Msg: fmt.Sprintf(format, args...)}
	}
}

func (in *interpreter) warn(e unitfile.Entry, msg string) {
	in.f.Warnings = append(in.f.Warnings, &unitfile.Error{File: e.File, Line: e.Line, Section: in.sec, Key: e.Key, Msg: msg})
}

func (in *interpreter) boolean(e unitfile.Entry, dst *bool) {
	b, err := unitfile.ParseBool(e.Value)
	if err != nil {
		in.fail(e, "%q is not a boolean", e.Value)
		return
	}
	*dst = b
}

func (in *interpreter) span(e unitfile.Entry, dst *time.Duration) {
	d, err := timespan.Parse(e.Value)
	if err != nil {
		in.fail(e, "%q is not a time span", e.Value)
		return
	}
	*dst = d
}

func (in *interpreter) oneOf(e unitfile.Entry, allowed []string, dst *string) {
	if !slices.Contains(allowed, e.Value) {
		in.fail(e, "%q is not one of %s", e.Value, strings.Join(allowed, ", "))
		return
	}
	*dst = e.Value
}

// words splits a list value with unit-file quoting; escapes such as \x2d stay as written, as unit names need.
func (in *interpreter) words(e unitfile.Entry) []string {
	w, err := unitfile.SplitWords(e.Value, unitfile.SplitRetainEscape)
	if err != nil {
		in.fail(e, "%v in %q", err, e.Value)
	}
	return w
}

// units adds the unit names of a dependency line to list; an empty assignment resets it. A template names no
// unit a dependency could reach; in a template's own file, a name that is only invalid because the instance is
// still empty ("dev-%i.device" read as "dev-.device") is left out with a warning, as systemd does when it loads
// a template as a unit, so that `sctl status getty@.service` shows it.
func (in *interpreter) units(e unitfile.Entry, list []string) []string {
	return in.unitNames(e, list, false)
}

// unitNames is units; templates allows template names (Alias= and Also= of a template).
func (in *interpreter) unitNames(e unitfile.Entry, list []string, templates bool) []string {
	if e.Value == "" {
		return nil
	}
	for _, n := range in.words(e) {
		if !unitname.Valid(n) || unitname.IsTemplate(n) && !templates {
			if unitname.IsTemplate(in.f.Name) {
				in.warn(e, fmt.Sprintf("%q is not a valid unit name in the template itself, ignoring", n))
				continue
			}
			in.fail(e, "%q is not a valid unit name", n)
			continue
		}
		list = append(list, n)
	}
	return list
}

// dedupe drops repeated names, keeping the first of each; a set keeps it linear for lists of thousands.
func dedupe(list []string) []string {
	seen := make(map[string]bool, len(list))
	out := list[:0]
	for _, s := range list {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

func interpret(f *Fragment, secs []*unitfile.Section) error {
	u := &f.Unit
	*u = UnitSection{Deps: map[DepKind][]string{}, DefaultDependencies: true, CollectMode: "inactive",
		OnFailureJobMode: "replace", OnSuccessJobMode: "replace", JobTimeout: timespan.Infinity,
		JobRunningTimeout: timespan.Infinity, JobTimeoutAction: "none", StartLimitInterval: 10 * time.Second,
		StartLimitBurst: 5, StartLimitAction: "none", SuccessAction: "none", FailureAction: "none",
		SuccessActionExitStatus: -1, FailureActionExitStatus: -1}
	if s := unitfile.FindSection(secs, "Unit"); s != nil {
		in := &interpreter{f: f, sec: "Unit"}
		for _, e := range s.Entries {
			in.unitEntry(u, e)
		}
		if in.err != nil {
			return in.err
		}
		for k, list := range u.Deps {
			u.Deps[k] = dedupe(list)
		}
	}
	if s := unitfile.FindSection(secs, "Install"); s != nil {
		in := &interpreter{f: f, sec: "Install"}
		for _, e := range s.Entries {
			in.installEntry(&f.Install, e)
		}
		if in.err != nil {
			return in.err
		}
	}
	return nil
}

func (in *interpreter) unitEntry(u *UnitSection, e unitfile.Entry) {
	if isDirective(e.Key) {
		k := DepKind(e.Key)
		u.Deps[k] = in.units(e, u.Deps[k])
		return
	}
	if strings.HasPrefix(e.Key, "Condition") || strings.HasPrefix(e.Key, "Assert") {
		in.condition(u, e)
		return
	}
	switch e.Key {
	case "Description":
		u.Description = e.Value
	case "Documentation":
		if e.Value == "" {
			u.Documentation = nil
		} else {
			u.Documentation = append(u.Documentation, in.words(e)...)
		}
	case "SourcePath":
		u.SourcePath = e.Value
	case "RequiresMountsFor":
		if e.Value == "" {
			u.RequiresMountsFor = nil
			return
		}
		for _, p := range in.words(e) {
			if !strings.HasPrefix(p, "/") {
				in.warn(e, fmt.Sprintf("%q is not an absolute path, ignoring", p))
				continue
			}
			if !slices.Contains(u.RequiresMountsFor, p) {
				u.RequiresMountsFor = append(u.RequiresMountsFor, p)
			}
		}
	case "DefaultDependencies":
		in.boolean(e, &u.DefaultDependencies)
	case "StopWhenUnneeded":
		in.boolean(e, &u.StopWhenUnneeded)
	case "RefuseManualStart":
		in.boolean(e, &u.RefuseManualStart)
	case "RefuseManualStop":
		in.boolean(e, &u.RefuseManualStop)
	case "AllowIsolate":
		in.boolean(e, &u.AllowIsolate)
	case "IgnoreOnIsolate":
		in.boolean(e, &u.IgnoreOnIsolate)
	case "CollectMode":
		in.oneOf(e, []string{"inactive", "inactive-or-failed"}, &u.CollectMode)
	case "OnFailureJobMode":
		in.oneOf(e, jobModes, &u.OnFailureJobMode)
	case "OnSuccessJobMode":
		in.oneOf(e, jobModes, &u.OnSuccessJobMode)
	case "JobTimeoutSec":
		in.span(e, &u.JobTimeout)
	case "JobRunningTimeoutSec":
		in.span(e, &u.JobRunningTimeout)
	case "JobTimeoutAction":
		in.oneOf(e, actions, &u.JobTimeoutAction)
	case "JobTimeoutRebootArgument":
		u.JobTimeoutRebootArgument = e.Value
	case "StartLimitIntervalSec", "StartLimitInterval":
		in.span(e, &u.StartLimitInterval)
	case "StartLimitBurst":
		n, err := strconv.Atoi(e.Value)
		if err != nil || n < 0 {
			in.fail(e, "%q is not a non-negative number", e.Value)
			return
		}
		u.StartLimitBurst = n
	case "StartLimitAction":
		in.oneOf(e, actions, &u.StartLimitAction)
	case "SuccessAction":
		in.oneOf(e, actions, &u.SuccessAction)
	case "FailureAction":
		in.oneOf(e, actions, &u.FailureAction)
	case "SuccessActionExitStatus", "FailureActionExitStatus":
		n := -1
		if e.Value != "" {
			v, err := strconv.Atoi(e.Value)
			if err != nil || v < 0 || v > 255 {
				in.fail(e, "%q is not an exit status (0…255)", e.Value)
				return
			}
			n = v
		}
		if e.Key == "SuccessActionExitStatus" {
			u.SuccessActionExitStatus = n
		} else {
			u.FailureActionExitStatus = n
		}
	default:
		in.unknown(e)
	}
}

func (in *interpreter) installEntry(i *InstallSection, e unitfile.Entry) {
	list := map[string]*[]string{"WantedBy": &i.WantedBy, "RequiredBy": &i.RequiredBy, "UpheldBy": &i.UpheldBy,
		"Alias": &i.Alias, "Also": &i.Also}
	if dst, ok := list[e.Key]; ok {
		*dst = in.unitNames(e, *dst, e.Key == "Alias" || e.Key == "Also")
		return
	}
	if e.Key == "DefaultInstance" {
		i.DefaultInstance = e.Value
		return
	}
	in.unknown(e)
}

// unknown warns about a key nothing reads; an extension key (X-…) is the admin's and passes silently, as in
// systemd.
func (in *interpreter) unknown(e unitfile.Entry) {
	if !strings.HasPrefix(e.Key, "X-") {
		in.warn(e, "unknown key, ignoring")
	}
}

// conditionKinds are the checks of Condition…= and Assert…= (man systemd.unit).
var conditionKinds = []string{"PathExists", "PathExistsGlob", "PathIsDirectory", "PathIsSymbolicLink",
	"PathIsMountPoint", "PathIsReadWrite", "PathIsEncrypted", "DirectoryNotEmpty", "FileNotEmpty",
	"FileIsExecutable", "KernelCommandLine", "KernelVersion", "Virtualization", "Security", "Capability",
	"ACPower", "FirstBoot", "NeedsUpdate", "User", "Group", "Host", "Environment", "Architecture", "CPUs",
	"Memory", "ControlGroupController", "Credential", "CPUFeature", "OSRelease", "MemoryPressure",
	"CPUPressure", "IOPressure"}

func (in *interpreter) condition(u *UnitSection, e unitfile.Entry) {
	assert := strings.HasPrefix(e.Key, "Assert")
	kind := strings.TrimPrefix(strings.TrimPrefix(e.Key, "Condition"), "Assert")
	if !slices.Contains(conditionKinds, kind) {
		in.fail(e, "unknown condition %s", e.Key)
		return
	}
	list := &u.Conditions
	if assert {
		list = &u.Asserts
	}
	if e.Value == "" {
		*list = nil // an empty assignment resets every condition (or assert) before it
		return
	}
	c := Condition{Kind: kind, Assert: assert, File: e.File, Line: e.Line}
	v := e.Value
	if strings.HasPrefix(v, "|") {
		c.Trigger, v = true, strings.TrimSpace(v[1:])
	}
	if strings.HasPrefix(v, "!") {
		c.Negate, v = true, strings.TrimSpace(v[1:])
	}
	if v == "" {
		in.fail(e, "condition without a parameter")
		return
	}
	c.Param = v
	*list = append(*list, c)
}
