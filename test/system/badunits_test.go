package system

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Unit files systemd refuses load as bad-setting or error, say file, line and key, and change nothing else; a bad
// value systemd ignores with a warning (TestSystemdLeniency's table) is ignored here too, and said in status.
func TestBadUnitFiles(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"bad-header.target":    "[Unit]\nDescription=U\n\n[Unit] trailing\nX=1\n",
		"bad-command.service":  "[Unit]\nDescription=B\n[Service]\nExecStart=bin/true\n",
		"bad-quote.service":    "[Unit]\nDescription=Q\n[Service]\nExecStart=/bin/echo \"a\n",
		"good.target":          "[Unit]\nDescription=Good\nWants=bad-command.service\n",
		"lenient-value.target": "[Unit]\nDescription=L\nAllowIsolate=maybe\n",
	}})
	if err := os.Mkdir(filepath.Join(s.Etc, "system", "dir.target"), 0o755); err != nil {
		t.Fatal(err)
	}
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	etc := "/etc/sysmaster/system/"
	cases := []struct {
		unit, state string
		want        []string
	}{
		{"bad-header.target", "bad-setting", []string{etc + "bad-header.target:4", "invalid section header"}},
		{"bad-command.service", "bad-setting", []string{etc + "bad-command.service:4", "ExecStart", "bin/true"}},
		{"bad-quote.service", "bad-setting", []string{etc + "bad-quote.service:4", "ExecStart", "quote"}},
		{"dir.target", "error", []string{etc + "dir.target", "directory"}},
	}
	for _, c := range cases {
		if st := s.Show(c.unit, "LoadState"); st != c.state {
			t.Errorf("%s: LoadState %q, want %q", c.unit, st, c.state)
		}
		le := s.Show(c.unit, "LoadError")
		for _, w := range c.want {
			if !strings.Contains(le, w) {
				t.Errorf("%s: LoadError %q lacks %q", c.unit, le, w)
			}
		}
		_, errs, code := s.Sctl("start", c.unit)
		if code == 0 || !strings.Contains(errs, c.unit) {
			t.Errorf("start %s: exit %d %q", c.unit, code, errs)
		}
	}
	if _, errs, code := s.Sctl("start", "good.target"); code != 0 || s.Show("good.target", "ActiveState") != "active" {
		t.Errorf("a good unit wanting a bad one: exit %d %s", code, errs)
	}
	if st := s.Show("lenient-value.target", "LoadState"); st != "loaded" {
		t.Errorf("lenient-value.target %s, systemd loads it", st)
	}
	if out, _, _ := s.Sctl("status", "lenient-value.target"); !strings.Contains(out, etc+"lenient-value.target:3: [Unit] AllowIsolate") {
		t.Errorf("status of lenient-value.target does not show the warning:\n%s", out)
	}
	if st := s.Show("multi-user.target", "ActiveState"); st != "active" {
		t.Errorf("multi-user.target %s", st)
	}
}
