package system

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

func itoa(i int) string { return strconv.Itoa(i) }

// Any uid may read; only root may change anything (SO_PEERCRED on the control socket).
func TestNonRootReadsButCannotChange(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{"extra.target": "[Unit]\nDescription=Extra\n"}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	const nobody = 65534
	if out, errs, code := s.SctlAs(nobody, "status", "multi-user.target"); code != 0 || !strings.Contains(out, "Active: active") {
		t.Errorf("status as nobody: exit %d %s%s", code, out, errs)
	}
	if out, errs, code := s.SctlAs(nobody, "show", "-p", "ActiveState", "--value", "multi-user.target"); code != 0 || out != "active\n" {
		t.Errorf("show as nobody: exit %d %q %s", code, out, errs)
	}
	for _, args := range [][]string{{"start", "extra.target"}, {"stop", "multi-user.target"}, {"daemon-reload"}, {"poweroff"}} {
		_, errs, code := s.SctlAs(nobody, args...)
		if code == 0 || !strings.Contains(errs, "Access denied") {
			t.Errorf("%v as nobody: exit %d %q", args, code, errs)
		}
	}
	if st := s.Show("extra.target", "ActiveState"); st != "inactive" {
		t.Errorf("refused start changed extra.target to %s", st)
	}
	if st := s.Show("multi-user.target", "ActiveState"); st != "active" {
		t.Errorf("refused stop changed multi-user.target to %s", st)
	}
}
