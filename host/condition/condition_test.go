package condition

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/host/unit"
)

// fake answers from a table: kind/param → result; "?" kinds are unsupported.
func fake(results map[string]bool) Env {
	return Env{Check: func(kind, param string) (bool, error) {
		if kind == "?" {
			return false, ErrUnsupported
		}
		return results[kind+":"+param], nil
	}}
}

func cond(kind, param string, trigger, negate bool) unit.Condition {
	return unit.Condition{Kind: kind, Param: param, Trigger: trigger, Negate: negate}
}

func TestListRule(t *testing.T) {
	e := fake(map[string]bool{"A:yes": true, "B:yes": true})
	cases := []struct {
		name  string
		conds []unit.Condition
		ok    bool
	}{
		{"empty list holds", nil, true},
		{"true", []unit.Condition{cond("A", "yes", false, false)}, true},
		{"false", []unit.Condition{cond("A", "no", false, false)}, false},
		{"negated false", []unit.Condition{cond("A", "no", false, true)}, true},
		{"negated true", []unit.Condition{cond("A", "yes", false, true)}, false},
		{"all plain must hold", []unit.Condition{cond("A", "yes", false, false), cond("B", "no", false, false)}, false},
		{"one trigger suffices", []unit.Condition{cond("A", "no", true, false), cond("B", "yes", true, false)}, true},
		{"no trigger holds", []unit.Condition{cond("A", "no", true, false), cond("B", "no", true, false)}, false},
		{"triggers and plain", []unit.Condition{cond("A", "yes", false, false), cond("B", "no", true, true)}, true},
		{"plain fails despite trigger", []unit.Condition{cond("A", "no", false, false), cond("B", "yes", true, false)}, false},
		{"unsupported never passes", []unit.Condition{cond("?", "x", false, true)}, false},
	}
	for _, c := range cases {
		r := e.Evaluate(c.conds)
		if r.OK != c.ok || (!r.OK && (r.Failed == nil || r.Reason == "")) {
			t.Errorf("%s: %+v", c.name, r)
		}
	}
}

func TestReasonNamesTheCheck(t *testing.T) {
	c := unit.Condition{Kind: "PathExists", Param: "/nope", Negate: false}
	r := fake(nil).Evaluate([]unit.Condition{c})
	if Describe(r) != "ConditionPathExists=/nope was not met" {
		t.Errorf("%q", Describe(r))
	}
	a := unit.Condition{Kind: "PathExists", Param: "/x", Assert: true, Negate: true}
	r = fake(map[string]bool{"PathExists:/x": true}).Evaluate([]unit.Condition{a})
	if Describe(r) != "AssertPathExists=!/x was not met" {
		t.Errorf("%q", Describe(r))
	}
	if Setting(r.Failed) != "AssertPathExists=!/x" {
		t.Errorf("Setting %q", Setting(r.Failed))
	}
	if Setting(&unit.Condition{Kind: "PathExists", Param: "/y", Trigger: true}) != "ConditionPathExists=|/y" || Setting(nil) != "" {
		t.Error("Setting of a triggering check, or of none")
	}
}

func TestRealChecks(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	os.WriteFile(file, []byte("x"), 0o755)
	os.WriteFile(filepath.Join(dir, "empty"), nil, 0o644)
	os.Symlink(file, filepath.Join(dir, "link"))
	cases := []struct {
		kind, param string
		want        bool
	}{
		{"PathExists", file, true},
		{"PathExists", filepath.Join(dir, "none"), false},
		{"PathExistsGlob", filepath.Join(dir, "f*"), true},
		{"PathIsDirectory", dir, true},
		{"PathIsDirectory", file, false},
		{"PathIsSymbolicLink", filepath.Join(dir, "link"), true},
		{"PathIsMountPoint", "/proc", true},
		{"PathIsMountPoint", dir, false},
		{"PathIsReadWrite", dir, true},
		{"DirectoryNotEmpty", dir, true},
		{"FileNotEmpty", file, true},
		{"FileNotEmpty", filepath.Join(dir, "empty"), false},
		{"FileIsExecutable", file, true},
		{"FileIsExecutable", filepath.Join(dir, "empty"), false},
		{"User", "root", os.Getuid() == 0},
		{"User", "@system", os.Getuid() < 1000},
		{"Group", "0", os.Getgid() == 0},
		{"Environment", "PATH", true},
		{"Environment", "SYSMASTER_SURELY_UNSET", false},
		{"Architecture", "x86-64", true},
		{"Architecture", "s390x", false},
	}
	for _, c := range cases {
		got, err := check(c.kind, c.param)
		if err != nil || got != c.want {
			t.Errorf("%s=%s: %v, %v; want %v", c.kind, c.param, got, err, c.want)
		}
	}
	if _, err := check("Frobnicate", "x"); !errors.Is(err, ErrUnsupported) {
		t.Errorf("an unknown check must say so: %v", err)
	}
	// Exactly one of the two holds, whatever this machine is.
	yes, _ := check("Virtualization", "yes")
	no, _ := check("Virtualization", "no")
	if yes == no {
		t.Errorf("Virtualization yes=%v no=%v", yes, no)
	}
	if got, _ := check("PathIsEncrypted", "/proc"); got {
		t.Error("/proc is not encrypted")
	}
	if got, _ := check("NeedsUpdate", t.TempDir()); !got {
		t.Error("NeedsUpdate without a stamp must hold")
	}
	if got, _ := check("Credential", "surely-not-passed"); got {
		t.Error("Credential")
	}
}

func TestComparisons(t *testing.T) {
	vc := []struct {
		a, b string
		c    int
	}{{"6.1.0-18-amd64", "6.1", 1}, {"5.10", "6.1", -1}, {"6.18.44", "6.18.44", 0}, {"6.9", "6.10", -1}}
	for _, c := range vc {
		if got := versionCompare(c.a, c.b); (got > 0) != (c.c > 0) || (got < 0) != (c.c < 0) {
			t.Errorf("versionCompare(%q, %q) = %d, want sign %d", c.a, c.b, got, c.c)
		}
	}
	for in, want := range map[string]uint64{"1024": 1024, "1K": 1024, "512M": 512 << 20, "2G": 2 << 30} {
		if got, err := parseSize(in); err != nil || got != want {
			t.Errorf("parseSize(%q) = %d %v", in, got, err)
		}
	}
}

func TestSystemChecks(t *testing.T) {
	release, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	rel := strings.TrimSpace(string(release))
	cases := []struct {
		kind, param string
		want        bool
	}{
		{"KernelVersion", ">=2.6", true},
		{"KernelVersion", "<2.6", false},
		{"KernelVersion", rel, true},
		{"KernelVersion", rel[:1] + "*", true},
		{"KernelVersion", "0.*", false},
		{"CPUs", ">=1", true},
		{"CPUs", ">1000000", false},
		{"Memory", ">=1M", true},
		{"Memory", "<1K", false},
		{"Capability", "CAP_SYS_ADMIN", os.Getuid() == 0},
		{"Capability", "CAP_NOT_A_CAP", false},
		{"ControlGroupController", "nosuchcontroller", false},
		{"Security", "nosuchframework", false},
	}
	if _, err := os.Stat("/etc/os-release"); err == nil {
		cases = append(cases, struct {
			kind, param string
			want        bool
		}{"OSRelease", "NOSUCHKEY=x", false})
	}
	for _, c := range cases {
		got, err := check(c.kind, c.param)
		if err != nil || got != c.want {
			t.Errorf("%s=%s: %v, %v; want %v", c.kind, c.param, got, err, c.want)
		}
	}
}

// Issue 15, bug 2: every boolean condition takes systemd's booleans (parse_boolean: 1/yes/y/true/t/on and
// 0/no/n/false/f/off, in any case): `ConditionFirstBoot=no` used to be "not a boolean".
func TestBooleanConditionsTakeSystemdBooleans(t *testing.T) {
	for _, kind := range []string{"FirstBoot", "ACPower", "Virtualization"} {
		truth, err := check(kind, "yes")
		if err != nil {
			t.Fatalf("%s=yes: %v", kind, err)
		}
		for _, v := range []string{"1", "yes", "Y", "true", "t", "on", "ON"} {
			if got, err := check(kind, v); err != nil || got != truth {
				t.Errorf("Condition%s=%s: %v %v, want %v as for yes", kind, v, got, err, truth)
			}
		}
		for _, v := range []string{"0", "no", "n", "false", "F", "off", "No"} {
			if got, err := check(kind, v); err != nil || got == truth {
				t.Errorf("Condition%s=%s: %v %v, want %v", kind, v, got, err, !truth)
			}
		}
	}
	for _, kind := range []string{"FirstBoot", "ACPower"} {
		if _, err := check(kind, "maybe"); err == nil || !strings.Contains(err.Error(), "not a boolean") {
			t.Errorf("Condition%s=maybe: %v", kind, err)
		}
	}
}
