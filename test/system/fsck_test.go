package system

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/test/harness"
)

// TestFsckBeforeMount: an fstab entry with passno 2 is checked by systemd-fsck@.service before it is mounted:
// an ext4 image marked not clean, with a wrong free-blocks count, is repaired (fsck exit 1, success) and then
// mounted; afterwards e2fsck -fn finds it clean.
func TestFsckBeforeMount(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	img := filepath.Join(dir, "disk.img")
	run := func(name string, args ...string) string {
		out, err := exec.Command(name, args...).Output()
		if err != nil {
			t.Fatalf("%s %s: %v", name, strings.Join(args, " "), err)
		}
		return strings.TrimSpace(string(out))
	}
	run("truncate", "-s", "16M", img)
	run("mkfs.ext4", "-q", "-F", img)
	// Not clean, so that preen mode checks it, and a summary the check corrects.
	run("debugfs", "-w", "-R", "ssv state 0", img)
	run("debugfs", "-w", "-R", "ssv free_blocks_count 17", img)
	dev := run("losetup", "--find", "--show", img)
	t.Cleanup(func() { exec.Command("losetup", "-d", dev).Run() })
	where := filepath.Join(dir, "checked")
	fstab := filepath.Join(dir, "fstab")
	if err := os.WriteFile(fstab, []byte(fmt.Sprintf("%s %s ext4 noatime 0 2\n", dev, where)), 0o644); err != nil {
		t.Fatal(err)
	}
	s := harness.Start(t, harness.Options{Env: []string{"SYSMASTER_FSTAB=" + fstab, "SYSMASTER_PROC_CMDLINE=quiet"}})
	s.WaitActive("local-fs.target", "active", 30*time.Second)
	fsck, err := unitname.FromPathInstance("systemd-fsck", dev, ".service")
	if err != nil {
		t.Fatal(err)
	}
	mount := mountUnit(t, where)
	if got := s.Show(mount, "Requires"); !strings.Contains(got, fsck) {
		t.Errorf("%s Requires=%s, want %s", mount, got, fsck)
	}
	for prop, want := range map[string]string{"ActiveState": "active", "Result": "success", "ExecMainStatus": "1"} {
		if got := s.Show(fsck, prop); got != want {
			t.Errorf("%s %s=%s, want %s; console:\n%s", fsck, prop, got, want, s.Console())
		}
	}
	if s.Show(mount, "SubState") != "mounted" || !mountedIn(s, where) {
		t.Fatalf("%s is not mounted after its check", where)
	}
	sctlOK(t, s, "stop", mount)
	if out, err := exec.Command("e2fsck", "-fn", img).CombinedOutput(); err != nil {
		t.Errorf("e2fsck -fn: %v\n%s", err, out)
	}
}
