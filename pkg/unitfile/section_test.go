package unitfile

import (
	"slices"
	"strings"
	"testing"
)

func mustParse(t *testing.T, path, in string) *File {
	t.Helper()
	f, err := Parse(path, strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestMerge(t *testing.T) {
	main := mustParse(t, "main", "[Unit]\nAfter=a\n[Service]\nType=simple\n")
	dropin := mustParse(t, "d.conf", "[Install]\nWantedBy=x\n[Unit]\nAfter=b\n")
	secs := Merge(main, nil, dropin)
	var names []string
	for _, s := range secs {
		names = append(names, s.Name)
	}
	if !slices.Equal(names, []string{"Unit", "Service", "Install"}) {
		t.Fatalf("sections %q", names)
	}
	u := secs[0]
	if u.File != "main" || u.Line != 1 || len(u.Entries) != 2 || u.Entries[1].File != "d.conf" || u.Entries[1].Line != 4 {
		t.Errorf("merged Unit %+v", u)
	}
	if len(main.Sections[0].Entries) != 1 {
		t.Error("Merge changed its input")
	}
	if Merge() != nil {
		t.Error("Merge of nothing")
	}
}

func TestFindSection(t *testing.T) {
	secs := Merge(mustParse(t, "f", "[Unit]\n[Install]\n"))
	cases := []struct {
		name string
		find string
		ok   bool
	}{
		{"first", "Unit", true},
		{"second", "Install", true},
		{"absent", "Service", false},
		{"case sensitive", "unit", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := FindSection(secs, c.find)
			if (s != nil) != c.ok || s != nil && s.Name != c.find {
				t.Errorf("FindSection(%q) = %v", c.find, s)
			}
		})
	}
}

func TestValues(t *testing.T) {
	cases := []struct {
		name  string
		files []string
		want  []string
	}{
		{"single", []string{"[Unit]\nAfter=a b\n"}, []string{"a b"}},
		{"repeated keys accumulate", []string{"[Unit]\nAfter=a\nAfter=b\n"}, []string{"a", "b"}},
		{"drop-in adds", []string{"[Unit]\nAfter=a\n", "[Unit]\nAfter=c\n"}, []string{"a", "c"}},
		{"empty assignment resets", []string{"[Unit]\nAfter=a\nAfter=\nAfter=d\n"}, []string{"d"}},
		{"drop-in resets the main file", []string{"[Unit]\nAfter=a\n", "[Unit]\nAfter=\nAfter=e\n"}, []string{"e"}},
		{"reset at the end leaves nothing", []string{"[Unit]\nAfter=a\nAfter=\n"}, nil},
		{"other keys are ignored", []string{"[Unit]\nBefore=x\nAfter=a\n"}, []string{"a"}},
		{"absent key", []string{"[Unit]\nBefore=x\n"}, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var files []*File
			for i, in := range c.files {
				files = append(files, mustParse(t, string(rune('a'+i)), in))
			}
			if got := FindSection(Merge(files...), "Unit").Values("After"); !slices.Equal(got, c.want) {
				t.Errorf("Values = %q, want %q", got, c.want)
			}
		})
	}
	var nilSec *Section
	if nilSec.Values("X") != nil {
		t.Error("nil section has no values")
	}
}

func TestLast(t *testing.T) {
	secs := Merge(mustParse(t, "main", "[Unit]\nDescription=Main\nA=1\n"), mustParse(t, "d.conf", "[Unit]\n\nDescription=Drop-in\n"))
	u := FindSection(secs, "Unit")
	cases := []struct {
		name, key, val, file string
		line                 int
		ok                   bool
	}{
		{"drop-in wins", "Description", "Drop-in", "d.conf", 3, true},
		{"only in main", "A", "1", "main", 3, true},
		{"absent", "B", "", "", 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			e, ok := u.Last(c.key)
			if ok != c.ok || e.Value != c.val || e.File != c.file || e.Line != c.line {
				t.Errorf("Last(%q) = %+v, %v", c.key, e, ok)
			}
		})
	}
	var nilSec *Section
	if _, ok := nilSec.Last("X"); ok {
		t.Error("nil section has no entries")
	}
}
