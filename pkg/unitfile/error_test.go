package unitfile

import "testing"

func TestErrorFormat(t *testing.T) {
	cases := []struct {
		name string
		err  *Error
		want string
	}{
		{"everything", &Error{File: "f", Line: 3, Section: "Unit", Key: "After", Msg: "bad"}, "f:3: [Unit] After: bad"},
		{"file without line", &Error{File: "f", Msg: "unreadable"}, "f: unreadable"},
		{"file, line and key", &Error{File: "f", Line: 1, Key: "A", Msg: "m"}, "f:1: A: m"},
		{"no file", &Error{Section: "Service", Key: "Type", Msg: "unknown"}, "[Service] Type: unknown"},
		{"message only", &Error{Msg: "m"}, "m"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.err.Error(); got != c.want {
				t.Errorf("got %q, want %q", got, c.want)
			}
		})
	}
}
