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

// The installed core starts unit processes through the small executor beside it, which it holds open for its
// life (host/exec.UseExecutor): a service runs, the core did not fall back to re-executing itself, and one of
// its descriptors is the executor's file.
func TestSmallExecutor(t *testing.T) {
	t.Parallel()
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"small-executor.service": "[Service]\nType=oneshot\nRemainAfterExit=yes\nUser=nobody\nExecStart=/bin/sh -c 'test \"$(id -u)\" = 65534'\n",
	}})
	if _, errs, code := s.Sctl("start", "small-executor.service"); code != 0 {
		t.Fatalf("start: exit %d: %s", code, errs)
	}
	s.WaitActive("small-executor.service", "active", 10*time.Second)
	if strings.Contains(s.Console(), "re-exec of the core") {
		t.Errorf("the core runs without the small executor:\n%s", s.Console())
	}
	// Paths as the core sees them: its tree may be bound over /usr in its mount namespace.
	const want = "/usr/lib/sysmaster/sysmaster-executor"
	children, err := os.ReadFile("/proc/" + strconv.Itoa(s.InitPid) + "/task/" + strconv.Itoa(s.InitPid) + "/children")
	if err != nil {
		t.Fatal(err)
	}
	for _, pid := range strings.Fields(string(children)) {
		exe, _ := os.Readlink("/proc/" + pid + "/exe")
		if !strings.HasSuffix(exe, "/usr/lib/sysmaster/sysmaster") {
			continue
		}
		fds, _ := filepath.Glob("/proc/" + pid + "/fd/*")
		for _, fd := range fds {
			if l, _ := os.Readlink(fd); strings.HasSuffix(l, want) {
				return
			}
		}
		var open []string
		for _, fd := range fds {
			l, _ := os.Readlink(fd)
			open = append(open, l)
		}
		t.Fatalf("the core (pid %s, %s) does not hold %s open: %q", pid, exe, want, open)
	}
	t.Fatalf("no core among init's children %q", children)
}
