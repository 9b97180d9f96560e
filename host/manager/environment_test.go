package manager

import (
	"slices"
	"strings"
	"testing"
)

func TestChangeEnvironment(t *testing.T) {
	for _, tc := range []struct {
		env, unset, set, want []string
		bad                   bool
	}{
		{nil, nil, []string{"A=1", "B=2"}, []string{"A=1", "B=2"}, false},
		{[]string{"A=1", "B=2"}, nil, []string{"A=3"}, []string{"A=3", "B=2"}, false},
		{[]string{"A=1", "B=2"}, []string{"A"}, nil, []string{"B=2"}, false},
		{[]string{"A=1"}, []string{"A=2"}, nil, []string{"A=1"}, false}, // NAME=VALUE unsets a match only
		{[]string{"A=1"}, []string{"A=1"}, nil, []string{}, false},
		{[]string{"A=1"}, []string{"A"}, []string{"A=5"}, []string{"A=5"}, false}, // unset, then set
		{[]string{"A=1"}, nil, []string{"NOEQUALS"}, nil, true},
		{[]string{"A=1"}, nil, []string{"1A=x"}, nil, true},
		{[]string{"A=1"}, []string{"B-C"}, nil, nil, true},
		{nil, nil, []string{"=x"}, nil, true},
	} {
		got, err := changeEnvironment(tc.env, tc.unset, tc.set)
		if (err != nil) != tc.bad {
			t.Errorf("%v -%v +%v: error %v, want bad=%v", tc.env, tc.unset, tc.set, err, tc.bad)
			continue
		}
		if !tc.bad && !slices.Equal(got, tc.want) && !(len(got) == 0 && len(tc.want) == 0) {
			t.Errorf("%v -%v +%v = %v, want %v", tc.env, tc.unset, tc.set, got, tc.want)
		}
	}
}

// FuzzChangeEnvironment: whatever is asked, a change either fails and changes nothing, or leaves only valid,
// unique names, with every set entry present.
func FuzzChangeEnvironment(f *testing.F) {
	f.Add("A=1\x00B=2", "A", "C=3")
	f.Add("", "1X", "=")
	f.Add("A=1", "A=1", "A=2\x00A=3")
	f.Fuzz(func(t *testing.T, env, unset, set string) {
		split := func(s string) []string {
			if s == "" {
				return nil
			}
			return strings.Split(s, "\x00")
		}
		in := split(env)
		out, err := changeEnvironment(in, split(unset), split(set))
		if err != nil {
			return
		}
		// Each variable set is there once, with the last value given; what was unset is gone.
		last := map[string]string{}
		for _, s := range split(set) {
			name, _, _ := strings.Cut(s, "=")
			last[name] = s
		}
		for name, s := range last {
			n := 0
			for _, kv := range out {
				if strings.HasPrefix(kv, name+"=") {
					n++
				}
			}
			if !slices.Contains(out, s) || n != 1 && !slices.ContainsFunc(in, func(kv string) bool { return strings.HasPrefix(kv, name+"=") }) {
				t.Fatalf("set %q: %q", s, out)
			}
		}
		for _, u := range split(unset) {
			if _, ok := last[strings.SplitN(u, "=", 2)[0]]; !ok && !strings.Contains(u, "=") && slices.ContainsFunc(out, func(kv string) bool { return strings.HasPrefix(kv, u+"=") }) {
				t.Fatalf("unset %q: %q", u, out)
			}
		}
	})
}
