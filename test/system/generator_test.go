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

// TestFstabGeneratorAtBoot: the installed sysmaster-fstab-generator turns an fstab (SYSMASTER_FSTAB) into units
// on the search path at boot, wired to local-fs.target and swap.target; a malformed line is logged with its line
// number and the rest is generated. (Whether the mounts then happen is the mount unit type's business.)
func TestFstabGeneratorAtBoot(t *testing.T) {
	t.Parallel()
	fstab := filepath.Join(t.TempDir(), "fstab")
	if err := os.WriteFile(fstab, []byte(`# test fstab
tmpfs /mnt/smtmp tmpfs mode=0755,size=1M 0 0
/dev/does-not-exist /mnt/smnofail ext4 nofail 0 0
/srv/x /mnt/smbind none bind,noauto 0 0
this-line-is-malformed
/smswap none swap sw 0 0
`), 0o644); err != nil {
		t.Fatal(err)
	}
	s := harness.Start(t, harness.Options{Env: []string{"SYSMASTER_FSTAB=" + fstab, "SYSMASTER_PROC_CMDLINE=quiet"}})
	if !s.WaitFor(10*time.Second, func() bool { return strings.Contains(s.Console(), "fstab:5: malformed line") }) {
		t.Errorf("malformed line not logged with its number:\n%s", s.Console())
	}
	out, _, _ := s.Sctl("list-unit-files", "mnt-*", "smswap.swap")
	for _, u := range []string{"mnt-smtmp.mount", "mnt-smnofail.mount", "mnt-smbind.mount", "smswap.swap"} {
		if !strings.Contains(rowOf(out, u), "generated") {
			t.Errorf("%s is not a generated unit file:\n%s", u, out)
		}
	}
	root := filepath.Join("/proc", strconv.Itoa(s.InitPid), "root", "run/sysmaster/generator")
	for link, want := range map[string]string{"local-fs.target.requires/mnt-smtmp.mount": "../mnt-smtmp.mount",
		"local-fs.target.wants/mnt-smnofail.mount": "../mnt-smnofail.mount", "swap.target.requires/smswap.swap": "../smswap.swap"} {
		if got, err := os.Readlink(filepath.Join(root, link)); err != nil || got != want {
			t.Errorf("%s -> %q, %v", link, got, err)
		}
	}
	if _, err := os.Lstat(filepath.Join(root, "local-fs.target.requires/mnt-smbind.mount")); err == nil {
		t.Error("a noauto mount is required by local-fs.target")
	}
	if got := s.Show("local-fs.target", "Requires"); !strings.Contains(got, "mnt-smtmp.mount") {
		t.Errorf("local-fs.target Requires=%s", got)
	}
}
