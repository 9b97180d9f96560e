package system

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// TestGeneratorsAtBoot: generators run before the boot transaction is built, their units and links are on the
// search path, and one that fails is logged without stopping the boot; at daemon-reload they run again into
// emptied directories.
func TestGeneratorsAtBoot(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Generators: map[string]string{
		"10-fails": "#!/bin/sh\necho 'this generator is broken' >&2\nexit 2\n",
		"20-works": `#!/bin/sh
mkdir -p "$1/multi-user.target.wants"
printf '[Unit]\nDescription=Generated at %s\n' "$(cat /proc/sys/kernel/random/uuid)" > "$1/genboot.target"
ln -s ../genboot.target "$1/multi-user.target.wants/genboot.target"
printf '[Unit]\nDescription=early\n' > "$2/early.target"
`,
	}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	if st := s.Show("genboot.target", "ActiveState"); st != "active" {
		t.Errorf("genboot.target %s; console:\n%s", st, s.Console())
	}
	if !strings.Contains(s.Console(), "this generator is broken") || !strings.Contains(s.Console(), "generator failed, skipped") {
		t.Errorf("the failing generator was not logged:\n%s", s.Console())
	}
	out, _, _ := s.Sctl("list-unit-files", "genboot.target", "early.target")
	if !strings.Contains(rowOf(out, "genboot.target"), "generated") || !strings.Contains(rowOf(out, "early.target"), "generated") {
		t.Errorf("list-unit-files:\n%s", out)
	}
	before := s.Show("genboot.target", "Description")

	// A file left in a generator directory is gone after daemon-reload; the generator's output is new.
	root := filepath.Join("/proc", strconv.Itoa(s.InitPid), "root")
	stale := filepath.Join(root, "run/sysmaster/generator/stale.target")
	if err := os.WriteFile(stale, []byte("[Unit]\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, errs, code := s.Sctl("daemon-reload"); code != 0 {
		t.Fatalf("daemon-reload: %d %s", code, errs)
	}
	if _, err := os.Stat(stale); !os.IsNotExist(err) {
		t.Errorf("stale generator output survived daemon-reload: %v", err)
	}
	if after := s.Show("genboot.target", "Description"); after == before || !strings.HasPrefix(after, "Generated at ") {
		t.Errorf("genboot.target not generated again: %q then %q", before, after)
	}
	// The installed fstab generator ran too: with fstab read, it pulls in the remount of / as systemd's does.
	if _, err := os.Lstat(filepath.Join(root, "run/sysmaster/generator/local-fs.target.wants/systemd-remount-fs.service")); err != nil {
		t.Errorf("sysmaster-fstab-generator did not run: %v", err)
	}
}
