package system

import (
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// A directive sysmaster knows but does not enforce is said so once per load, in the unit's log and as a
// "Warning:" line of sctl status; the unit still runs.
func TestSandboxUnenforcedReported(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"unenforced.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nSecureBits=keep-caps\nRemoveIPC=yes\nProtectSystem=strict\nExecStart=/bin/true\n",
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if _, errs, code := s.Sctl("start", "unenforced.service"); code != 0 {
		t.Fatalf("start: %d %s", code, errs)
	}
	s.WaitActive("unenforced.service", "active", 10*time.Second)
	logs := unitLogs(s, "unenforced.service")
	for _, key := range []string{"SecureBits=", "RemoveIPC="} {
		if n := strings.Count(logs, key); n != 1 {
			t.Errorf("%s reported %d times in the unit's log, want once:\n%s", key, n, logs)
		}
	}
	// Issue 15: once per load, not three times on the console.
	for _, key := range []string{"SecureBits=", "RemoveIPC="} {
		if n := strings.Count(s.Console(), key+" is not supported"); n != 1 {
			t.Errorf("%s reported %d times on the console:\n%s", key, n, s.Console())
		}
	}
	if strings.Contains(logs, "ProtectSystem") {
		t.Errorf("ProtectSystem= is enforced, yet reported:\n%s", logs)
	}
	out, _, _ := s.Sctl("status", "unenforced.service")
	for _, key := range []string{"SecureBits=", "RemoveIPC="} {
		found := false
		for _, l := range strings.Split(out, "\n") {
			if strings.HasPrefix(strings.TrimSpace(l), "Warning:") && strings.Contains(l, key) {
				found = true
			}
		}
		if !found {
			t.Errorf("sctl status has no Warning: line for %s:\n%s", key, out)
		}
	}
}
