package system

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// inode is the inode number of what path names (following symlinks, as /proc/PID/exe is followed).
func inode(t *testing.T, path string) uint64 {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Sys().(*syscall.Stat_t).Ino
}

// sctl daemon-reexec executes the core's binary as it is on disk now, in the same process: a new binary is
// picked up, services keep their main pids and are not restarted, and an exit that happens around the
// re-execution reaches its unit with its status.
func TestDaemonReexec(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{PrivateRoot: true, Units: map[string]string{
		"a.service":    "[Service]\nExecStart=/bin/sleep 1000\n",
		"b.service":    "[Service]\nType=notify\nExecStart=/usr/bin/python3 /etc/sysmaster/ready.py\n",
		"late.service": "[Service]\nExecStart=/bin/sh -c 'sleep 0.3; exit 4'\n",
	}})
	s.WriteFile("ready.py", pyNotify+`notify("READY=1")
while True:
    time.sleep(1000)
`)
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "start", "a.service", "b.service")
	mains := map[string]string{"a.service": s.Show("a.service", "MainPID"), "b.service": s.Show("b.service", "MainPID")}
	core := coreOf(t, s)

	// A new binary: the same bytes under a new inode, renamed into place as a package manager does.
	bin := filepath.Join(s.Root, "usr/lib/sysmaster/sysmaster")
	b, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin+".new", b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(bin+".new", bin); err != nil {
		t.Fatal(err)
	}
	fresh := inode(t, bin)
	if inode(t, "/proc/"+strconv.Itoa(core)+"/exe") == fresh {
		t.Fatal("the core runs the new binary before any re-execution")
	}

	mustSctl(t, s, "start", "--no-block", "late.service")
	mustSctl(t, s, "daemon-reexec")
	if got := coreOf(t, s); got != core {
		t.Fatalf("the core's pid changed from %d to %d", core, got)
	}
	if inode(t, "/proc/"+strconv.Itoa(core)+"/exe") != fresh {
		t.Errorf("the re-executed core does not run the binary now on disk")
	}
	for u, pid := range mains {
		if st, now, n := s.Show(u, "ActiveState"), s.Show(u, "MainPID"), s.Show(u, "NRestarts"); st != "active" || now != pid || n != "0" {
			t.Errorf("%s after daemon-reexec: %s MainPID %s NRestarts %s, want active %s 0", u, st, now, n, pid)
		}
	}
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("late.service", "ActiveState") == "failed" }) {
		t.Fatalf("late.service is %s; its exit was lost", s.Show("late.service", "ActiveState"))
	}
	if code, status := s.Show("late.service", "ExecMainCode"), s.Show("late.service", "ExecMainStatus"); code != "1" || status != "4" {
		t.Errorf("late.service ExecMainCode=%s ExecMainStatus=%s, want 1 and 4", code, status)
	}
	// The processes are still the core's children: stop reaps them.
	for u := range mains {
		mustSctl(t, s, "stop", u)
		if st := s.Show(u, "ActiveState"); st != "inactive" {
			t.Errorf("%s after stop: %s", u, st)
		}
	}
	mustSctl(t, s, "start", "a.service")
	if st := s.Show("a.service", "ActiveState"); st != "active" {
		t.Errorf("a.service does not start after daemon-reexec: %s", st)
	}
}

// ReloadLimitIntervalSec/ReloadLimitBurst bound daemon-reload and daemon-reexec together, as in systemd.
func TestReloadRateLimit(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Config: "[Manager]\nReloadLimitIntervalSec = 60\nReloadLimitBurst = 2\n" +
		"[Plugins]\nDir = \"/usr/lib/sysmaster/plugins\"\n"})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	mustSctl(t, s, "daemon-reload")
	mustSctl(t, s, "daemon-reexec")
	_, errs, code := s.Sctl("daemon-reload")
	if code == 0 || !strings.Contains(errs, "rate limit") && !strings.Contains(errs, "rejected") {
		t.Errorf("a third reload within the limit: exit %d, %q; want refused", code, errs)
	}
	if _, _, code := s.Sctl("is-active", "multi-user.target"); code != 0 {
		t.Errorf("the core does not answer after a refused reload")
	}
}
