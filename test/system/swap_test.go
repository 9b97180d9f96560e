package system

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/pkg/unitname"
	"github.com/sysmaster/sysmaster/test/harness"
)

// TestSwapTracking: /proc/swaps is tracked as the mount table is: a swapon by hand makes the swap's unit active
// (declared from /proc/swaps when no file names it), a swapoff by hand makes it inactive. The delay is logged as
// a figure (tens of ms); the check only tells a tracker woken by the kernel's poll of /proc/swaps from one that
// rereads it now and then, with a bound a loaded machine meets (181 ms was seen at load average 20).
func TestSwapTracking(t *testing.T) {
	// Not parallel: the figure is the core's, which other systems booting beside it would slow down.
	file := filepath.Join(t.TempDir(), "hand swap")
	for _, c := range [][]string{{"dd", "if=/dev/zero", "of=" + file, "bs=1M", "count=16", "status=none"}, {"chmod", "600", file}, {"mkswap", "-q", file}} {
		if out, err := exec.Command(c[0], c[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", strings.Join(c, " "), err, out)
		}
	}
	// Swaps are not namespaced: make sure the machine is left without this one whatever happens.
	t.Cleanup(func() { exec.Command("swapoff", file).Run() })
	name, err := unitname.FromPath(file, ".swap")
	if err != nil {
		t.Fatal(err)
	}
	// The keeper names the swap unit, which keeps it loaded (and its timestamps) once it is inactive again.
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"keeper.service": fmt.Sprintf("[Unit]\nAfter=%s\n[Service]\nExecStart=/bin/sleep 600\n", name),
	}})
	sctlOK(t, s, "start", "keeper.service")
	for _, step := range []struct {
		cmd   []string
		state string
		stamp string
	}{
		{[]string{"swapon", "-p", "7", file}, "active", "ActiveEnterTimestampMonotonic"},
		{[]string{"swapoff", file}, "inactive", "InactiveEnterTimestampMonotonic"},
	} {
		before := monoNow(t)
		if out, err := exec.Command(step.cmd[0], step.cmd[1:]...).CombinedOutput(); err != nil {
			t.Fatalf("%s: %v\n%s", step.cmd[0], err, out)
		}
		s.WaitActive(name, step.state, 5*time.Second)
		var at int64
		fmt.Sscan(s.Show(name, step.stamp), &at)
		if d := time.Duration(at-before) * time.Microsecond; d <= 0 || d > time.Second {
			t.Errorf("%s: %s %s %v after the command was started", step.cmd[0], name, step.state, d)
		} else {
			t.Logf("%s: unit %s %v after the command was started", step.cmd[0], step.state, d)
		}
		if step.state == "active" {
			for prop, want := range map[string]string{"What": file, "Priority": "7", "SourcePath": "/proc/swaps", "SubState": "active"} {
				if got := s.Show(name, prop); got != want {
					t.Errorf("%s=%q, want %q", prop, got, want)
				}
			}
			out := sctlOK(t, s, "list-units", "-t", "swap")
			if !strings.Contains(out, name) {
				t.Errorf("list-units -t swap lacks %s:\n%s", name, out)
			}
		}
	}
}
