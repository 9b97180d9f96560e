package manager

import (
	"os"
	"slices"
	"strings"
	"syscall"
	"time"
)

// crashEnv names the file of the test-only crash points. The system tests set it to kill the core at the precise
// moment a race needs (test/system/crash_test.go); outside tests it is never set, and a crash point costs a
// comparison.
const crashEnv = "SYSMASTER_TEST_CRASH_AT"

// crashPoint kills the core with SIGKILL, as a crash would, when the file named by $SYSMASTER_TEST_CRASH_AT holds
// "POINT ARG" for this point and argument; the file is removed first, so that the point is taken once. With until,
// the core dies once until holds (or after 5 s): the moment may need something of the world to happen first.
// Points:
//
//   - "forked UNIT": a process of UNIT has been forked and is not in the spawn log yet;
//   - "spawned UNIT": a process of UNIT runs, noted in the spawn log, in a turn not committed yet; the core dies
//     once the unit's cgroup holds another process too (one the command forked);
//   - "exit PID": the core's reaper hands on the exit of PID, which is not in the exit log yet.
func (m *Manager) crashPoint(point, arg string, until ...func() bool) {
	if m.crashFile == "" {
		return
	}
	b, err := os.ReadFile(m.crashFile)
	if err != nil || strings.TrimSpace(string(b)) != point+" "+arg {
		return
	}
	if os.Remove(m.crashFile) == nil {
		for deadline := time.Now().Add(5 * time.Second); len(until) > 0 && !until[0]() && time.Now().Before(deadline); {
			time.Sleep(10 * time.Millisecond)
		}
		m.log.Warn("test crash point reached: the core kills itself", "point", point, "arg", arg)
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way; nothing more happens in this core
	}
}

// cgroupHasOther reports whether u's cgroup holds a process other than pid.
func (m *Manager) cgroupHasOther(u *Unit, pid int) bool {
	if m.cg == nil || !u.cgroupMade {
		return false
	}
	pids, _ := m.cg.Pids(cgroupName(u))
	return slices.ContainsFunc(pids, func(p int) bool { return p != pid })
}
