package execprop

import (
	"reflect"
	"testing"
	"time"
)

// Encode and Decode keep every argument as it was, spaces and quotes included; Decode refuses other text.
func TestEncodeDecode(t *testing.T) {
	cmds := []Command{
		{Path: "/bin/sh", Argv: []string{"/bin/sh", "-c", `echo "a b" \ c`}, Flags: []string{"ignore-failure", "privileged"}},
		{Path: "/bin/sleep", Argv: []string{"sl", "", "5"}},
	}
	got, ok := Decode(Encode(cmds))
	if !ok || !reflect.DeepEqual(got, cmds) {
		t.Fatalf("Decode(Encode) = %#v %v, want %#v", got, ok, cmds)
	}
	if got, ok := Decode(""); !ok || got != nil {
		t.Errorf("Decode(\"\") = %v %v", got, ok)
	}
	for _, bad := range []string{"{ path=/bin/true ; argv[]=/bin/true ; ignore_errors=no }", `{ path="/x" ; argv[]="/x ; flags= }`,
		`{ path="/x" ; argv[]="/x" ; flags=`, "/bin/true"} {
		if _, ok := Decode(bad); ok {
			t.Errorf("Decode(%q) accepted", bad)
		}
	}
}

// Line is systemctl 252's form (taken from its output for the same commands: test/system/dbus_props_test.go
// compares the two managers).
func TestLine(t *testing.T) {
	run := Entry{Command{Path: "/bin/sh", Argv: []string{"/bin/sh", "-c", "exit 3"}}, Status{StartRealtime: 1796680408000000,
		ExitRealtime: 1796680409000000, Pid: 30, Code: 1, Status: 3}}
	if got, want := run.Line(false, time.UTC), "{ path=/bin/sh ; argv[]=/bin/sh -c exit 3 ; ignore_errors=no ; start_time=[Mon 2026-12-07 21:53:28 UTC] ; stop_time=[Mon 2026-12-07 21:53:29 UTC] ; pid=30 ; code=exited ; status=3 }"; got != want {
		t.Errorf("Line:\n%s\nwant\n%s", got, want)
	}
	never := Entry{Command: Command{Path: "/bin/true", Argv: []string{"/bin/true"}, Flags: []string{"ignore-failure", "privileged"}}}
	if got, want := never.Line(true, time.UTC), "{ path=/bin/true ; argv[]=/bin/true ; flags=ignore-failure privileged ; start_time=[n/a] ; stop_time=[n/a] ; pid=0 ; code=(null) ; status=0/0 }"; got != want {
		t.Errorf("Line(ex):\n%s\nwant\n%s", got, want)
	}
	killed := Entry{Command{Path: "/bin/sleep", Argv: []string{"/bin/sleep", "9"}}, Status{Pid: 7, Code: 2, Status: 15}}
	if got := killed.Line(false, time.UTC); got != "{ path=/bin/sleep ; argv[]=/bin/sleep 9 ; ignore_errors=no ; start_time=[n/a] ; stop_time=[n/a] ; pid=7 ; code=killed ; status=15/TERM }" {
		t.Errorf("Line(killed): %s", got)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode([]Command{{Path: "/bin/true", Argv: []string{"/bin/true", "a b"}, Flags: []string{"ignore-failure"}}}))
	f.Add("{ path=\"/x\" ; argv[]= ; flags= }")
	f.Fuzz(func(t *testing.T, s string) {
		cmds, ok := Decode(s)
		if !ok {
			return
		}
		again, ok := Decode(Encode(cmds))
		if !ok || len(again) != len(cmds) {
			t.Fatalf("Decode(Encode(Decode(%q))) = %v %v", s, again, ok)
		}
	})
}
