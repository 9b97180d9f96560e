// Package exitstatus describes how a process ended, in the one format systemd logs it with
// ("code=exited, status=1/FAILURE", "code=killed, signal=TERM", "code=dumped, signal=SEGV"). The reaper, init and
// the core describe every exit with it.
package exitstatus

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/signame"
)

// Exit codes, the kernel's CLD_* values (and the plugin contract's ExitCode).
const (
	Exited = 1 // Status is the exit status
	Killed = 2 // Status is the signal
	Dumped = 3 // Status is the signal; a core was dumped
)

// Exit is how a process ended: Code says how, Status is the exit status or the signal.
type Exit struct {
	Code   int
	Status int
}

// String is systemd's description: "code=exited, status=3/NOTIMPLEMENTED", "code=killed, signal=TERM".
func (e Exit) String() string {
	if e.Code == Exited {
		return fmt.Sprintf("code=exited, status=%d/%s", e.Status, StatusName(e.Status))
	}
	return fmt.Sprintf("code=%s, signal=%s", CodeName(e.Code), strings.TrimPrefix(signame.Name(e.Status), "SIG"))
}

// CodeName is systemd's name for an exit code, as in $EXIT_CODE: "exited", "killed" or "dumped".
func CodeName(code int) string {
	switch code {
	case Exited:
		return "exited"
	case Killed:
		return "killed"
	}
	return "dumped"
}

// StatusName is systemd's name for an exit status ("SUCCESS", "FAILURE", "EXEC", …), or its number.
func StatusName(s int) string {
	if n, ok := names[s]; ok {
		return n
	}
	return strconv.Itoa(s)
}

// ParseStatus returns the exit status a name stands for (as SuccessExitStatus= accepts them).
func ParseStatus(name string) (int, bool) {
	s, ok := byName[name]
	return s, ok
}

// names are the exit statuses systemd names (man systemd.exec, "Process exit codes"): the C library's, the
// LSB's, BSD's sysexits and systemd's own.
var names = map[int]string{
	0: "SUCCESS", 1: "FAILURE",
	2: "INVALIDARGUMENT", 3: "NOTIMPLEMENTED", 4: "NOPERMISSION", 5: "NOTINSTALLED", 6: "NOTCONFIGURED",
	7:  "NOTRUNNING",
	64: "USAGE", 65: "DATAERR", 66: "NOINPUT", 67: "NOUSER", 68: "NOHOST", 69: "UNAVAILABLE", 70: "SOFTWARE",
	71: "OSERR", 72: "OSFILE", 73: "CANTCREAT", 74: "IOERR", 75: "TEMPFAIL", 76: "PROTOCOL", 77: "NOPERM",
	78:  "CONFIG",
	200: "CHDIR", 201: "NICE", 202: "FDS", 203: "EXEC", 204: "MEMORY", 205: "LIMITS", 206: "OOM_ADJUST",
	207: "SIGNAL_MASK", 208: "STDIN", 209: "STDOUT", 210: "CHROOT", 211: "IOPRIO", 212: "TIMERSLACK",
	213: "SECUREBITS", 214: "SETSCHEDULER", 215: "CPUAFFINITY", 216: "GROUP", 217: "USER", 218: "CAPABILITIES",
	219: "CGROUP", 220: "SETSID", 221: "CONFIRM", 222: "STDERR", 224: "PAM", 225: "NETWORK", 226: "NAMESPACE",
	227: "NO_NEW_PRIVILEGES", 228: "SECCOMP", 229: "SELINUX_CONTEXT", 230: "PERSONALITY",
	231: "APPARMOR_PROFILE", 232: "ADDRESS_FAMILIES", 233: "RUNTIME_DIRECTORY", 235: "CHOWN",
	236: "SMACK_PROCESS_LABEL", 237: "KEYRING", 238: "STATE_DIRECTORY", 239: "CACHE_DIRECTORY",
	240: "LOGS_DIRECTORY", 241: "CONFIGURATION_DIRECTORY", 242: "NUMA_POLICY", 243: "CREDENTIALS", 245: "BPF",
}

var byName = func() map[string]int {
	m := make(map[string]int, len(names))
	for s, n := range names {
		m[n] = s
	}
	return m
}()
