package manager

import (
	"slices"
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
