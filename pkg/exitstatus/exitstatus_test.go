package exitstatus

import "testing"

func TestString(t *testing.T) {
	for _, tc := range []struct {
		e    Exit
		want string
	}{
		{Exit{Exited, 0}, "code=exited, status=0/SUCCESS"},
		{Exit{Exited, 3}, "code=exited, status=3/NOTIMPLEMENTED"},
		{Exit{Exited, 203}, "code=exited, status=203/EXEC"},
		{Exit{Exited, 99}, "code=exited, status=99/99"},
		{Exit{Killed, 15}, "code=killed, signal=TERM"},
		{Exit{Dumped, 11}, "code=dumped, signal=SEGV"},
		{Exit{Killed, 36}, "code=killed, signal=RTMIN+2"},
	} {
		if got := tc.e.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.e, got, tc.want)
		}
	}
	if s, ok := ParseStatus("EXEC"); !ok || s != 203 {
		t.Errorf("ParseStatus(EXEC) = %d %v", s, ok)
	}
	if _, ok := ParseStatus("NOPE"); ok {
		t.Error("ParseStatus(NOPE) succeeded")
	}
}
