package system

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// sctl analyze time, blame, critical-chain and unit-paths read the boot's times from the manager, in
// systemd-analyze's formats; the times are checkpointed, so a core that comes back after a SIGKILL reports the
// same boot.
func TestAnalyzeBoot(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{
		Units: map[string]string{
			"slow.service": "[Unit]\nDescription=Slow\n[Service]\nType=oneshot\nRemainAfterExit=yes\nExecStart=/bin/sleep 0.3\n",
			"late.target":  "[Unit]\nDescription=Late\nRequires=slow.service\nAfter=slow.service\n",
		},
		Links: map[string]string{"multi-user.target.wants/late.target": "../late.target"},
	})
	s.WaitActive("multi-user.target", "active", 20*time.Second)
	var out, errs string
	if !s.WaitFor(20*time.Second, func() bool {
		var code int
		out, errs, code = s.Sctl("analyze", "time")
		return code == 0
	}) {
		t.Fatalf("analyze time never succeeded: %q %q", out, errs)
	}
	// In a container there is no kernel part.
	if !regexp.MustCompile(`^Startup finished in \d[0-9a-z. ]*s \(userspace\) \nmulti-user\.target reached after [0-9a-z. ]*s in userspace\.\n$`).MatchString(out) {
		t.Errorf("analyze time:\n%q", out)
	}

	blame, _, code := s.Sctl("analyze", "blame")
	first := strings.Fields(strings.SplitN(blame, "\n", 2)[0])
	if code != 0 || len(first) != 2 || first[1] != "slow.service" {
		t.Errorf("analyze blame: exit %d, the slowest unit is not slow.service:\n%s", code, blame)
	}
	if d, err := time.ParseDuration(strings.ReplaceAll(first[0], "min", "m")); err != nil || d < 300*time.Millisecond {
		t.Errorf("analyze blame: slow.service took %q, want at least 300ms", first[0])
	}

	chain, _, code := s.Sctl("analyze", "critical-chain", "late.target")
	lines := strings.Split(strings.TrimSpace(chain), "\n")
	if code != 0 || len(lines) < 5 || !strings.HasPrefix(lines[0], "The time when unit became active") ||
		!regexp.MustCompile(`^late\.target @\d`).MatchString(lines[3]) ||
		!regexp.MustCompile(`^└─slow\.service @[0-9a-z. ]*s \+[0-9a-z. ]*s$`).MatchString(lines[4]) {
		t.Errorf("analyze critical-chain late.target: exit %d\n%s", code, chain)
	}

	paths, _, code := s.Sctl("analyze", "unit-paths")
	if code != 0 || !strings.HasPrefix(paths, "/etc/sysmaster/system\n") {
		t.Errorf("analyze unit-paths: exit %d\n%s", code, paths)
	}

	killCore(t, s)
	if again, _, code := s.Sctl("analyze", "time"); code != 0 || again != out {
		t.Errorf("after a core crash analyze time says %q (exit %d), before %q", again, code, out)
	}
}
