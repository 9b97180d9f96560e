package manager

import (
	"os"
	"strings"
	"syscall"
)

// crashEnv names the file of the test-only crash points. The system tests set it to kill the core at the precise
// moment a race needs (test/system/crash_test.go); outside tests it is never set, and a crash point costs a
// comparison.
const crashEnv = "SYSMASTER_TEST_CRASH_AT"

// crashPoint kills the core with SIGKILL, as a crash would, when the file named by $SYSMASTER_TEST_CRASH_AT holds
// "POINT ARG" for this point and argument; the file is removed first, so that the point is taken once. Points:
//
//   - "forked UNIT": a process of UNIT has been forked and is not in the spawn log yet;
//   - "exit PID": the core's reaper hands on the exit of PID, which is not in the exit log yet.
func (m *Manager) crashPoint(point, arg string) {
	if m.crashFile == "" {
		return
	}
	b, err := os.ReadFile(m.crashFile)
	if err != nil || strings.TrimSpace(string(b)) != point+" "+arg {
		return
	}
	if os.Remove(m.crashFile) == nil {
		m.log.Warn("test crash point reached: the core kills itself", "point", point, "arg", arg)
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		select {} // the signal is on its way; nothing more happens in this core
	}
}
