package system

import (
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/pkg/initproto"
	"github.com/sysmaster/sysmaster/test/harness"
)

// init re-executes itself on SIGUSR2 under a running core: same core, its link intact, and init still restarts
// the core afterwards.
func TestInitReexecUnderARealCore(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	core := coreOf(t, s)
	if core <= 1 {
		t.Fatalf("no core found under init %d", s.InitPid)
	}
	if err := s.Signal(syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	if !s.WaitFor(10*time.Second, func() bool { return strings.Contains(s.Console(), "re-executed (was dev)") }) {
		t.Fatalf("init did not re-execute; console:\n%s", s.Console())
	}
	time.Sleep(2 * initproto.HeartbeatInterval) // a broken link would show now
	if c := coreOf(t, s); c != core {
		t.Fatalf("the core changed from %d to %d; console:\n%s", core, c, s.Console())
	}
	if con := s.Console(); strings.Contains(con, "link to init lost") || strings.Contains(con, "closed /run/sysmaster/init.sock") {
		t.Fatalf("the core's link dropped; console:\n%s", con)
	}
	if err := syscall.Kill(core, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if !s.WaitFor(15*time.Second, func() bool { c := coreOf(t, s); return c != 0 && c != core }) {
		t.Fatalf("no new core after the re-execution; console:\n%s", s.Console())
	}
	s.WaitActive("multi-user.target", "active", 10*time.Second)
}
