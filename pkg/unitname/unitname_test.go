package unitname

import "testing"

func TestValid(t *testing.T) {
	for _, n := range []string{"a.service", "getty@tty1.service", "getty@.service", "dev-sda1.device", "a:b_c.d-e.target", `x\x2dy.mount`, "hello.run"} {
		if !Valid(n) {
			t.Errorf("%q should be valid", n)
		}
	}
	for _, n := range []string{"", "noext", ".service", "a.", "a@b@c.service", "@a.service", "a b.service", "a/b.service", "a.Service"} {
		if Valid(n) {
			t.Errorf("%q should be invalid", n)
		}
	}
}

func TestParts(t *testing.T) {
	p, i, s := Split("getty@tty1.service")
	if p != "getty" || i != "tty1" || s != "service" {
		t.Errorf("Split: %q %q %q", p, i, s)
	}
	if !IsTemplate("getty@.service") || IsTemplate("getty@tty1.service") || IsTemplate("a.service") {
		t.Error("IsTemplate")
	}
	if !IsInstance("getty@tty1.service") || IsInstance("getty@.service") {
		t.Error("IsInstance")
	}
	if Template("getty@tty1.service") != "getty@.service" || Template("a.service") != "a.service" {
		t.Error("Template")
	}
	if n, err := Instantiate("getty@.service", "tty2"); err != nil || n != "getty@tty2.service" {
		t.Errorf("Instantiate: %q %v", n, err)
	}
	if _, err := Instantiate("a.service", "x"); err == nil {
		t.Error("Instantiate of a non-template")
	}
	if Type("x.socket") != "socket" {
		t.Error("Type")
	}
}

func TestEscape(t *testing.T) {
	cases := map[string]string{"foo/bar": "foo-bar", "a-b": `a\x2db`, ".hidden": `\x2ehidden`, "a b": `a\x20b`, "dev/disk/by-label/x": `dev-disk-by\x2dlabel-x`}
	for in, want := range cases {
		if got := Escape(in); got != want {
			t.Errorf("Escape(%q) = %q, want %q", in, got, want)
		}
		if back, err := Unescape(want); err != nil || back != in {
			t.Errorf("Unescape(%q) = %q, %v", want, back, err)
		}
	}
	if p := EscapePath("/dev//sda1/"); p != "dev-sda1" {
		t.Errorf("EscapePath = %q", p)
	}
	if p := EscapePath("/"); p != "-" {
		t.Errorf("EscapePath(/) = %q", p)
	}
	if p, err := UnescapePath("dev-sda1"); err != nil || p != "/dev/sda1" {
		t.Errorf("UnescapePath = %q %v", p, err)
	}
	for _, bad := range []string{`\x`, `\x4`, `\q00`, `\xzz`} {
		if _, err := Unescape(bad); err == nil {
			t.Errorf("Unescape(%q) accepted", bad)
		}
	}
}

// FuzzUnescape: Unescape never panics, and Escape is always undone by Unescape.
func FuzzUnescape(f *testing.F) {
	for _, s := range []string{"foo/bar", "a-b", ".x", `\x2d`, "ü", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		Unescape(s)
		if back, err := Unescape(Escape(s)); err != nil || back != s {
			t.Fatalf("%q -> %q -> %q, %v", s, Escape(s), back, err)
		}
	})
}
