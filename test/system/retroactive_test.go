package system

import (
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// A unit that becomes active without a job of its own (its start job timed out, it came up later) starts what it
// requires and wants and stops what it conflicts with, as systemd's retroactive dependencies do.
func TestRetroactiveDependencies(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"late.service": "[Unit]\nJobTimeoutSec=1\nRequires=needed.target\nWants=wanted.target\nConflicts=rival.target\n" +
			"[Service]\nType=notify\nExecStart=/usr/bin/python3 /etc/sysmaster/late.py\n",
		"needed.target": "[Unit]\n",
		"wanted.target": "[Unit]\n",
		"rival.target":  "[Unit]\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.WriteFile("late.py", `import os, socket, time
time.sleep(2)
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.connect(os.environ["NOTIFY_SOCKET"])
s.send(b"READY=1")
time.sleep(1000)
`)
	s.Sctl("start", "rival.target")
	// ignore-dependencies: nothing is pulled in or stopped by the start job itself.
	s.Sctl("start", "--job-mode=ignore-dependencies", "late.service")
	if st := s.Show("late.service", "ActiveState"); st != "activating" {
		t.Fatalf("late.service %s after its start job timed out, want activating", st)
	}
	for _, u := range []string{"needed.target", "wanted.target"} {
		if st := s.Show(u, "ActiveState"); st != "inactive" {
			t.Fatalf("%s %s before late.service is up", u, st)
		}
	}
	s.WaitActive("late.service", "active", 10*time.Second)
	s.WaitActive("needed.target", "active", 5*time.Second)
	s.WaitActive("wanted.target", "active", 5*time.Second)
	s.WaitActive("rival.target", "inactive", 5*time.Second)
}
