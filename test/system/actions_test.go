package system

import (
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// FailureAction=poweroff brings the system down in order when the unit fails.
func TestFailureActionPoweroff(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"doomed.service": "[Unit]\nFailureAction=poweroff\n[Service]\nType=oneshot\nExecStart=/bin/false\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.Sctl("start", "--no-block", "doomed.service")
	select {
	case <-s.Exited():
	case <-time.After(20 * time.Second):
		t.Fatalf("the system is still up after FailureAction=poweroff:\n%s", s.Console())
	}
	con := s.Console()
	for _, want := range []string{"Stopped target multi-user.target", "Reached target poweroff.target", "final stage: poweroff"} {
		if !strings.Contains(con, want) {
			t.Errorf("console lacks %q:\n%s", want, con)
		}
	}
}

// SuccessAction=exit-force ends the system at once, without the ordered stop: in a container (the harness's
// PID namespace) init exits, with the manager's ExitCode (0), as systemd's exit there.
func TestSuccessActionExitForce(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"last.service": "[Unit]\nSuccessAction=exit-force\n[Service]\nType=oneshot\nExecStart=/bin/true\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	s.Sctl("start", "--no-block", "last.service")
	select {
	case <-s.Exited():
	case <-time.After(20 * time.Second):
		t.Fatalf("the system is still up after SuccessAction=exit-force:\n%s", s.Console())
	}
	con := s.Console()
	if !strings.Contains(con, "final stage: exit") || s.ExitCode() != 0 {
		t.Errorf("init did not exit the container (status %d):\n%s", s.ExitCode(), con)
	}
	if strings.Contains(con, "Stopped target") || strings.Contains(con, "Reached target poweroff.target") {
		t.Errorf("exit-force went through the ordered stop:\n%s", con)
	}
}

// SuccessAction=exit and FailureAction=exit hand the container's manager an exit status, as systemd's: the
// unit's SuccessActionExitStatus= (FailureActionExitStatus=) when set, else its main process's exit status.
func TestActionExitStatus(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, unit string
		want       int
	}{
		{"SuccessActionExitStatus", "[Unit]\nSuccessAction=exit\nSuccessActionExitStatus=9\n[Service]\nType=oneshot\nExecStart=/bin/true\n", 9},
		{"main process status", "[Unit]\nFailureAction=exit-force\n[Service]\nExecStart=/bin/sh -c 'exit 3'\n", 3},
		{"FailureActionExitStatus", "[Unit]\nFailureAction=exit\nFailureActionExitStatus=77\n[Service]\nExecStart=/bin/sh -c 'exit 3'\n", 77},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := harness.Start(t, harness.Options{Units: map[string]string{"last.service": tc.unit}})
			s.WaitActive("multi-user.target", "active", 10*time.Second)
			s.Sctl("start", "--no-block", "last.service")
			select {
			case <-s.Exited():
			case <-time.After(30 * time.Second):
				t.Fatalf("the system is still up after the exit action:\n%s", s.Console())
			}
			if code := s.ExitCode(); code != tc.want || !strings.Contains(s.Console(), "final stage: exit") {
				t.Errorf("init exited with %d, want %d:\n%s", code, tc.want, s.Console())
			}
		})
	}
}
