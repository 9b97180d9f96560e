package system

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// forceUnits: a running service, which an ordered stop would stop.
var forceUnits = map[string]string{"marked.service": "[Service]\nExecStart=/bin/sleep 1000\n"}

var forceLinks = map[string]string{"multi-user.target.wants/marked.service": "../marked.service"}

// corePid is the core's pid as the test sees it: init's child named sysmaster.
func corePid(t *testing.T, s *harness.System) int {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/task/%d/children", s.InitPid, s.InitPid))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range strings.Fields(string(b)) {
		if pid, _ := strconv.Atoi(f); commOf(pid) == "sysmaster" {
			return pid
		}
	}
	t.Fatalf("no core among init's children %q", b)
	return 0
}

// inOwnPidNamespace fails the test unless the harness's init is in a PID namespace other than the test's: sctl
// -ff calls reboot(2), which must end that namespace and never the machine.
func inOwnPidNamespace(t *testing.T, s *harness.System) {
	t.Helper()
	own, err1 := os.Readlink("/proc/self/ns/pid")
	theirs, err2 := os.Readlink("/proc/" + strconv.Itoa(s.InitPid) + "/ns/pid")
	if s.InitPid <= 1 || err1 != nil || err2 != nil || own == theirs {
		t.Fatalf("init %d is not in a PID namespace of its own (%s %v, %s %v): refusing to call reboot(2)", s.InitPid, own, err1, theirs, err2)
	}
}

// sctl poweroff -f (systemctl 252's --force): the core ends at once without stopping the units in order, and init's
// final stage kills what is left and calls reboot(2).
func TestSctlPoweroffForce(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{{"poweroff", "-f"}, {"reboot", "--force"}, {"halt", "-f"}} {
		t.Run(args[0], func(t *testing.T) {
			s := harness.Start(t, harness.Options{Units: forceUnits, Links: forceLinks})
			s.WaitActive("marked.service", "active", 10*time.Second)
			inOwnPidNamespace(t, s)
			// The core answers and ends at once, and init's final stage kills every process of the system: sctl,
			// run inside it, may be killed (exit -1) before it has read the answer, as systemctl may be.
			if _, errs, code := s.Sctl(args...); code != 0 && code != -1 {
				t.Fatalf("sctl %v: exit %d %s", args, code, errs)
			}
			select {
			case <-s.Exited():
			case <-time.After(30 * time.Second):
				t.Fatalf("the system is still up after sctl %v:\n%s", args, s.Console())
			}
			con := s.Console()
			if !strings.Contains(con, "final stage: "+args[0]) {
				t.Errorf("init's final stage did not %s:\n%s", args[0], con)
			}
			for _, ordered := range []string{"Stopped target", "Reached target " + args[0] + ".target"} {
				if strings.Contains(con, ordered) {
					t.Errorf("sctl %v went through the ordered stop (%q):\n%s", args, ordered, con)
				}
			}
		})
	}
}

// sctl poweroff -ff (--force twice): sctl calls reboot(2) itself, without the manager and without killing or
// stopping anything; in a container the kernel ends the namespace's init (SIGINT for poweroff and halt, SIGHUP for
// reboot, as its parent sees it). It works with the manager gone, as man systemctl promises.
func TestSctlPoweroffForceTwice(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		sig  syscall.Signal
		kill bool // stop the core first: -ff must not need it
	}{
		{[]string{"poweroff", "-ff"}, syscall.SIGINT, false},
		{[]string{"reboot", "-f", "-f"}, syscall.SIGHUP, true},
		{[]string{"halt", "--force", "--force"}, syscall.SIGINT, false},
	} {
		t.Run(tc.args[0], func(t *testing.T) {
			s := harness.Start(t, harness.Options{Units: forceUnits, Links: forceLinks})
			s.WaitActive("marked.service", "active", 10*time.Second)
			inOwnPidNamespace(t, s)
			if _, errs, code := s.Sctl("--dry-run", tc.args[0], "-ff"); code != 0 {
				t.Fatalf("--dry-run %s -ff: exit %d %s", tc.args[0], code, errs)
			}
			if tc.kill {
				// The core stops answering: SIGSTOP it (init would restart a killed one). The namespace's end kills it.
				if err := syscall.Kill(corePid(t, s), syscall.SIGSTOP); err != nil {
					t.Fatal(err)
				}
			}
			_, errs, code := s.Sctl(tc.args...)
			select {
			case <-s.Exited():
			case <-time.After(30 * time.Second):
				t.Fatalf("the system is still up after sctl %v (exit %d %s):\n%s", tc.args, code, errs, s.Console())
			}
			if sig := s.ExitSignal(); sig != tc.sig {
				t.Errorf("the namespace ended by signal %v, want %v (sctl exit %d %s)", sig, tc.sig, code, errs)
			}
			con := s.Console()
			for _, ordered := range []string{"final stage", "Stopped target"} {
				if strings.Contains(con, ordered) {
					t.Errorf("sctl %v did more than reboot(2) (%q):\n%s", tc.args, ordered, con)
				}
			}
		})
	}
}
