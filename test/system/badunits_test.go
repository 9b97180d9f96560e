package system

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// Bad unit files load as bad-setting or error, say file, line and key, and change nothing else.
func TestBadUnitFiles(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"unknown-section.target": "[Unit]\nDescription=U\n\n[Frobnicate]\nX=1\n",
		"bad-value.target":       "[Unit]\nDescription=B\nAllowIsolate=maybe\n",
		"bad-quote.target":       "[Unit]\nDescription=Q\nWants=\"a.target\n",
		"good.target":            "[Unit]\nDescription=Good\nWants=bad-value.target\n",
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
		{"unknown-section.target", "bad-setting", []string{etc + "unknown-section.target:4", "Frobnicate"}},
		{"bad-value.target", "bad-setting", []string{etc + "bad-value.target:3", "AllowIsolate", "maybe"}},
		{"bad-quote.target", "bad-setting", []string{etc + "bad-quote.target:3", "Wants", "quote"}},
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
	if st := s.Show("multi-user.target", "ActiveState"); st != "active" {
		t.Errorf("multi-user.target %s", st)
	}
}
