package control

import "testing"

func TestParseRequest(t *testing.T) {
	for _, c := range []struct {
		req, verb, arg string
		ok             bool
	}{
		{"reload", "reload", "", true},
		{"log-level debug", "log-level", "debug", true},
		{"children-max 4", "children-max", "4", true},
		{"ping", "ping", "", true},
		{"settle", "settle", "", true},
		{"exit now", "", "", false},
		{"log-level", "", "", false},
		{"frobnicate", "", "", false},
		{"", "", "", false},
	} {
		v, a, err := ParseRequest(c.req)
		if (err == nil) != c.ok || v != c.verb || a != c.arg {
			t.Errorf("ParseRequest(%q) = %q, %q, %v", c.req, v, a, err)
		}
	}
	if ParseAnswer(Answer(nil)) != nil {
		t.Error("ok answer is an error")
	}
	if err := ParseAnswer("error: boom"); err == nil || err.Error() != "boom" {
		t.Errorf("error answer: %v", err)
	}
	if ParseAnswer("garbage") == nil {
		t.Error("malformed answer accepted")
	}
}

func FuzzParseRequest(f *testing.F) {
	f.Add("children-max 4")
	f.Fuzz(func(t *testing.T, s string) {
		v, a, err := ParseRequest(s)
		if err != nil {
			return
		}
		if v2, a2, err := ParseRequest(v + " " + a); a != "" && (err != nil || v2 != v || a2 != a) {
			t.Fatalf("%q does not round-trip", s)
		}
	})
}
