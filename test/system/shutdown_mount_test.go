package system

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// TestPoweroffUnmounts: at `sctl poweroff` the ordered stop unmounts the mounts of units in reverse order: a
// service that needs the ext4 file system (on a loop device, inside a tmpfs) stops first and writes its last file
// there, then the ext4 mount, then the tmpfs under it. The image is clean afterwards and holds the file.
func TestPoweroffUnmounts(t *testing.T) {
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
	dev := run("losetup", "--find", "--show", img)
	t.Cleanup(func() { exec.Command("losetup", "-d", dev).Run() })
	outer := filepath.Join(dir, "outer")
	disk := filepath.Join(outer, "disk")
	on, dn := mountUnit(t, outer), mountUnit(t, disk)
	s := harness.Start(t, harness.Options{Units: map[string]string{
		on: fmt.Sprintf("[Mount]\nWhat=tmpfs\nWhere=%s\nType=tmpfs\n", outer),
		dn: fmt.Sprintf("[Mount]\nWhat=%s\nWhere=%s\nType=ext4\n", dev, disk),
		"writer.service": fmt.Sprintf("[Unit]\nRequiresMountsFor=%s\n[Service]\nExecStart=/bin/sleep 600\n"+
			"ExecStop=/bin/sh -c 'echo stopped > %s/last'\n", disk, disk),
	}})
	sctlOK(t, s, "start", "writer.service")
	if !mountedIn(s, outer) || !mountedIn(s, disk) {
		t.Fatalf("not mounted; console:\n%s", s.Console())
	}
	s.Sctl("poweroff")
	select {
	case <-s.Exited():
	case <-time.After(60 * time.Second):
		t.Fatalf("no poweroff within 60 s; console:\n%s", s.Console())
	}
	con := s.Console()
	last := -1
	for _, u := range []string{"writer.service", dn, on} {
		i := strings.Index(con, "Stopped "+u)
		if i < 0 {
			t.Fatalf("the console does not show %s stopped:\n%s", u, con)
		}
		if i < last {
			t.Errorf("%s stopped out of order:\n%s", u, con)
		}
		last = i
	}
	if f := strings.Index(con, "final stage"); f < last {
		t.Errorf("the final stage came before the unmounts:\n%s", con)
	}
	if strings.Contains(con, "[FAILED] Stopped "+on) || strings.Contains(con, "[FAILED] Stopped "+dn) {
		t.Errorf("an unmount failed:\n%s", con)
	}
	if out, err := exec.Command("e2fsck", "-fn", img).CombinedOutput(); err != nil {
		t.Errorf("e2fsck -fn: %v\n%s", err, out)
	}
	if got, err := exec.Command("debugfs", "-R", "cat /last", img).Output(); err != nil || string(got) != "stopped\n" {
		t.Errorf("/last on the image holds %q (%v)", got, err)
	}
}
