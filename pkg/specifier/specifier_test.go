package specifier

import (
	"strings"
	"testing"
)

func TestExpandStandardSpecifiers(t *testing.T) {
	u := Unit{Name: "getty@tty1.service", Hostname: "box", MachineID: "m1", BootID: "b1"}
	inst := Unit{Name: "mount@dev-disk-by\\x2dlabel-data.service"}
	plain := Unit{Name: "foo-bar-baz.service"}
	cases := []struct {
		u    Unit
		in   string
		want string
	}{
		{u, "%n %N %p %i %I", "getty@tty1.service getty@tty1 getty tty1 tty1"},
		{u, "%H %m %b %%", "box m1 b1 %"},
		{u, "%f", "/tty1"},
		{inst, "%I", "dev/disk/by-label/data"},
		{inst, "%f", "/dev/disk/by-label/data"},
		{plain, "%p %j %J %f %i", "foo-bar-baz baz baz /foo/bar/baz "},
		{u, "no specifiers", "no specifiers"},
		{u, "100%%", "100%"},
	}
	for _, c := range cases {
		got, err := Expand(c.in, c.u.Resolver())
		if err != nil || got != c.want {
			t.Errorf("%s: Expand(%q) = %q, %v; want %q", c.u.Name, c.in, got, err, c.want)
		}
	}
}

func TestExpandErrors(t *testing.T) {
	r := Unit{Name: "a.service"}.Resolver()
	for _, in := range []string{"%z", "trailing %", "%"} {
		if _, err := Expand(in, r); err == nil || !strings.HasPrefix(err.Error(), "specifier:") {
			t.Errorf("Expand(%q): %v", in, err)
		}
	}
}

// FuzzExpand: never panics; a string with every % doubled expands to itself.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{"%n", "a%%b", "%", "%i/%I", "x%zy"} {
		f.Add(s)
	}
	r := Unit{Name: "x@y.service"}.Resolver()
	f.Fuzz(func(t *testing.T, s string) {
		Expand(s, r)
		if got, err := Expand(strings.ReplaceAll(s, "%", "%%"), r); err != nil || got != s {
			t.Fatalf("escaped %q expanded to %q, %v", s, got, err)
		}
	})
}
