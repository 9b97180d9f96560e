package unitname

import (
	"strings"
	"testing"
)

func TestValid(t *testing.T) {
	cases := []struct {
		name string
		ok   bool
	}{
		{"a.service", true},
		{"getty@tty1.service", true},
		{"getty@.service", true},
		{"dev-sda1.device", true},
		{"a:b_c.d-e.target", true},
		{`x\x2dy.mount`, true},
		{"hello.run", true},
		{"a.b.c.socket", true},
		{strings.Repeat("a", MaxLength-len(".service")) + ".service", true},
		{strings.Repeat("a", MaxLength-len(".service")+1) + ".service", false},
		{"", false},
		{"noext", false},
		{".service", false},
		{"a.", false},
		{"a@b@c.service", true}, // the instance may contain '@', as in systemd
		{"@a.service", false},
		{"@.service", false},
		{"a b.service", false},
		{"a/b.service", false},
		{"a.Service", false},
		{"a.ser_vice", false},
		{"ü.service", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if Valid(c.name) != c.ok {
				t.Errorf("Valid(%q) = %v", c.name, !c.ok)
			}
		})
	}
}

func TestSplit(t *testing.T) {
	cases := []struct {
		name, prefix, instance, suffix, typ string
		template, instanceOK                bool
		tmpl                                string
	}{
		{"getty@tty1.service", "getty", "tty1", "service", "service", false, true, "getty@.service"},
		{"getty@.service", "getty", "", "service", "service", true, false, "getty@.service"},
		{"a.service", "a", "", "service", "service", false, false, "a.service"},
		{"a.b.target", "a.b", "", "target", "target", false, false, "a.b.target"},
		{"x@a.b.socket", "x", "a.b", "socket", "socket", false, true, "x@.socket"},
		{"noext", "noext", "", "", "", false, false, "noext"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p, i, s := Split(c.name)
			if p != c.prefix || i != c.instance || s != c.suffix {
				t.Errorf("Split = %q %q %q", p, i, s)
			}
			if Type(c.name) != c.typ || IsTemplate(c.name) != c.template || IsInstance(c.name) != c.instanceOK || Template(c.name) != c.tmpl {
				t.Errorf("Type %q IsTemplate %v IsInstance %v Template %q", Type(c.name), IsTemplate(c.name), IsInstance(c.name), Template(c.name))
			}
		})
	}
}

func TestInstantiate(t *testing.T) {
	cases := []struct {
		name, template, instance, want string
	}{
		{"plain", "getty@.service", "tty2", "getty@tty2.service"},
		{"escaped instance", "mount@.service", `dev-disk-by\x2dlabel`, `mount@dev-disk-by\x2dlabel.service`},
		{"not a template", "a.service", "x", ""},
		{"an instance is not a template", "a@b.service", "x", ""},
		{"invalid instance", "getty@.service", "tty 2", ""},
		{"second @ in the instance", "getty@.service", "a@b", "getty@a@b.service"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := Instantiate(c.template, c.instance)
			if got != c.want || (err == nil) != (c.want != "") {
				t.Fatalf("Instantiate(%q, %q) = %q, %v", c.template, c.instance, got, err)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "unitname: ") {
				t.Errorf("error %q", err)
			}
		})
	}
}
