package manager

import (
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/sysmaster/sysmaster/host/unit"
)

// The types a boot's closure names, as prelaunchBoot launches them: every type of a unit with a file reached
// through the files' dependencies and .wants/ links, the slice type with a type that runs processes, nothing for
// a name without a file, and nothing the profile (served) refuses. A unit only a plugin's parse names (the
// socket's service) is not in it: the load launches its plugin when it meets it, as without the hint.
func TestClosureTypes(t *testing.T) {
	dir := t.TempDir()
	files := map[string]string{
		"boot.target":                  "[Unit]\nRequires=base.target\nWants=gone.service\n",
		"base.target":                  "[Unit]\nAfter=data.mount\n",
		"data.mount":                   "[Mount]\nWhat=/dev/vdb\nWhere=/data\n",
		"boot.target.wants/x.socket":   "",
		"x.socket":                     "[Socket]\nListenStream=/run/x\n",
		"x.service":                    "[Service]\nExecStart=/bin/true\n",
		"tick.timer":                   "[Timer]\nOnBootSec=1\n",
		"base.target.wants/tick.timer": "",
	}
	for name, body := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if body == "" {
			if err := os.Symlink(filepath.Join(dir, filepath.Base(name)), p); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.WriteFile(p, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	all := func(string) bool { return true }
	noTimer := func(typ string) bool { return typ != "timer" }
	for _, tc := range []struct {
		name   string
		target string
		served func(string) bool
		want   []string
	}{
		{"closure", "boot.target", all, []string{"target", "mount", "slice", "socket", "timer"}},
		{"refused type", "boot.target", noTimer, []string{"target", "mount", "slice", "socket"}},
		{"leaf", "x.service", all, []string{"service", "slice"}},
		{"no file", "gone.service", all, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := &unit.Loader{Paths: []string{dir}}
			got := closureTypes(l, tc.target, tc.served)
			slices.Sort(got)
			want := slices.Clone(tc.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("closureTypes(%s) = %v, want %v", tc.target, got, want)
			}
		})
	}
}
