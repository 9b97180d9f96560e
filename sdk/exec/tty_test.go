package exec

import (
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestTTYDirectivesAndTerm(t *testing.T) {
	t.Setenv("TERM", "")
	consoleActive = filepath.Join(t.TempDir(), "active")
	os.WriteFile(consoleActive, []byte("tty0 ttyS0\n"), 0o644)
	// getty@tty3.service's settings.
	x, _, _, res := parseLines("TTYPath=/dev/tty3", "TTYReset=yes", "TTYVHangup=yes", "TTYVTDisallocate=yes",
		"UtmpIdentifier=tty3", "StandardInput=tty", "TTYRows=40", "TTYColumns=100", "UtmpMode=login")
	if len(res.Problems) != 0 {
		t.Fatalf("%v", res.Problems)
	}
	ec := x.Exec
	if !ec.TTYReset || !ec.TTYVHangup || !ec.TTYVTDisallocate || ec.UtmpIdentifier != "tty3" || ec.UtmpMode != "login" ||
		ec.TTYRows != 40 || ec.TTYColumns != 100 || len(x.Unenforced) != 0 {
		t.Errorf("%+v %v", ec, x.Unenforced)
	}
	env, _ := x.Environment(nil)
	if !slices.Contains(env, "TERM=linux") {
		t.Errorf("getty on tty3: %v", env)
	}
	// A serial line is vt220; Environment= overrides; /dev/console follows the active console; no terminal, no TERM.
	for _, tc := range []struct {
		lines []string
		want  string
	}{
		{[]string{"TTYPath=/dev/ttyS0", "StandardInput=tty"}, "TERM=vt220"},
		{[]string{"TTYPath=/dev/ttyS0", "Environment=TERM=xterm"}, "TERM=xterm"},
		{[]string{"StandardOutput=tty"}, "TERM=vt220"},
		{[]string{"StandardInput=null"}, ""},
	} {
		x, _, _, _ := parseLines(tc.lines...)
		env, _ := x.Environment(nil)
		var got string
		for _, kv := range env {
			if len(kv) > 5 && kv[:5] == "TERM=" {
				got = kv
			}
		}
		if got != tc.want {
			t.Errorf("%v: %q, want %q", tc.lines, got, tc.want)
		}
	}
	if _, _, _, res := parseLines("UtmpMode=bogus"); !res.Failed() {
		t.Error("UtmpMode=bogus accepted")
	}
	if _, _, _, res := parseLines("TTYRows=-1"); !res.Failed() {
		t.Error("TTYRows=-1 accepted")
	}
}
