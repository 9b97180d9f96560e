package unitfile

import (
	"bytes"
	"errors"
	"strings"
	"testing"
)

func TestFormat(t *testing.T) {
	cases := []struct {
		name string
		in   *File
		want string
	}{
		{"empty file", &File{}, ""},
		{"sections separated by a blank line", &File{Sections: []*Section{
			{Name: "Unit", Entries: []Entry{{Key: "Description", Value: "A b"}, {Key: "After", Value: "x.target"}}},
			{Name: "Service", Entries: []Entry{{Key: "ExecStart", Value: `/bin/sh -c "echo hi"`}}},
		}}, "[Unit]\nDescription=A b\nAfter=x.target\n\n[Service]\nExecStart=/bin/sh -c \"echo hi\"\n"},
		{"empty section and empty value", &File{Sections: []*Section{{Name: "A"}, {Name: "B", Entries: []Entry{{Key: "K"}}}}},
			"[A]\n\n[B]\nK=\n"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := Format(&b, c.in); err != nil || b.String() != c.want {
				t.Fatalf("Format = %q, %v; want %q", b.String(), err, c.want)
			}
			back, err := Parse("u", &b)
			if err != nil || len(back.Sections) != len(c.in.Sections) {
				t.Fatalf("output does not parse back: %v", err)
			}
		})
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

type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestFormatWriteError(t *testing.T) {
	f := &File{Sections: []*Section{{Name: "Unit", Entries: []Entry{{Key: "A", Value: "1"}}}}}
	if err := Format(failWriter{}, f); err == nil || err.Error() != "disk full" {
		t.Fatalf("err = %v", err)
	}
}
