package exec

import (
	"reflect"
	"testing"
)

func TestParseEnvFile(t *testing.T) {
	cases := []struct {
		name, text string
		want       []string
	}{
		{"plain", "A=1\nB=two words\n", []string{"A=1", "B=two words"}},
		{"comments and blanks", "# c\n; c\n\n   \nA=1\n  # indented comment\n", []string{"A=1"}},
		{"no equals", "JUNK\nA=1\n", []string{"A=1"}},
		{"spaces around", "  A  =   x y  \t\n", []string{"A=x y"}},
		{"empty value", "A=\nB=", []string{"A=", "B="}},
		{"no final newline", "A=1", []string{"A=1"}},
		{"double quotes", `A="  x  y "` + "\n", []string{"A=  x  y "}},
		{"double escapes", `A="q\"b\\s\$d\` + "`" + `t\n"`, []string{"A=q\"b\\s$d`t\\n"}},
		{"double multiline", "A=\"one\ntwo\"\nB=3", []string{"A=one\ntwo", "B=3"}},
		{"double continuation", "A=\"one\\\ntwo\"", []string{"A=onetwo"}},
		{"single quotes", `A='x \n "y" $z'`, []string{`A=x \n "y" $z`}},
		{"single multiline", "A='a\nb'", []string{"A=a\nb"}},
		{"joined quotes", `A="a"'b'c`, []string{"A=abc"}},
		{"spaced quotes", `A="a" 'b'`, []string{"A=ab"}},
		{"interior quotes kept", `A=x "y z"`, []string{`A=x "y z"`}},
		{"unquoted escapes", `A=a\ b\\c\qd`, []string{`A=a b\cqd`}},
		{"escaped trailing space", "A=x\\ \n", []string{"A=x "}},
		{"continuation", "A=one \\\n  two\nB=2", []string{"A=one   two", "B=2"}},
		{"comment continuation", "# a \\\nA=1", []string{"A=1"}},
		{"export is not special", "export A=1\nB=2", []string{"B=2"}},
		{"invalid name", "1A=1\nA-B=2\nC=3", []string{"C=3"}},
		{"later wins in order", "A=1\nA=2", []string{"A=1", "A=2"}},
		{"crlf", "A=1\r\nB=2\r\n", []string{"A=1", "B=2"}},
		{"unterminated quote", `A="abc`, []string{"A=abc"}},
		{"dollar kept", "A=$B ${C}", []string{"A=$B ${C}"}},
	}
	for _, c := range cases {
		got := parseEnvFile(c.text)
		if !reflect.DeepEqual(got, c.want) {
			t.Errorf("%s: %q\n got %q\nwant %q", c.name, c.text, got, c.want)
		}
	}
}

func FuzzParseEnvFile(f *testing.F) {
	f.Add("A=1\nB=\"x\\\ny\"\n# c\nC='q'")
	f.Fuzz(func(t *testing.T, text string) {
		for _, kv := range parseEnvFile(text) {
			if !ValidEnvAssignment(kv) {
				t.Fatalf("invalid assignment %q from %q", kv, text)
			}
		}
	})
}
