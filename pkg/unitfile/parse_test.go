package unitfile

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

type kv struct{ sec, key, val string }

func entries(f *File) []kv {
	var out []kv
	for _, s := range f.Sections {
		for _, e := range s.Entries {
			out = append(out, kv{s.Name, e.Key, e.Value})
		}
	}
	return out
}

func sectionNames(f *File) []string {
	var out []string
	for _, s := range f.Sections {
		out = append(out, s.Name)
	}
	return out
}

func TestParse(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []kv
	}{
		{"sections and entries", "[Unit]\nDescription=Foo\n[Service]\nExecStart=/bin/true\n",
			[]kv{{"Unit", "Description", "Foo"}, {"Service", "ExecStart", "/bin/true"}}},
		{"hash and semicolon comments", "# c\n; c\n\n[Unit]\n# A=0\n; A=0\nA=1\n", []kv{{"Unit", "A", "1"}}},
		{"indented comment", "[Unit]\n  \t# indented\nA=1\n", []kv{{"Unit", "A", "1"}}},
		{"comment character inside a value is kept", "[Unit]\nA=x # not a comment\n", []kv{{"Unit", "A", "x # not a comment"}}},
		{"whitespace around key and value", "[Unit]\n  Key  =   some value  \n", []kv{{"Unit", "Key", "some value"}}},
		{"tabs around key and value", "[Unit]\n\tKey\t=\tv\t\n", []kv{{"Unit", "Key", "v"}}},
		{"empty value", "[Unit]\nAfter=\n", []kv{{"Unit", "After", ""}}},
		{"equals in value", "[Service]\nEnvironment=A=B C=D\n", []kv{{"Service", "Environment", "A=B C=D"}}},
		{"quotes are left in the value", "[Service]\nExecStart=/bin/sh -c \"echo hi\"\n", []kv{{"Service", "ExecStart", `/bin/sh -c "echo hi"`}}},
		{"continuation", "[Service]\nExecStart=/bin/echo \\\n  a \\\n  b\n", []kv{{"Service", "ExecStart", "/bin/echo    a    b"}}},
		{"continuation without space", "[Unit]\nA=x\\\ny\n", []kv{{"Unit", "A", "x y"}}},
		{"hash comment inside continuation is skipped", "[Service]\nExecStart=/bin/echo \\\n# skipped\n  a\n", []kv{{"Service", "ExecStart", "/bin/echo    a"}}},
		{"semicolon comment inside continuation is skipped", "[Service]\nExecStart=a \\\n  ; skipped\nb\n", []kv{{"Service", "ExecStart", "a  b"}}},
		{"comments inside a continuation do not end it", "[Unit]\nA=b\\\n;c\n#d\nB=1\n", []kv{{"Unit", "A", "b B=1"}}},
		{"blank line ends a continuation", "[Unit]\nA=1 \\\n\nB=2\n", []kv{{"Unit", "A", "1"}, {"Unit", "B", "2"}}},
		{"continuation at end of file", "[Unit]\nA=x \\", []kv{{"Unit", "A", "x"}}},
		{"continuation with trailing blanks after the backslash", "[Unit]\nA=x\\  \t\ny\n", []kv{{"Unit", "A", "x y"}}},
		{"escaped backslash does not continue", "[Unit]\nA=x\\\\\nB=y\n", []kv{{"Unit", "A", "x\\\\"}, {"Unit", "B", "y"}}},
		{"three backslashes continue", "[Unit]\nA=x\\\\\\\ny\n", []kv{{"Unit", "A", "x\\\\ y"}}},
		{"repeated keys kept in order", "[Unit]\nAfter=a\nAfter=b\n", []kv{{"Unit", "After", "a"}, {"Unit", "After", "b"}}},
		{"repeated section continues the first", "[Unit]\nA=1\n[Install]\nW=x\n[Unit]\nB=2\n",
			[]kv{{"Unit", "A", "1"}, {"Unit", "B", "2"}, {"Install", "W", "x"}}},
		{"byte order mark", "\xef\xbb\xbf[Unit]\nA=1\n", []kv{{"Unit", "A", "1"}}},
		{"CRLF line ends", "[Unit]\r\nA=1\r\nB=2 \\\r\n 3\r\n", []kv{{"Unit", "A", "1"}, {"Unit", "B", "2   3"}}},
		{"X- section", "[X-Vendor]\nFoo=bar\n", []kv{{"X-Vendor", "Foo", "bar"}}},
		{"no final newline", "[Unit]\nA=1", []kv{{"Unit", "A", "1"}}},
		{"empty file", "", nil},
		{"only comments", "# nothing\n;here\n", nil},
		{"line of exactly MaxLine bytes", "[Unit]\nA=" + strings.Repeat("x", MaxLine-2) + "\n", []kv{{"Unit", "A", strings.Repeat("x", MaxLine-2)}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse("u.service", strings.NewReader(c.in))
			if err != nil {
				t.Fatal(err)
			}
			got := entries(f)
			if len(got) != len(c.want) {
				t.Fatalf("got %d entries %.200q, want %.200q", len(got), got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("entry %d: got %.200q, want %.200q", i, got[i], c.want[i])
				}
			}
		})
	}
}

func TestParseSections(t *testing.T) {
	cases := []struct {
		name, in string
		want     []string
	}{
		{"order of first appearance", "[B]\n[A]\n[B]\n", []string{"B", "A"}},
		{"empty section is kept", "[Unit]\n[Install]\nA=1\n", []string{"Unit", "Install"}},
		{"names are case sensitive", "[unit]\n[Unit]\n", []string{"unit", "Unit"}},
		{"blanks around the header", "  [Unit]  \n", []string{"Unit"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse("u", strings.NewReader(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := sectionNames(f); strings.Join(got, "|") != strings.Join(c.want, "|") {
				t.Errorf("sections %q, want %q", got, c.want)
			}
		})
	}
}

func TestEntriesKnowFileAndLine(t *testing.T) {
	in := "\xef\xbb\xbf# c\n[Unit]\n\nA=1\nB=2 \\\n# skipped\n 3\nC=4\n[Install]\nD=5\n"
	f, err := Parse("/etc/x.service", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"A": 4, "B": 5, "C": 8, "D": 10}
	n := 0
	for _, s := range f.Sections {
		for _, e := range s.Entries {
			n++
			if e.File != "/etc/x.service" || e.Line != want[e.Key] {
				t.Errorf("%s at %s:%d, want line %d", e.Key, e.File, e.Line, want[e.Key])
			}
		}
	}
	if n != len(want) {
		t.Errorf("%d entries", n)
	}
	if s := f.Sections[1]; s.Name != "Install" || s.File != "/etc/x.service" || s.Line != 9 {
		t.Errorf("section %s at %s:%d", s.Name, s.File, s.Line)
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"unclosed section header", "[Unit\nA=1\n", "u.service:1: invalid section header"},
		{"text after section header", "[Unit] x\n", "u.service:1: invalid section header"},
		{"nested brackets", "[Un[it]\n", "u.service:1: invalid section header"},
		{"empty section name", "[]\n", "u.service:1: invalid section header"},
		{"physical line too long", "[Unit]\nA=" + strings.Repeat("x", MaxLine+10) + "\n", "u.service:2: line too long"},
		{"logical line too long", "[Unit]\nA=" + strings.Repeat("x", MaxLine/2) + "\\\n" + strings.Repeat("y", MaxLine/2) + "\n", "u.service:2: line too long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("u.service", strings.NewReader(c.in))
			var ue *Error
			if !errors.As(err, &ue) || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("err = %.200v, want *Error starting %q", err, c.want)
			}
		})
	}
}

// TestParseWarnings: the lines systemd's parser logs and skips ("Missing '=', ignoring line.", "Assignment
// outside of section. Ignoring.") leave the rest of the file parsed.
func TestParseWarnings(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"no equals", "[Unit]\nJustWords\nB=2\n", "u.service:2: Missing '=', ignoring line"},
		{"no equals after a continuation", "[Unit]\nB=2\nA \\\nC\n", "u.service:3: Missing '='"},
		{"entry before any section", "A=1\n[Unit]\nB=2\n", "u.service:1: A: Assignment outside of section. Ignoring."},
		{"entry before any section after comments", "# c\n\nA=1\n[Unit]\nB=2\n", "u.service:3: A: Assignment outside of section. Ignoring."},
		{"empty key", "[Unit]\n=x\nB=2\n", "u.service:2: Invalid key name"},
		{"blank inside key", "[Unit]\nA B=x\nB=2\n", "u.service:2: Invalid key name"},
		{"quote in key", "[Unit]\n\"A\"=x\nB=2\n", "u.service:2: Invalid key name"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse("u.service", strings.NewReader(c.in))
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if len(f.Warnings) != 1 || !strings.HasPrefix(f.Warnings[0].Error(), c.want) {
				t.Fatalf("warnings %v, want one starting %q", f.Warnings, c.want)
			}
			if s := FindSection(f.Sections, "Unit"); s == nil || len(s.Entries) != 1 || s.Entries[0].Key != "B" {
				t.Fatalf("the rest of the file was not kept: %+v", f.Sections)
			}
		})
	}
}

func TestParseFile(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "a.service")
	if err := os.WriteFile(good, []byte("[Unit]\nA=1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name, path, want string
	}{
		{"regular file", good, ""},
		{"directory", dir, dir + ": is a directory"},
		{"missing file", filepath.Join(dir, "none.service"), filepath.Join(dir, "none.service") + ": "},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := ParseFile(c.path)
			if c.want == "" {
				if err != nil || f.Path != c.path || len(entries(f)) != 1 || f.Sections[0].Entries[0].File != c.path {
					t.Fatalf("ParseFile = %+v, %v", f, err)
				}
				return
			}
			var ue *Error
			if !errors.As(err, &ue) || ue.Line != 0 || !strings.HasPrefix(err.Error(), c.want) {
				t.Fatalf("err = %v, want *Error starting %q", err, c.want)
			}
		})
	}
}

// FuzzParse: the parser never panics, fails only with *Error, and what it accepts survives Format and a second
// Parse with the same sections and entries.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"[Unit]\nA=1\n", "[Unit]\nA=x \\\n y\n", "[S]\n# c\n;c\nK = v\n[T]\n", "\xef\xbb\xbf[A]\nB=\"c\"\n",
		"A=1", "[", "[Unit]\nA=\\", "[Unit]\nA=b\\\n;c\n#d\nB=1\n", "[ a ]\r\nK=v\r\n[a]\n", "[U]\nA=x\\\\\n"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz", bytes.NewReader(data))
		if err != nil {
			var ue *Error
			if !errors.As(err, &ue) || ue.File != "fuzz" {
				t.Fatalf("error of type %T: %v", err, err)
			}
			return
		}
		for _, s := range file.Sections {
			for _, e := range s.Entries {
				if strings.ContainsAny(e.Value, "\n\r") || oddBackslashes(e.Value) {
					return // values Format cannot write back
				}
			}
		}
		var b bytes.Buffer
		if err := Format(&b, file); err != nil {
			t.Fatal(err)
		}
		again, err := Parse("fuzz", &b)
		if err != nil {
			t.Fatalf("formatted output does not parse: %v\n%q", err, b.String())
		}
		if a, z := sectionNames(file), sectionNames(again); strings.Join(a, "\x00") != strings.Join(z, "\x00") || len(a) != len(z) {
			t.Fatalf("round trip changed sections: %q -> %q", a, z)
		}
		a, z := entries(file), entries(again)
		if len(a) != len(z) {
			t.Fatalf("round trip changed entries: %q -> %q", a, z)
		}
		for i := range a {
			if a[i] != z[i] {
				t.Fatalf("round trip changed entry %d: %q -> %q", i, a[i], z[i])
			}
		}
	})
}
