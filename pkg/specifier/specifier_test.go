package specifier

import (
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

func TestExpandStandardSpecifiers(t *testing.T) {
	var uts unix.Utsname
	if err := unix.Uname(&uts); err != nil {
		t.Fatal(err)
	}
	release := unix.ByteSliceToString(uts.Release[:])
	t.Setenv("TMPDIR", "")
	t.Setenv("TEMP", "")
	t.Setenv("TMP", "")
	u := Unit{Name: "getty@tty1.service", Hostname: "box.example.org", MachineID: "m1", BootID: "b1"}
	inst := Unit{Name: `mount@dev-disk-by\x2dlabel-data.service`}
	plain := Unit{Name: "foo-bar-baz.service"}
	root := Unit{Name: "x@-.service"}
	cases := []struct {
		name string
		u    Unit
		in   string
		want string
	}{
		{"name parts of an instance", u, "%n %N %p %i %I", "getty@tty1.service getty@tty1 getty tty1 tty1"},
		{"host, machine and boot", u, "%H %l %m %b", "box.example.org box m1 b1"},
		{"percent", u, "%%", "%"},
		{"path of an instance", u, "%f", "/tty1"},
		{"escaped instance", inst, "%i", `dev-disk-by\x2dlabel-data`},
		{"unescaped instance", inst, "%I", "dev/disk/by-label/data"},
		{"path of an escaped instance", inst, "%f", "/dev/disk/by-label/data"},
		{"root path instance", root, "%f", "/"},
		{"plain unit", plain, "%p %j %J %f %i %I", "foo-bar-baz baz baz /foo/bar/baz  "},
		{"prefix without dashes", Unit{Name: "foo.service"}, "%j", "foo"},
		{"escaped last component", Unit{Name: `a-b\x20c.service`}, "%j|%J", `b\x20c|b c`},
		{"no specifiers", u, "no specifiers", "no specifiers"},
		{"doubled percent", u, "100%%", "100%"},
		{"lone percent at the end stays", u, "100%", "100%"},
		{"only a percent", u, "%", "%"},
		{"percent before a blank stays", u, "50% off", "50% off"},
		{"percent before punctuation stays", u, "%,%-", "%,%-"},
		{"specifier at the start and end", u, "%p-%i", "getty-tty1"},
		{"kernel release", u, "/lib/modules/%v/modules.devname", "/lib/modules/" + release + "/modules.devname"},
		{"architecture", u, "%a", architecture()},
		{"system manager directories", u, "%t %S %C %L %E %T %V", "/run /var/lib /var/cache /var/log /etc /tmp /var/tmp"},
		{"system manager user", u, "%u %U %g %G %h %s", "root 0 root 0 /root /bin/sh"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Expand(c.in, c.u.Resolver())
			if err != nil || got != c.want {
				t.Errorf("%s: Expand(%q) = %q, %v; want %q", c.u.Name, c.in, got, err, c.want)
			}
		})
	}
}

func TestTmpDirFromEnvironment(t *testing.T) {
	cases := []struct {
		name, tmpdir, temp, tmp, want string
	}{
		{"TMPDIR", "/a", "/b", "/c", "/a"},
		{"TEMP", "", "/b", "/c", "/b"},
		{"TMP", "", "", "/c", "/c"},
		{"relative is ignored", "rel", "", "", "/tmp"},
		{"none", "", "", "", "/tmp"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Setenv("TMPDIR", c.tmpdir)
			t.Setenv("TEMP", c.temp)
			t.Setenv("TMP", c.tmp)
			if got, err := Expand("%T", Unit{Name: "a.service"}.Resolver()); err != nil || got != c.want {
				t.Errorf("%%T = %q, %v; want %q", got, err, c.want)
			}
		})
	}
}

func TestExpandCustomResolver(t *testing.T) {
	r := func(c byte) (string, bool) {
		if c == 'x' {
			return "%y", true // values are not expanded again
		}
		return "", false
	}
	if got, err := Expand("a%xb", r); err != nil || got != "a%yb" {
		t.Errorf("Expand = %q, %v", got, err)
	}
}

func TestExpandErrors(t *testing.T) {
	r := Unit{Name: "a.service"}.Resolver()
	cases := []struct{ name, in, want string }{
		{"unknown specifier", "%z", "specifier: unknown specifier %z"},
		{"unknown after text", "x %Z y", "specifier: unknown specifier %Z"},
		{"unknown digit", "%1", "specifier: unknown specifier %1"},
		{"fragment path is not known here", "%y", "specifier: unknown specifier %y"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Expand(c.in, r); err == nil || err.Error() != c.want {
				t.Errorf("Expand(%q): %v, want %q", c.in, err, c.want)
			}
		})
	}
}

// FuzzExpand: never panics; a string with every % doubled expands to itself; an expansion that succeeds leaves
// no '%' the input did not escape.
func FuzzExpand(f *testing.F) {
	for _, s := range []string{"%n", "a%%b", "%", "%i/%I", "x%zy", "100%", "%%%", "%f%j%J"} {
		f.Add(s)
	}
	r := Unit{Name: `x-a\x2db@y-z.service`, Hostname: "h"}.Resolver()
	f.Fuzz(func(t *testing.T, s string) {
		if got, err := Expand(strings.ReplaceAll(s, "%", "%%"), r); err != nil || got != s {
			t.Fatalf("escaped %q expanded to %q, %v", s, got, err)
		}
		if !strings.Contains(s, "%") {
			if got, err := Expand(s, r); err != nil || got != s {
				t.Fatalf("%q without specifiers expanded to %q, %v", s, got, err)
			}
			return
		}
		got, err := Expand(s, r)
		if err != nil {
			if !strings.HasPrefix(err.Error(), "specifier: unknown specifier %") {
				t.Fatalf("Expand(%q): %v", s, err)
			}
			return
		}
		if n := strings.Count(got, "%"); n > strings.Count(s, "%") {
			t.Fatalf("Expand(%q) = %q has %d '%%'", s, got, n)
		}
	})
}
