package unit

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestPresets(t *testing.T) {
	root := t.TempDir()
	etc, lib := filepath.Join(root, "etc"), filepath.Join(root, "lib")
	os.MkdirAll(etc, 0o755)
	os.MkdirAll(lib, 0o755)
	os.WriteFile(filepath.Join(lib, "50-vendor.preset"), []byte("# vendor\nenable ssh*.service\ndisable *.service\n"), 0o644)
	os.WriteFile(filepath.Join(lib, "10-hidden.preset"), []byte("enable nothing.service\n"), 0o644)
	os.WriteFile(filepath.Join(etc, "10-hidden.preset"), []byte("disable sshd.service\nfrobnicate x\nenable [\n"), 0o644)
	p, problems := LoadPresets([]string{etc, lib})
	if len(problems) != 2 || !strings.Contains(problems[0].Error(), "10-hidden.preset:2") || !strings.Contains(problems[1].Error(), ":3") {
		t.Errorf("problems %v", problems)
	}
	cases := map[string]bool{"sshd.service": false, "ssh-agent.service": true, "cron.service": false, "a.target": true}
	for unit, want := range cases {
		if got := p.Enabled(unit); got != want {
			t.Errorf("%s: %v, want %v", unit, got, want)
		}
	}
	if d := PresetDirs([]string{"/etc/sysmaster/system/"}); d[0] != "/etc/sysmaster/system-preset" {
		t.Errorf("PresetDirs %v", d)
	}
}
