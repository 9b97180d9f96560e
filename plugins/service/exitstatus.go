package service

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/pkg/signame"
	"github.com/sysmaster/sysmaster/sdk"
)

// exitStatusNames are the names SuccessExitStatus= and its kin accept besides numbers (man systemd.exec,
// "Process exit codes"): the C library's, the LSB's, BSD's sysexits and systemd's own.
var exitStatusNames = map[string]int{
	"SUCCESS": 0, "FAILURE": 1,
	"INVALIDARGUMENT": 2, "NOTIMPLEMENTED": 3, "NOPERMISSION": 4, "NOTINSTALLED": 5, "NOTCONFIGURED": 6,
	"NOTRUNNING": 7,
	"USAGE":      64, "DATAERR": 65, "NOINPUT": 66, "NOUSER": 67, "NOHOST": 68, "UNAVAILABLE": 69, "SOFTWARE": 70,
	"OSERR": 71, "OSFILE": 72, "CANTCREAT": 73, "IOERR": 74, "TEMPFAIL": 75, "PROTOCOL": 76, "NOPERM": 77,
	"CONFIG": 78,
	"CHDIR":  200, "NICE": 201, "FDS": 202, "EXEC": 203, "MEMORY": 204, "LIMITS": 205, "OOM_ADJUST": 206,
	"SIGNAL_MASK": 207, "STDIN": 208, "STDOUT": 209, "CHROOT": 210, "IOPRIO": 211, "TIMERSLACK": 212,
	"SECUREBITS": 213, "SETSCHEDULER": 214, "CPUAFFINITY": 215, "GROUP": 216, "USER": 217, "CAPABILITIES": 218,
	"CGROUP": 219, "SETSID": 220, "CONFIRM": 221, "STDERR": 222, "PAM": 224, "NETWORK": 225, "NAMESPACE": 226,
	"NO_NEW_PRIVILEGES": 227, "SECCOMP": 228, "SELINUX_CONTEXT": 229, "PERSONALITY": 230,
	"APPARMOR_PROFILE": 231, "ADDRESS_FAMILIES": 232, "RUNTIME_DIRECTORY": 233, "CHOWN": 235,
	"SMACK_PROCESS_LABEL": 236, "KEYRING": 237, "STATE_DIRECTORY": 238, "CACHE_DIRECTORY": 239,
	"LOGS_DIRECTORY": 240, "CONFIGURATION_DIRECTORY": 241, "NUMA_POLICY": 242, "CREDENTIALS": 243, "BPF": 245,
}

// exitStatuses parses a space-separated list of exit statuses (0..255 or a name) and signal names into set;
// assignments accumulate and an empty one resets.
func (p *parser) exitStatuses(e *sdk.Entry, set *ExitStatusSet) {
	if strings.TrimSpace(e.Value) == "" {
		*set = ExitStatusSet{}
		return
	}
	add, err := parseExitStatusSet(e.Value)
	if err != nil {
		p.Bad(e, "%v", err)
		return
	}
	// A set: a value named twice is kept once, in the order first given.
	for _, s := range add.Statuses {
		if !slices.Contains(set.Statuses, s) {
			set.Statuses = append(set.Statuses, s)
		}
	}
	for _, s := range add.Signals {
		if !slices.Contains(set.Signals, s) {
			set.Signals = append(set.Signals, s)
		}
	}
}

// parseExitStatusSet parses one non-empty list. A number is always an exit status; a signal is written by
// name ("SIGHUP" or "HUP").
func parseExitStatusSet(v string) (ExitStatusSet, error) {
	var set ExitStatusSet
	for _, w := range strings.Fields(v) {
		if w[0] >= '0' && w[0] <= '9' {
			n, err := strconv.Atoi(w)
			if err != nil || n > 255 {
				return set, fmt.Errorf("%q is not an exit status (0..255)", w)
			}
			set.Statuses = append(set.Statuses, n)
			continue
		}
		if n, ok := exitStatusNames[w]; ok {
			set.Statuses = append(set.Statuses, n)
			continue
		}
		n, err := signame.Parse(w)
		if err != nil {
			return set, fmt.Errorf("%q is neither an exit status nor a signal name", w)
		}
		set.Signals = append(set.Signals, n)
	}
	return set, nil
}
