package executor

import (
	"os"
	"runtime"
	"strconv"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Under PrivateUsers= the executor runs in its user namespace from its first instruction (host/exec's
// userns.go), where it holds no privilege over the host. systemd sets up a process's credentials, priority, OOM
// score and limits before it enters the namespace; here the core does for the executor what needs that
// privilege, with the functions below:
//
//   - before the fork, the credentials: a mount in the host's mount namespace (PrepareCredentials);
//   - after the fork, before the go-ahead (ApplyPrivileged): Nice= and CPUSchedulingPolicy=/Priority= on the
//     executor's main thread, the one that execs (the executor keeps its main goroutine there from init on),
//     the OOM score adjustment (/proc/PID/oom_score_adj) and the resource limits (prlimit(2)), which are the
//     process's. The executor then sets the same values again, which needs no privilege.
//
// A setting the core could not apply is left to the executor, whose own attempt then fails with the step's
// exit status and message (or, for OOMScoreAdjust=, is ignored), as without PrivateUsers=.

func init() {
	if Is() {
		// From init on, so that main's goroutine never leaves the main thread: its nice value and scheduling
		// policy, which the core may set from outside (ApplyPrivileged), are what execve keeps.
		runtime.LockOSThread()
	}
}

// PrepareCredentials writes sp's credentials, owned by uid and gid, for an executor that cannot: sp then says
// they are ready, or why they are not (the executor fails with 243 CREDENTIALS and that message, as it would
// itself).
func PrepareCredentials(sp *Spec, uid, gid int) {
	creds := sp.Exec.Credentials
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

// ApplyPrivileged sets pid's priority (its main thread's), OOM score adjustment and resource limits as ec asks.
func ApplyPrivileged(pid int, ec *Exec) {
	if ec.NiceSet {
		_ = unix.Setpriority(unix.PRIO_PROCESS, pid, int(ec.Nice))
	}
	if policy, _ := lookup(schedPolicies, ec.CpuSchedulingPolicy); policy >= 0 {
		param := struct{ priority int32 }{ec.CpuSchedulingPriority}
		_, _, _ = unix.RawSyscall(unix.SYS_SCHED_SETSCHEDULER, uintptr(pid), uintptr(policy), uintptr(unsafe.Pointer(&param)))
	}
	if ec.OomScoreAdjustSet {
		// A privileged write also lowers the process's floor (oom_score_adj_min), so that the executor's own
		// write of the same value, inside the namespace, is allowed.
		_ = os.WriteFile("/proc/"+strconv.Itoa(pid)+"/oom_score_adj", []byte(strconv.Itoa(int(ec.OomScoreAdjust))), 0)
	}
	for name, l := range ec.Limits {
		resource, _ := lookup(rlimits, name)
		_ = unix.Prlimit(pid, resource, &unix.Rlimit{Cur: l.Soft, Max: l.Hard}, nil)
	}
}
