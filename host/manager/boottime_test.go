package manager

import (
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// TestUserspaceStartFromInit: the userspace start is the time init handed down, not PID 1's start (the
// initramfs's, on a real boot).
func TestUserspaceStartFromInit(t *testing.T) {
	t.Setenv(initproto.UserspaceEnv, "19469000")
	s := userspaceStart()
	if s.mono != 19469*time.Millisecond {
		t.Errorf("userspaceStart().mono = %v, want 19.469s", s.mono)
	}
	if d := time.Since(s.wallTime()) - (now().mono - s.mono); d < -time.Second || d > time.Second {
		t.Errorf("wall time %v does not match the monotonic one (off by %v)", s.wallTime(), d)
	}
	t.Setenv(initproto.UserspaceEnv, "")
	if s := userspaceStart(); s.mono <= 0 {
		t.Errorf("without init's variable: %v", s.mono)
	}
}
