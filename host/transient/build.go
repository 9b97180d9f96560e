package transient

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
)

// File is what Build made of a transient unit's properties.
type File struct {
	// Text is the unit file.
	Text string
	// PIDs are the processes a scope is started with (the PIDs property); the core moves them into its cgroup.
	PIDs []uint32
	// AddRef is the AddRef property: the unit is to be collected once the client that made it is gone.
	AddRef bool
}

// Header opens every transient unit file, as systemd's.
const Header = "# This is a transient unit file, created programmatically via the systemd API. Do not edit.\n"

// Types are the unit types that can be transient here, with the section of their own directives.
var Types = map[string]string{"service": "Service", "scope": "Scope", "timer": "Timer", "slice": "Slice"}

// Build writes the unit file of the transient unit name from props, in their order (a later property of the same
// name adds to or overrides an earlier one, as the file's later lines do).
func Build(name string, props []Property) (*File, error) {
	typ := unitname.Type(name)
	own, ok := Types[typ]
	if !ok {
		return nil, errdefs.InvalidArgument(fmt.Errorf("Unit type %s does not support transient units.", typ))
	}
	f := &File{}
	secs := map[string][]string{}
	for _, p := range props {
		switch p.Name {
		case "PIDs":
			if typ != "scope" {
				return nil, notFor(p.Name, typ)
			}
			pids, ok := p.Value.([]uint32)
			if !ok {
				return nil, badType(p, "au")
			}
			for _, pid := range pids {
				if pid == 0 {
					// PID 0 is the caller itself in systemd: the bus layer resolves it before it gets here.
					return nil, errdefs.InvalidArgument(fmt.Errorf("PID 0 in PIDs= is not resolved"))
				}
			}
			f.PIDs = append(f.PIDs, pids...)
			continue
		case "AddRef":
			b, ok := p.Value.(bool)
			if !ok {
				return nil, badType(p, "b")
			}
			f.AddRef = b
			continue
		}
		d, ok := directives[p.Name]
		if !ok {
			return nil, unknown(p.Name)
		}
		if !d.applies(typ) {
			return nil, notFor(p.Name, typ)
		}
		lines, err := d.lines(p)
		if err != nil {
			return nil, err
		}
		sec := own
		if d.group == unitGroup {
			sec = "Unit"
		}
		secs[sec] = append(secs[sec], lines...)
	}
	var b strings.Builder
	b.WriteString(Header)
	for _, sec := range []string{"Unit", own} {
		b.WriteString("[" + sec + "]\n")
		for _, l := range secs[sec] {
			b.WriteString(l + "\n")
		}
	}
	f.Text = b.String()
	return f, nil
}

func unknown(prop string) error {
	return errdefs.InvalidArgument(fmt.Errorf("Cannot set property %s, or unknown property.", prop))
}

func notFor(prop, typ string) error {
	return errdefs.InvalidArgument(fmt.Errorf("Cannot set property %s, or unknown property: not a property of %s units.", prop, typ))
}

func badType(p Property, sig string) error {
	return errdefs.InvalidArgument(fmt.Errorf("Invalid type for property %s: %T, expected %q.", p.Name, p.Value, sig))
}

// group says which unit types a directive applies to.
type group int

const (
	unitGroup   group = iota // [Unit]: every type
	cgroupGroup              // resource control: service, scope, slice
	killGroup                // kill settings and stop bounds: service, scope
	execGroup                // service only
	timerGroup               // timer only
	sliceOuter               // Slice=: service and scope (a slice's parent is its name)
)

func (d directive) applies(typ string) bool {
	switch d.group {
	case unitGroup:
		return true
	case cgroupGroup:
		return typ == "service" || typ == "scope" || typ == "slice"
	case killGroup, sliceOuter:
		return typ == "service" || typ == "scope"
	case execGroup:
		return typ == "service"
	case timerGroup:
		return typ == "timer"
	}
	return false
}

// directive is how a property becomes lines of the unit file: under key (the property's name when empty).
type directive struct {
	group  group
	key    string
	format func(key string, v any) ([]string, error)
}

// keyOf is the directive d writes the property prop as.
func (d directive) keyOf(prop string) string {
	if d.key == "" {
		return prop
	}
	return d.key
}

// lines are the unit file lines of p.
func (d directive) lines(p Property) ([]string, error) {
	lines, err := d.format(d.keyOf(p.Name), p.Value)
	if err != nil {
		return nil, errdefs.InvalidArgument(fmt.Errorf("Invalid value for property %s: %v", p.Name, err))
	}
	return lines, nil
}

// directives maps systemd's D-Bus property names to unit file directives.
var directives = map[string]directive{}

func init() {
	add := func(g group, format func(string, any) ([]string, error), names ...string) {
		for _, n := range names {
			directives[n] = directive{group: g, format: format}
		}
	}
	rename := func(g group, format func(string, any) ([]string, error), name, key string) {
		directives[name] = directive{group: g, key: key, format: format}
	}
	add(unitGroup, str, "Description", "SourcePath", "CollectMode", "JobTimeoutAction", "SuccessAction", "FailureAction")
	add(unitGroup, boolean, "DefaultDependencies", "StopWhenUnneeded", "RefuseManualStart", "RefuseManualStop",
		"AllowIsolate", "IgnoreOnIsolate")
	add(unitGroup, words, "Documentation", "Requires", "Requisite", "Wants", "BindsTo", "PartOf", "Upholds", "Conflicts",
		"Before", "After", "OnFailure", "OnSuccess", "PropagatesReloadTo", "ReloadPropagatedFrom", "JoinsNamespaceOf",
		"RequiresMountsFor")
	rename(unitGroup, span, "JobTimeoutUSec", "JobTimeoutSec")
	rename(unitGroup, span, "JobRunningTimeoutUSec", "JobRunningTimeoutSec")
	rename(unitGroup, span, "StartLimitIntervalUSec", "StartLimitIntervalSec")
	add(unitGroup, u32, "StartLimitBurst")

	add(sliceOuter, str, "Slice")
	add(cgroupGroup, boolean, "CPUAccounting", "MemoryAccounting", "TasksAccounting", "IOAccounting", "Delegate")
	add(cgroupGroup, limit, "CPUWeight", "StartupCPUWeight", "IOWeight", "StartupIOWeight", "MemoryMin", "MemoryLow",
		"MemoryHigh", "MemoryMax", "MemorySwapMax", "TasksMax")
	rename(cgroupGroup, cpuQuota, "CPUQuotaPerSecUSec", "CPUQuota")

	add(killGroup, str, "KillMode", "OOMPolicy")
	add(killGroup, i32, "KillSignal", "RestartKillSignal", "FinalKillSignal")
	add(killGroup, boolean, "SendSIGKILL", "SendSIGHUP")
	rename(killGroup, span, "TimeoutStopUSec", "TimeoutStopSec")
	rename(killGroup, span, "RuntimeMaxUSec", "RuntimeMaxSec")
	rename(killGroup, span, "RuntimeRandomizedExtraUSec", "RuntimeRandomizedExtraSec")

	add(execGroup, commands, "ExecCondition", "ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload", "ExecStop",
		"ExecStopPost")
	add(execGroup, str, "Type", "Restart", "ExitType", "PIDFile", "NotifyAccess", "User", "Group", "WorkingDirectory",
		"RootDirectory", "StandardInput", "StandardOutput", "StandardError", "TTYPath", "ProtectSystem", "ProtectHome",
		"SyslogIdentifier", "BusName", "KeyringMode")
	add(execGroup, boolean, "RemainAfterExit", "GuessMainPID", "DynamicUser", "IgnoreSIGPIPE", "PrivateTmp",
		"PrivateDevices", "PrivateNetwork", "NoNewPrivileges")
	add(execGroup, i32, "Nice", "OOMScoreAdjust")
	add(execGroup, words, "SupplementaryGroups", "PassEnvironment")
	add(execGroup, assignments, "Environment", "UnsetEnvironment")
	rename(execGroup, envFiles, "EnvironmentFiles", "EnvironmentFile")
	add(execGroup, umask, "UMask")
	rename(execGroup, span, "RestartUSec", "RestartSec")
	rename(execGroup, span, "TimeoutStartUSec", "TimeoutStartSec")

	add(timerGroup, boolean, "RemainAfterElapse", "FixedRandomDelay", "Persistent", "WakeSystem", "OnClockChange",
		"OnTimezoneChange")
	add(timerGroup, str, "Unit")
	rename(timerGroup, span, "AccuracyUSec", "AccuracySec")
	rename(timerGroup, span, "RandomizedDelayUSec", "RandomizedDelaySec")
	add(timerGroup, monotonic, "TimersMonotonic")
	add(timerGroup, calendar, "TimersCalendar")
}

// escape makes s a literal unit file value: no line breaks, "%" not a specifier.
func escape(s string) (string, error) {
	if strings.ContainsAny(s, "\n\r") {
		return "", fmt.Errorf("line breaks are not allowed")
	}
	return strings.ReplaceAll(s, "%", "%%"), nil
}

// quote is s as one quoted word of a list: C escapes for '"' and '\', "%" not a specifier.
func quote(s string) (string, error) {
	e, err := escape(s)
	if err != nil {
		return "", err
	}
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(e) + `"`, nil
}

// quoteArg is quote for a word of a command line, where "$" would also expand a variable.
func quoteArg(s string) (string, error) {
	q, err := quote(s)
	return strings.ReplaceAll(q, "$", "$$"), err
}

func str(key string, v any) ([]string, error) {
	s, ok := v.(string)
	if !ok {
		return nil, typeErr(v, "s")
	}
	e, err := escape(s)
	if err != nil {
		return nil, err
	}
	return []string{key + "=" + e}, nil
}

func boolean(key string, v any) ([]string, error) {
	b, ok := v.(bool)
	if !ok {
		return nil, typeErr(v, "b")
	}
	if b {
		return []string{key + "=yes"}, nil
	}
	return []string{key + "=no"}, nil
}

func i32(key string, v any) ([]string, error) {
	n, ok := v.(int32)
	if !ok {
		return nil, typeErr(v, "i")
	}
	return []string{key + "=" + strconv.Itoa(int(n))}, nil
}

func u32(key string, v any) ([]string, error) {
	n, ok := v.(uint32)
	if !ok {
		return nil, typeErr(v, "u")
	}
	return []string{key + "=" + strconv.FormatUint(uint64(n), 10)}, nil
}

func umask(key string, v any) ([]string, error) {
	n, ok := v.(uint32)
	if !ok {
		return nil, typeErr(v, "u")
	}
	if n > 0o777 {
		return nil, fmt.Errorf("%#o is not a umask", n)
	}
	return []string{fmt.Sprintf("%s=%04o", key, n)}, nil
}

// span is a time span in µs; UINT64_MAX is infinity.
func span(key string, v any) ([]string, error) {
	n, ok := v.(uint64)
	if !ok {
		return nil, typeErr(v, "t")
	}
	if n == math.MaxUint64 {
		return []string{key + "=infinity"}, nil
	}
	return []string{key + "=" + strconv.FormatUint(n, 10) + "us"}, nil
}

// limit is a number with UINT64_MAX for infinity (bytes, weights, tasks).
func limit(key string, v any) ([]string, error) {
	n, ok := v.(uint64)
	if !ok {
		return nil, typeErr(v, "t")
	}
	if n == math.MaxUint64 {
		return []string{key + "=infinity"}, nil
	}
	return []string{key + "=" + strconv.FormatUint(n, 10)}, nil
}

// cpuQuota is CPUQuotaPerSecUSec as CPUQuota=: the share of one CPU in percent.
func cpuQuota(key string, v any) ([]string, error) {
	n, ok := v.(uint64)
	if !ok {
		return nil, typeErr(v, "t")
	}
	if n == math.MaxUint64 {
		return []string{key + "="}, nil
	}
	return []string{fmt.Sprintf("%s=%d.%02d%%", key, n/10000, n%10000/100)}, nil
}

// words is a list of names on one line; an empty list writes nothing.
func words(key string, v any) ([]string, error) {
	l, ok := v.([]string)
	if !ok {
		return nil, typeErr(v, "as")
	}
	if len(l) == 0 {
		return nil, nil
	}
	q := make([]string, len(l))
	for i, w := range l {
		if w == "" || strings.ContainsAny(w, " \t\"'\\") {
			return nil, fmt.Errorf("%q is not a name", w)
		}
		e, err := escape(w)
		if err != nil {
			return nil, err
		}
		q[i] = e
	}
	return []string{key + "=" + strings.Join(q, " ")}, nil
}

// assignments are Environment=-like entries, one quoted word each.
func assignments(key string, v any) ([]string, error) {
	l, ok := v.([]string)
	if !ok {
		return nil, typeErr(v, "as")
	}
	var out []string
	for _, a := range l {
		q, err := quote(a)
		if err != nil {
			return nil, err
		}
		out = append(out, key+"="+q)
	}
	return out, nil
}

func envFiles(key string, v any) ([]string, error) {
	l, ok := v.([]EnvironmentFile)
	if !ok {
		return nil, typeErr(v, "a(sb)")
	}
	var out []string
	for _, f := range l {
		if !strings.HasPrefix(f.Path, "/") {
			return nil, fmt.Errorf("%q is not an absolute path", f.Path)
		}
		e, err := escape(f.Path)
		if err != nil {
			return nil, err
		}
		if f.Optional {
			e = "-" + e
		}
		out = append(out, key+"="+e)
	}
	return out, nil
}

// commands writes each command as systemd does: "@path argv0 args…", so that argv[0] survives.
func commands(key string, v any) ([]string, error) {
	l, ok := v.([]ExecCommand)
	if !ok {
		return nil, typeErr(v, "a(sasb)")
	}
	var out []string
	for _, c := range l {
		if !strings.HasPrefix(c.Path, "/") {
			return nil, fmt.Errorf("%q is not an absolute path", c.Path)
		}
		if len(c.Argv) == 0 {
			return nil, fmt.Errorf("command %s has no argv", c.Path)
		}
		line := key + "="
		if c.IgnoreFailure {
			line += "-"
		}
		p, err := quoteArg(c.Path)
		if err != nil {
			return nil, err
		}
		line += "@" + p
		for _, a := range c.Argv {
			q, err := quoteArg(a)
			if err != nil {
				return nil, err
			}
			line += " " + q
		}
		out = append(out, line)
	}
	return out, nil
}

// monotonicBases are the bases TimersMonotonic may name.
var monotonicBases = map[string]bool{"OnActiveSec": true, "OnBootSec": true, "OnStartupSec": true,
	"OnUnitActiveSec": true, "OnUnitInactiveSec": true}

func monotonic(_ string, v any) ([]string, error) {
	l, ok := v.([]TimerSpan)
	if !ok {
		return nil, typeErr(v, "a(st)")
	}
	var out []string
	for _, t := range l {
		if !monotonicBases[t.Base] {
			return nil, fmt.Errorf("unknown timer base %q", t.Base)
		}
		out = append(out, t.Base+"="+strconv.FormatUint(t.USec, 10)+"us")
	}
	return out, nil
}

func calendar(_ string, v any) ([]string, error) {
	l, ok := v.([]CalendarSpec)
	if !ok {
		return nil, typeErr(v, "a(ss)")
	}
	var out []string
	for _, c := range l {
		if c.Base != "OnCalendar" {
			return nil, fmt.Errorf("unknown timer base %q", c.Base)
		}
		e, err := escape(c.Spec)
		if err != nil {
			return nil, err
		}
		out = append(out, "OnCalendar="+e)
	}
	return out, nil
}

func typeErr(v any, sig string) error { return fmt.Errorf("a %T where %q is expected", v, sig) }
