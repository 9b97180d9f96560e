package fnmatch

import "testing"

func TestMatch(t *testing.T) {
	for _, c := range []struct {
		p, s string
		ok   bool
	}{
		{"sd*", "sda1", true}, {"*", "a/b", true}, {"ttyACM[0-9]*", "ttyACM0", true}, {"*[!0-9]", "sda", true},
		{"*[!0-9]", "sda1", false}, {"ttyACM?[0-9]", "ttyACM0", false}, {"a\\*", "a*", true}, {"a\\*", "ab", false},
		{"[[:digit:]]x", "7x", true}, {"[]]", "]", true}, {"[a", "[a", true}, {"?", "", false}, {"", "", true},
	} {
		if got := Match(c.p, c.s); got != c.ok {
			t.Errorf("fnmatch(%q, %q) = %v", c.p, c.s, got)
		}
	}
}
