package unitfile

import (
	"bytes"
	"errors"
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

func TestParse(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []kv
	}{
		{"sections and entries", "[Unit]\nDescription=Foo\n[Service]\nExecStart=/bin/true\n",
			[]kv{{"Unit", "Description", "Foo"}, {"Service", "ExecStart", "/bin/true"}}},
		{"comments and blank lines", "# c\n; c\n\n[Unit]\n  # indented comment\nA=1\n",
			[]kv{{"Unit", "A", "1"}}},
		{"whitespace around key and value", "[Unit]\n  Key  =   some value  \n", []kv{{"Unit", "Key", "some value"}}},
		{"empty value", "[Unit]\nAfter=\n", []kv{{"Unit", "After", ""}}},
		{"equals in value", "[Service]\nEnvironment=A=B C=D\n", []kv{{"Service", "Environment", "A=B C=D"}}},
		{"continuation", "[Service]\nExecStart=/bin/echo \\\n  a \\\n  b\n", []kv{{"Service", "ExecStart", "/bin/echo    a    b"}}},
		{"comment inside continuation is skipped", "[Service]\nExecStart=/bin/echo \\\n# skipped\n  a\n", []kv{{"Service", "ExecStart", "/bin/echo    a"}}},
		{"continuation at end of file", "[Unit]\nA=x \\", []kv{{"Unit", "A", "x"}}},
		{"escaped backslash does not continue", "[Unit]\nA=x\\\\\nB=y\n", []kv{{"Unit", "A", "x\\\\"}, {"Unit", "B", "y"}}},
		{"repeated keys kept in order", "[Unit]\nAfter=a\nAfter=b\n", []kv{{"Unit", "After", "a"}, {"Unit", "After", "b"}}},
		{"repeated section continues the first", "[Unit]\nA=1\n[Install]\nW=x\n[Unit]\nB=2\n",
			[]kv{{"Unit", "A", "1"}, {"Unit", "B", "2"}, {"Install", "W", "x"}}},
		{"byte order mark", "\xef\xbb\xbf[Unit]\nA=1\n", []kv{{"Unit", "A", "1"}}},
		{"CRLF", "[Unit]\r\nA=1\r\n", []kv{{"Unit", "A", "1"}}},
		{"X- section", "[X-Vendor]\nFoo=bar\n", []kv{{"X-Vendor", "Foo", "bar"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			f, err := Parse("u.service", strings.NewReader(c.in))
			if err != nil {
				t.Fatal(err)
			}
			got := entries(f)
			if len(got) != len(c.want) {
				t.Fatalf("got %q, want %q", got, c.want)
			}
			for i := range got {
				if got[i] != c.want[i] {
					t.Errorf("entry %d: got %q, want %q", i, got[i], c.want[i])
				}
			}
		})
	}
}

func TestEntriesKnowFileAndLine(t *testing.T) {
	f, err := Parse("/etc/x.service", strings.NewReader("[Unit]\n\nA=1\nB=2 \\\n 3\nC=4\n"))
	if err != nil {
		t.Fatal(err)
	}
	lines := map[string]int{"A": 3, "B": 4, "C": 6}
	for _, e := range f.Sections[0].Entries {
		if e.File != "/etc/x.service" || e.Line != lines[e.Key] {
			t.Errorf("%s at %s:%d, want line %d", e.Key, e.File, e.Line, lines[e.Key])
		}
	}
}

func TestParseErrors(t *testing.T) {
	cases := []struct{ name, in, want string }{
		{"no equals", "[Unit]\nJustWords\n", "u.service:2: missing '='"},
		{"entry before any section", "A=1\n", "u.service:1: A: assignment outside of any section"},
		{"bad section header", "[Unit\nA=1\n", "u.service:1: invalid section header"},
		{"empty section name", "[]\n", "u.service:1: invalid section header"},
		{"empty key", "[Unit]\n=x\n", "u.service:2: invalid key name"},
		{"line too long", "[Unit]\nA=" + strings.Repeat("x", MaxLine+10) + "\n", "line too long"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("u.service", strings.NewReader(c.in))
			var ue *Error
			if !errors.As(err, &ue) || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want *Error containing %q", err, c.want)
			}
		})
	}
}

func TestParseFileDirectory(t *testing.T) {
	dir := t.TempDir()
	_, err := ParseFile(dir)
	if err == nil || !strings.Contains(err.Error(), dir) || !strings.Contains(err.Error(), "directory") {
		t.Fatalf("err = %v", err)
	}
}

func TestErrorFormat(t *testing.T) {
	cases := map[string]*Error{
		"f:3: [Unit] After: bad":  {File: "f", Line: 3, Section: "Unit", Key: "After", Msg: "bad"},
		"f: unreadable":           {File: "f", Msg: "unreadable"},
		"[Service] Type: unknown": {Section: "Service", Key: "Type", Msg: "unknown"},
	}
	for want, e := range cases {
		if e.Error() != want {
			t.Errorf("%#v -> %q, want %q", e, e.Error(), want)
		}
	}
}

func TestMergeValuesLast(t *testing.T) {
	main, _ := Parse("main", strings.NewReader("[Unit]\nAfter=a b\nDescription=Main\n"))
	dropin, _ := Parse("d.conf", strings.NewReader("[Unit]\nAfter=c\nDescription=Drop-in\n[Install]\nWantedBy=x\n"))
	reset, _ := Parse("r.conf", strings.NewReader("[Unit]\nAfter=\nAfter=d\n"))
	secs := Merge(main, dropin)
	u := FindSection(secs, "Unit")
	if got := u.Values("After"); strings.Join(got, "|") != "a b|c" {
		t.Errorf("Values = %q", got)
	}
	if e, ok := u.Last("Description"); !ok || e.Value != "Drop-in" || e.File != "d.conf" || e.Line != 3 {
		t.Errorf("Last = %+v %v", e, ok)
	}
	if FindSection(secs, "Install") == nil || FindSection(secs, "Service") != nil {
		t.Error("FindSection")
	}
	if got := FindSection(Merge(main, dropin, reset), "Unit").Values("After"); strings.Join(got, "|") != "d" {
		t.Errorf("empty assignment must reset: %q", got)
	}
	var nilSec *Section
	if nilSec.Values("X") != nil {
		t.Error("nil section has no values")
	}
}

func TestFormatRoundTrip(t *testing.T) {
	in := "[Unit]\nDescription=A b\nAfter=x.target\n\n[Service]\nExecStart=/bin/sh -c \"echo hi\"\n"
	f, err := Parse("u", strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	if err := Format(&b, f); err != nil {
		t.Fatal(err)
	}
	if b.String() != in {
		t.Errorf("Format:\n%s\nwant:\n%s", b.String(), in)
	}
}

// FuzzParse: the parser never panics, and what it accepts survives Format and a second Parse unchanged.
func FuzzParse(f *testing.F) {
	for _, s := range []string{"[Unit]\nA=1\n", "[Unit]\nA=x \\\n y\n", "[S]\n# c\n;c\nK = v\n[T]\n", "\xef\xbb\xbf[A]\nB=\"c\"\n", "A=1", "[", "[Unit]\nA=\\"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Parse("fuzz", bytes.NewReader(data))
		if err != nil {
			var ue *Error
			if !errors.As(err, &ue) {
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
