package exec

import (
	"os"
	"runtime"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// Under PrivateUsers= the executor runs in its user namespace from its first instruction (userns.go), where it
// holds no privilege over the host. systemd sets up a process's credentials, priority, OOM score and limits
// before it enters the namespace; here the core does for the executor what needs that privilege:
//
//   - before the fork, the credentials: a mount in the host's mount namespace (setupCredentialsOutside);
//   - after the fork, before the go-ahead (applyOutside): Nice= and CPUSchedulingPolicy=/Priority= on the
//     executor's main thread, the one that execs (the executor keeps its main goroutine there from init on),
//     the OOM score adjustment (/proc/PID/oom_score_adj) and the resource limits (prlimit(2)), which are the
//     process's. The executor then sets the same values again, which needs no privilege.
//
// A setting the core could not apply is left to the executor, whose own attempt then fails with the step's
// exit status and message (or, for OOMScoreAdjust=, is ignored), as without PrivateUsers=.

func init() {
	if IsExecutor() {
		// From init on, so that main's goroutine never leaves the main thread: its nice value and scheduling
		// policy, which the core may set from outside (applyOutside), are what execve keeps.
		runtime.LockOSThread()
	}
}

// needsOutside reports whether ec's process gets its privileged setup from the core: PrivateUsers= without
// the "+" prefix.
func needsOutside(ec *pb.ExecContext) bool {
	return ec.GetSandbox().GetPrivateUsers() && !ec.GetFullPrivileges()
}

// setupCredentialsOutside writes the credentials for the executor: sp says they are ready, or why they are not
// (the executor fails with 243 CREDENTIALS and that message, as it would itself).
func setupCredentialsOutside(ec *pb.ExecContext, sp *spec, uid, gid int) {
	creds := ec.GetCredentials()
	if len(creds) == 0 {
		return
	}
	for _, c := range creds {
		if c.Encrypted {
			return // the executor refuses it with its own message
		}
	}
	data, err := loadCredentials(creds, sp.Unit, sp.SystemCredentials)
	if err == nil {
		err = writeCredentials(credentialsPath(sp.Unit), data, uid, gid)
	}
	if err != nil {
		sp.CredentialsError = err.Error()
		return
	}
	sp.CredentialsReady = true
}

// applyOutside sets pid's priority (its main thread's), OOM score adjustment and resource limits as ec asks.
func applyOutside(pid int, ec *pb.ExecContext) {
	if ec.NiceSet {
		_ = unix.Setpriority(unix.PRIO_PROCESS, pid, int(ec.Nice))
	}
	if policy := schedPolicies[ec.CpuSchedulingPolicy]; policy >= 0 {
		param := struct{ priority int32 }{ec.CpuSchedulingPriority}
		_, _, _ = unix.RawSyscall(unix.SYS_SCHED_SETSCHEDULER, uintptr(pid), uintptr(policy), uintptr(unsafe.Pointer(&param)))
	}
	if ec.OomScoreAdjustSet {
		// A privileged write also lowers the process's floor (oom_score_adj_min), so that the executor's own
		// write of the same value, inside the namespace, is allowed.
		_ = os.WriteFile("/proc/"+strconv.Itoa(pid)+"/oom_score_adj", []byte(strconv.Itoa(int(ec.OomScoreAdjust))), 0)
	}
	for name, l := range ec.Limits {
		_ = unix.Prlimit(pid, rlimits[name], &unix.Rlimit{Cur: l.Soft, Max: l.Hard}, nil)
	}
}
