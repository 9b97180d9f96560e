package main

import (
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
		{"/bin/../bin/true", flags{}, true},
		{"bin/true", flags{}, true},
		{"/bin//true", flags{}, true},
		{"/bin/true/", flags{}, true},
		{"/bin/true ;", flags{}, false},
		{"; /bin/true", flags{}, true},
		{"/bin/true ; ; /bin/true", flags{}, true},
		{"'/bin/true", flags{}, true},
	}
	for _, c := range cases {
		cmds, err := parseCommandLine(c.in, testEnv().lookPath)
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
		got, err := parseCommandLine(c.in, testEnv().lookPath)
		if err != nil || !reflect.DeepEqual(got, c.want) {
			t.Errorf("%q:\n got %+v, %v\nwant %+v", c.in, got, err, c.want)
		}
	}
}

func TestExecDirectivesAccumulate(t *testing.T) {
	c := clean(t, "Type=oneshot", "ExecStart=/bin/a", "ExecStart=/bin/b ; /bin/c", "ExecStartPre=/bin/x",
		"ExecStartPre=", "ExecStartPre=-/bin/y", "ExecCondition=/bin/cond", "ExecStartPost=/bin/post",
		"ExecReload=/bin/reload", "ExecStop=/bin/stop", "ExecStopPost=/bin/stoppost")
	var paths []string
	for _, cmd := range c.ExecStart {
		paths = append(paths, cmd.Path)
	}
	if strings.Join(paths, " ") != "/bin/a /bin/b /bin/c" {
		t.Errorf("ExecStart %v", paths)
	}
	if len(c.ExecStartPre) != 1 || c.ExecStartPre[0].Path != "/bin/y" || !c.ExecStartPre[0].IgnoreFailure ||
		c.ExecStartPre[0].File != "/u/a.service" || c.ExecStartPre[0].Line != 6 {
		t.Errorf("ExecStartPre %+v", c.ExecStartPre)
	}
	for name, list := range map[string][]Command{"ExecCondition": c.ExecCondition, "ExecStartPost": c.ExecStartPost,
		"ExecReload": c.ExecReload, "ExecStop": c.ExecStop, "ExecStopPost": c.ExecStopPost} {
		if len(list) != 1 {
			t.Errorf("%s: %+v", name, list)
		}
	}
	if c.ExecStart[1].Line != 3 || c.ExecStart[2].Line != 3 {
		t.Errorf("lines %+v", c.ExecStart)
	}
}

func TestLookPath(t *testing.T) {
	if p, ok := lookPath("sh"); !ok || !strings.HasPrefix(p, "/") {
		t.Errorf("lookPath(sh) = %q, %v", p, ok)
	}
	if _, ok := lookPath("no-such-command-here"); ok {
		t.Error("found a command that does not exist")
	}
}
