package exec

import (
	"reflect"
	"strings"
	"testing"
)

func TestExpand(t *testing.T) {
	env := []string{"A=one", "B=two words", "C=", "D=x  y\tz", `Q="a b" c`, "A=last", "E=$A", "N1=n"}
	cases := []struct {
		argv []string
		want []string
	}{
		{[]string{"/bin/e", "$A"}, []string{"/bin/e", "last"}},
		{[]string{"/bin/e", "$B"}, []string{"/bin/e", "two", "words"}},
		{[]string{"/bin/e", "${B}"}, []string{"/bin/e", "two words"}},
		{[]string{"/bin/e", "$C", "z"}, []string{"/bin/e", "z"}},
		{[]string{"/bin/e", "${C}"}, []string{"/bin/e", ""}},
		{[]string{"/bin/e", "$UNSET"}, []string{"/bin/e"}},
		{[]string{"/bin/e", "x${UNSET}y"}, []string{"/bin/e", "xy"}},
		{[]string{"/bin/e", "$D"}, []string{"/bin/e", "x", "y", "z"}},
		{[]string{"/bin/e", "$Q"}, []string{"/bin/e", "a b", "c"}},
		{[]string{"/bin/e", "--b=${B}!"}, []string{"/bin/e", "--b=two words!"}},
		{[]string{"/bin/e", "a$A"}, []string{"/bin/e", "a$A"}},
		{[]string{"/bin/e", "$$A"}, []string{"/bin/e", "$A"}},
		{[]string{"/bin/e", "$${A}"}, []string{"/bin/e", "${A}"}},
		{[]string{"/bin/e", "$$"}, []string{"/bin/e", "$"}},
		{[]string{"/bin/e", "$"}, []string{"/bin/e", "$"}},
		{[]string{"/bin/e", "x$"}, []string{"/bin/e", "x$"}},
		{[]string{"/bin/e", "${A"}, []string{"/bin/e", "${A"}},
		{[]string{"/bin/e", "${A}${N1}"}, []string{"/bin/e", "lastn"}},
		{[]string{"/bin/e", "$E"}, []string{"/bin/e", "$A"}},
		{[]string{"/bin/e", "$1"}, []string{"/bin/e", "$1"}},
		{[]string{"/bin/e", "$N1"}, []string{"/bin/e", "n"}},
	}
	for _, c := range cases {
		got := Command{Argv: c.argv}.Expand(env)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("Expand(%q) = %q, want %q", c.argv, got, c.want)
		}
	}
	argv := []string{"/bin/e", "$A", "${B}", "$$"}
	if got := (Command{Argv: argv, NoExpand: true}).Expand(env); !reflect.DeepEqual(got, argv) {
		t.Errorf("NoExpand: %q", got)
	}
}

// TestExpandFromUnitFile goes from an ExecStart= line to argv.
func TestExpandFromUnitFile(t *testing.T) {
	cmds, err := parseCommandLine(`/bin/echo $OPTS "${OPTS}" '$OPTS' pre-${X}-post $$HOME`, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := cmds[0].Expand([]string{"OPTS=-a -b", "X=1"})
	want := []string{"/bin/echo", "-a", "-b", "-a -b", "-a", "-b", "pre-1-post", "$HOME"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
	cmds, _ = parseCommandLine(`:/bin/echo $OPTS`, nil)
	if got := cmds[0].Expand([]string{"OPTS=-a -b"}); !reflect.DeepEqual(got, []string{"/bin/echo", "$OPTS"}) {
		t.Errorf(": prefix: %q", got)
	}
}

func FuzzExpand(f *testing.F) {
	f.Add("$A ${B} x$$y ${C", "A=1 2\nB=\"q r\nC=")
	f.Add("$$", "")
	f.Fuzz(func(t *testing.T, line, env string) {
		argv := strings.Fields(line)
		out := Command{Argv: argv}.Expand(strings.Split(env, "\n"))
		if !strings.Contains(line, "$") && !reflect.DeepEqual(out, append([]string{}, argv...)) {
			t.Fatalf("no $ but changed: %q -> %q", argv, out)
		}
		if got := (Command{Argv: argv, NoExpand: true}).Expand(nil); len(got) != len(argv) {
			t.Fatalf("NoExpand changed the word count")
		}
	})
}
