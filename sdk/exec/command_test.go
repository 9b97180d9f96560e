package exec

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestCommandPrefixes(t *testing.T) {
	type flags struct{ ignore, at, noExpand, full, ambientOnly, noAmbient bool }
	cases := []struct {
		in   string
		want flags
		err  bool
	}{
		{"/bin/true", flags{}, false},
		{"-/bin/true", flags{ignore: true}, false},
		{"@/bin/true x", flags{at: true}, false},
		{":/bin/true", flags{noExpand: true}, false},
		{"+/bin/true", flags{full: true}, false},
		{"!/bin/true", flags{ambientOnly: true}, false},
		{"!!/bin/true", flags{noAmbient: true}, false},
		{"-@:+/bin/true x", flags{ignore: true, at: true, noExpand: true, full: true}, false},
		{"+-:@/bin/true x", flags{ignore: true, at: true, noExpand: true, full: true}, false},
		{"!!-/bin/true", flags{ignore: true, noAmbient: true}, false},
		{"!-!/bin/true", flags{ignore: true, noAmbient: true}, false},
		{":-!/bin/true", flags{ignore: true, noExpand: true, ambientOnly: true}, false},
		{"--/bin/true", flags{}, true},
		{"@@/bin/true x", flags{}, true},
		{"::/bin/true", flags{}, true},
		{"++/bin/true", flags{}, true},
		{"!!!/bin/true", flags{}, true},
		{"+!/bin/true", flags{}, true},
		{"!+/bin/true", flags{}, true},
		{"-", flags{}, true},
		{"@/bin/true", flags{}, true},
		{"/bin/./true", flags{}, false}, // systemd simplifies the path, as it does "//"
		{"bin/true", flags{}, true},
		{"/bin//true", flags{}, false},
		{"/bin/true/", flags{}, true},
		{"/bin/true ;", flags{}, false},
		{"; /bin/true", flags{}, false},             // an empty command is skipped
		{"/bin/true ; ; /bin/true", flags{}, false}, // as in systemd
		{"'/bin/true", flags{}, true},
	}
	for _, c := range cases {
		cmds, err := parseCommandLine(c.in, testEnv().LookPath)
		if (err != nil) != c.err {
			t.Errorf("%q: error %v, want error %v", c.in, err, c.err)
			continue
		}
		if err != nil {
			if !strings.Contains(err.Error(), "") {
				t.Errorf("%q: %v", c.in, err)
			}
			continue
		}
		cmd := cmds[0]
		got := flags{cmd.IgnoreFailure, cmd.Argv[0] == "x", cmd.NoExpand, cmd.FullPrivileges, cmd.AmbientOnly, cmd.NoAmbient}
		if got != c.want || cmd.Path != "/bin/true" {
			t.Errorf("%q: %+v path %q, want %+v", c.in, got, cmd.Path, c.want)
		}
	}
}

func TestCommandWords(t *testing.T) {
	cases := []struct {
		in   string
		want []Command
	}{
		{`/bin/echo "a b" 'c d' e\ f \x41`, []Command{{Path: "/bin/echo", Argv: []string{"/bin/echo", "a b", "c d", "e f", "A"}}}},
		{`sh -c "echo hi"`, []Command{{Path: "/bin/sh", Argv: []string{"sh", "-c", "echo hi"}}}},
		{`nosuch arg`, []Command{{Path: "nosuch", Argv: []string{"nosuch", "arg"}}}},
		{`@/bin/sh my-sh -c x`, []Command{{Path: "/bin/sh", Argv: []string{"my-sh", "-c", "x"}}}},
		{`/bin/a 1 ; -/bin/b \; ";"x`, []Command{
			{Path: "/bin/a", Argv: []string{"/bin/a", "1"}},
			{Path: "/bin/b", Argv: []string{"/bin/b", ";", ";x"}, IgnoreFailure: true}}},
		{`/bin/grep \d`, []Command{{Path: "/bin/grep", Argv: []string{"/bin/grep", `\d`}}}},
		{`/bin/echo $A ${B}`, []Command{{Path: "/bin/echo", Argv: []string{"/bin/echo", "$A", "${B}"}}}},
	}
	for _, c := range cases {
		got, err := parseCommandLine(c.in, testEnv().LookPath)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q:\n got %+v, %v\nwant %+v", c.in, got, err, c.want)
		}
	}
}

func TestLookPath(t *testing.T) {
	if p, ok := LookPath("sh"); !ok || !strings.HasPrefix(p, "/") {
		t.Errorf("LookPath(sh) = %q, %v", p, ok)
	}
	if _, ok := LookPath("no-such-command-here"); ok {
		t.Error("found a command that does not exist")
	}
}

// FuzzParseCommandLine: never panics; a failure is a *CommandError; every command has a path that is safe and,
// when absolute, simplified, and an argv[0].
func FuzzParseCommandLine(f *testing.F) {
	for _, s := range []string{"/bin/echo a b", "-@/bin/sh sh -c 'x ; y' ; /bin/true \\;", `"/a b/c" \x41 \;x`,
		"--/x", "; ;", "/path\\", "/p 'q", "!!/bin/true", "@/bin/true", "/a//./b/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		cmds, err := parseCommandLine(s, nil)
		var ce *CommandError
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("%q: %v is not a *CommandError", s, err)
		}
		for _, c := range cmds {
			if c.Path == "" || len(c.Argv) == 0 || !safeString(c.Path) {
				t.Fatalf("%q: bad command %+v", s, c)
			}
			if strings.HasPrefix(c.Path, "/") && (strings.Contains(c.Path, "//") || strings.Contains(c.Path+"/", "/./")) {
				t.Fatalf("%q: path %q not simplified", s, c.Path)
			}
		}
	})
}
