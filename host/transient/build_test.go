package transient

import (
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/sysmaster/sysmaster/pkg/unitfile"
	"github.com/sysmaster/sysmaster/sdk"
	"github.com/sysmaster/sysmaster/sdk/errdefs"
	"github.com/sysmaster/sysmaster/sdk/exec"
)

// parse reads Build's text back with the unit file parser.
func parse(t *testing.T, text string) map[string]*unitfile.Section {
	t.Helper()
	f, err := unitfile.Parse("x", strings.NewReader(text))
	if err != nil {
		t.Fatalf("the file does not parse: %v\n%s", err, text)
	}
	out := map[string]*unitfile.Section{}
	for _, s := range unitfile.Merge(f) {
		out[s.Name] = s
	}
	return out
}

// What systemd-run sends for `systemd-run --unit=x --scope sleep 100` and logind for a session scope.
func TestScope(t *testing.T) {
	f, err := Build("session-1.scope", []Property{
		{"Description", "Session 1 of User root"}, {"Slice", "user-0.slice"}, {"After", []string{"systemd-logind.service"}},
		{"Wants", []string{"user-runtime-dir@0.service"}}, {"SendSIGHUP", true}, {"PIDs", []uint32{42, 43}},
		{"TasksMax", uint64(math.MaxUint64)}, {"OOMPolicy", "continue"}, {"AddRef", true},
	})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(f.Text, Header) || !slices.Equal(f.PIDs, []uint32{42, 43}) || !f.AddRef {
		t.Fatalf("%+v", f)
	}
	s := parse(t, f.Text)
	for _, c := range []struct{ sec, key, want string }{
		{"Unit", "Description", "Session 1 of User root"}, {"Unit", "After", "systemd-logind.service"},
		{"Unit", "Wants", "user-runtime-dir@0.service"}, {"Scope", "Slice", "user-0.slice"},
		{"Scope", "SendSIGHUP", "yes"}, {"Scope", "TasksMax", "infinity"}, {"Scope", "OOMPolicy", "continue"},
	} {
		if got := s[c.sec].Values(c.key); len(got) != 1 || got[0] != c.want {
			t.Errorf("[%s] %s=%q, want %q", c.sec, c.key, got, c.want)
		}
	}
	if strings.Contains(f.Text, "PIDs") || strings.Contains(f.Text, "AddRef") {
		t.Errorf("PIDs or AddRef written:\n%s", f.Text)
	}
}

// ExecStart keeps argv[0], quotes, "$", "%" and the "-" prefix: the service plugin's parser reads the same argv back.
func TestExecRoundTrip(t *testing.T) {
	argv := []string{"sh", "-c", `echo "$HOME" 100% \done; true`}
	f, err := Build("run-u1.service", []Property{
		{"ExecStart", []ExecCommand{{Path: "/bin/sh", Argv: argv}, {Path: "/bin/true", Argv: []string{"t"}, IgnoreFailure: true}}},
		{"Environment", []string{"A=b c", "P=50%"}}, {"RemainAfterExit", true}, {"Type", "oneshot"},
		{"WorkingDirectory", "/tmp"}, {"UMask", uint32(0o027)}, {"Nice", int32(-5)},
	})
	if err != nil {
		t.Fatal(err)
	}
	s := parse(t, f.Text)
	res := &sdk.ParseResult{}
	x := exec.DefaultExec()
	p := exec.NewParser(res, "Service", exec.SystemLoadEnv(), &x, nil, nil)
	var cmds []exec.Command
	var env []string
	for _, e := range s["Service"].Entries {
		entry := &sdk.Entry{Key: e.Key, Value: e.Value, File: "x", Line: int32(e.Line)}
		switch e.Key {
		case "ExecStart":
			p.Commands(entry, &cmds)
		case "Environment":
			w, err := unitfile.SplitWords(strings.ReplaceAll(e.Value, "%%", "%"), unitfile.SplitCUnescape)
			if err != nil {
				t.Fatal(err)
			}
			env = append(env, w...)
		}
	}
	if len(res.Problems) > 0 || len(cmds) != 2 {
		t.Fatalf("problems %+v, commands %+v\n%s", res.Problems, cmds, f.Text)
	}
	// The parser keeps "$" for the executor's expansion and "%" for the specifiers: both escaped by doubling.
	got := make([]string, len(cmds[0].Argv))
	for i, a := range cmds[0].Argv {
		got[i] = strings.NewReplacer("$$", "$", "%%", "%").Replace(a)
	}
	if cmds[0].Path != "/bin/sh" || !slices.Equal(got, argv) {
		t.Errorf("argv %q (%q), want %q\n%s", cmds[0].Argv, got, argv, f.Text)
	}
	if !cmds[1].IgnoreFailure || cmds[1].Argv[0] != "t" {
		t.Errorf("second command %+v", cmds[1])
	}
	if !slices.Equal(env, []string{"A=b c", "P=50%"}) {
		t.Errorf("environment %q", env)
	}
	for _, want := range []string{"RemainAfterExit=yes", "Type=oneshot", "WorkingDirectory=/tmp", "UMask=0027", "Nice=-5"} {
		if !strings.Contains(f.Text, want+"\n") {
			t.Errorf("no %s in\n%s", want, f.Text)
		}
	}
}

// `systemd-run --on-active=5 touch /run/y`: a timer with TimersMonotonic, and RemainAfterElapse=no.
func TestTimer(t *testing.T) {
	f, err := Build("run-u2.timer", []Property{{"Description", "/bin/touch /run/y"},
		{"TimersMonotonic", []TimerSpan{{"OnActiveSec", 5_000_000}}}, {"TimersCalendar", []CalendarSpec{{"OnCalendar", "*:0/5"}}},
		{"RemainAfterElapse", false}, {"AccuracyUSec", uint64(1000)}})
	if err != nil {
		t.Fatal(err)
	}
	s := parse(t, f.Text)["Timer"]
	for key, want := range map[string]string{"OnActiveSec": "5000000us", "OnCalendar": "*:0/5", "RemainAfterElapse": "no",
		"AccuracySec": "1000us"} {
		if got := s.Values(key); len(got) != 1 || got[0] != want {
			t.Errorf("%s=%q, want %q", key, got, want)
		}
	}
}

// Bad input is an InvalidArgument error naming the property; nothing else is made.
func TestRefused(t *testing.T) {
	for _, c := range []struct {
		name  string
		props []Property
		want  string
	}{
		{"x.scope", []Property{{"Frobnicate", "yes"}}, "Frobnicate"},
		{"x.scope", []Property{{"ExecStart", []ExecCommand{{Path: "/bin/true", Argv: []string{"true"}}}}}, "ExecStart"},
		{"x.service", []Property{{"PIDs", []uint32{1}}}, "PIDs"},
		{"x.service", []Property{{"RemainAfterExit", "yes"}}, "RemainAfterExit"},
		{"x.service", []Property{{"Description", "two\nlines"}}, "Description"},
		{"x.service", []Property{{"ExecStart", []ExecCommand{{Path: "true", Argv: []string{"true"}}}}}, "ExecStart"},
		{"x.service", []Property{{"After", []string{"a b"}}}, "After"},
		{"x.timer", []Property{{"TimersMonotonic", []TimerSpan{{"OnWhenever", 1}}}}, "TimersMonotonic"},
		{"x.timer", []Property{{"Slice", "a.slice"}}, "Slice"},
		{"x.scope", []Property{{"PIDs", []uint32{0}}}, "PID"},
		{"x.socket", nil, "socket"},
	} {
		_, err := Build(c.name, c.props)
		if err == nil || !errdefs.IsInvalidArgument(err) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s %v: %v", c.name, c.props, err)
		}
	}
}

// FuzzBuild: any string value of a string property either is refused or makes a file that parses, with the value
// on one line of it.
func FuzzBuild(f *testing.F) {
	for _, s := range []string{"plain", "50%", `quo"te`, "a\nb", "\\", "$HOME", ""} {
		f.Add("Description", s)
		f.Add("ExecStart", s)
	}
	f.Fuzz(func(t *testing.T, prop, value string) {
		var v any = value
		name := "f.service"
		if prop == "ExecStart" {
			v = []ExecCommand{{Path: "/bin/echo", Argv: []string{"echo", value}}}
		}
		file, err := Build(name, []Property{{Name: prop, Value: v}})
		if err != nil {
			return
		}
		if _, err := unitfile.Parse("f", strings.NewReader(file.Text)); err != nil {
			t.Fatalf("%s=%q: %v\n%s", prop, value, err, file.Text)
		}
		if n := strings.Count(file.Text, "\n"); n != 4 {
			t.Fatalf("%s=%q: %d lines\n%s", prop, value, n, file.Text)
		}
	})
}
