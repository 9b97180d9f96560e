package signame

import (
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	cases := []struct {
		in   string
		want int
		err  bool
	}{
		{"SIGTERM", 15, false},
		{"TERM", 15, false},
		{"SIGKILL", 9, false},
		{"HUP", 1, false},
		{"SIGABRT", 6, false},
		{"SIGCHLD", 17, false},
		{"15", 15, false},
		{"64", 64, false},
		{"RTMIN", 34, false},
		{"SIGRTMIN+3", 37, false},
		{"RTMAX", 64, false},
		{"SIGRTMAX-2", 62, false},
		{"RTMIN+30", 64, false},
		{"", 0, true},
		{"0", 0, true},
		{"65", 0, true},
		{"-1", 0, true},
		{"sigterm", 0, true},
		{"SIG", 0, true},
		{"SIGSIGTERM", 0, true},
		{"SIGFOO", 0, true},
		{"RTMIN+31", 0, true},
		{"RTMIN-1", 0, true},
		{"RTMAX+1", 0, true},
		{"RTMIN+", 0, true},
		{"RTMIN++1", 0, true},
		{"RTMIN+-1", 0, true},
	}
	for _, c := range cases {
		got, err := Parse(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("Parse(%q) = %d, %v; want %d, error %v", c.in, got, err, c.want, c.err)
		}
		if err != nil && !strings.HasPrefix(err.Error(), "signame: ") {
			t.Errorf("Parse(%q) error %q lacks the package prefix", c.in, err)
		}
	}
}

func TestName(t *testing.T) {
	cases := map[int]string{1: "SIGHUP", 9: "SIGKILL", 15: "SIGTERM", 34: "SIGRTMIN", 40: "SIGRTMIN+6", 64: "SIGRTMIN+30",
		0: "0", 32: "32", 65: "65"}
	for n, want := range cases {
		if got := Name(n); got != want {
			t.Errorf("Name(%d) = %q, want %q", n, got, want)
		}
	}
	for n := 1; n <= RTMax; n++ {
		name := Name(n)
		if n == 32 || n == 33 {
			continue
		}
		if got, err := Parse(name); err != nil || got != n {
			t.Errorf("Parse(Name(%d) = %q) = %d, %v", n, name, got, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"SIGTERM", "RTMIN+3", "15", "SIGRTMAX-1", "X"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := Parse(s)
		if err == nil && (n < 1 || n > RTMax) {
			t.Fatalf("Parse(%q) = %d out of range", s, n)
		}
	})
}
