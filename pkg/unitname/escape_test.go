package unitname

import (
	"errors"
	"strings"
	"testing"
)

func TestEscape(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"slash", "foo/bar", "foo-bar"},
		{"dash", "a-b", `a\x2db`},
		{"leading dot", ".hidden", `\x2ehidden`},
		{"inner dot", "a.b", "a.b"},
		{"blank", "a b", `a\x20b`},
		{"backslash", `a\b`, `a\x5cb`},
		{"allowed punctuation", "a:b_c", "a:b_c"},
		{"utf-8", "ü", `\xc3\xbc`},
		{"path", "dev/disk/by-label/x", `dev-disk-by\x2dlabel-x`},
		{"empty", "", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Escape(c.in); got != c.want {
				t.Errorf("Escape(%q) = %q, want %q", c.in, got, c.want)
			}
			if back, err := Unescape(c.want); err != nil || back != c.in {
				t.Errorf("Unescape(%q) = %q, %v", c.want, back, err)
			}
		})
	}
}

func TestUnescapeErrors(t *testing.T) {
	for _, bad := range []string{`\x`, `\x4`, `\q00`, `\xzz`, `a\`, `\x+1`} {
		t.Run(bad, func(t *testing.T) {
			if got, err := Unescape(bad); err == nil || !strings.HasPrefix(err.Error(), "unitname: ") {
				t.Errorf("Unescape(%q) = %q, %v", bad, got, err)
			}
		})
	}
}

func TestEscapePath(t *testing.T) {
	cases := []struct {
		name, in, want string
	}{
		{"absolute", "/dev/sda1", "dev-sda1"},
		{"doubled and trailing slashes", "/dev//sda1/", "dev-sda1"},
		{"root", "/", "-"},
		{"empty", "", "-"},
		{"relative", "var/lib", "var-lib"},
		{"dot components", "/a/./b", "a-b"},
		{"dot-dot under the root", "/../a", "a"},
		{"inner dot-dot", "/a/../b", ""},
		{"dot", ".", ""},
		{"component too long", "/" + strings.Repeat("a", 256), ""},
		{"dash inside", "/dev/disk/by-label/x", `dev-disk-by\x2dlabel-x`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := EscapePath(c.in)
			if got != c.want || (err == nil) != (c.want != "") || err != nil && !errors.Is(err, ErrInvalid) {
				t.Errorf("EscapePath(%q) = %q, %v", c.in, got, err)
			}
		})
	}
}

// FuzzUnescape: Unescape and UnescapePath never panic; Escape of any string (valid UTF-8 or not) is made of name
// characters only and Unescape undoes it; what UnescapePath accepts, EscapePath gives back; Mangle's result is
// valid and mangles to itself.
func FuzzUnescape(f *testing.F) {
	for _, s := range []string{"foo/bar", "a-b", ".x", `\x2d`, "ü", "", "\xff\x00", "/dev/disk/by-label/x", `\x`, "-", "a--b", "/../x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if u, err := Unescape(s); err != nil && u != "" {
			t.Fatalf("Unescape(%q) = %q with error %v", s, u, err)
		}
		e := Escape(s)
		for i := 0; i < len(e); i++ {
			if !validChar(e[i]) {
				t.Fatalf("Escape(%q) = %q has %q", s, e, e[i])
			}
		}
		if strings.HasPrefix(e, ".") {
			t.Fatalf("Escape(%q) = %q starts with a dot", s, e)
		}
		if back, err := Unescape(e); err != nil || back != s {
			t.Fatalf("%q -> %q -> %q, %v", s, e, back, err)
		}
		if p, err := UnescapePath(s); err == nil {
			again, err := EscapePath(p)
			if err != nil {
				t.Fatalf("UnescapePath(%q) = %q, which does not escape: %v", s, p, err)
			}
			if back, err := UnescapePath(again); err != nil || back != p {
				t.Fatalf("path %q -> %q -> %q, %v", p, again, back, err)
			}
		}
		if m, _, err := Mangle(s, ".service", false); err == nil {
			if !systemdValid(m, KindAny) {
				t.Fatalf("Mangle(%q) = %q, not valid", s, m)
			}
			if again, changed, err := Mangle(m, ".service", false); again != m || changed || err != nil {
				t.Fatalf("Mangle(%q) = %q, then %q, %v, %v", s, m, again, changed, err)
			}
		}
	})
}
