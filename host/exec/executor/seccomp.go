package executor

import (
	"fmt"

	"golang.org/x/net/bpf"
	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/seccomp"
)

// eperm is the refusal of the sandbox's own rules (systemd's choice for all but SystemCallFilter=).
var eperm = seccomp.Errno(unix.EPERM)

// seccompFilters assembles the seccomp programs the sandbox asks for, one per directive as systemd loads them
// (the kernel applies the strictest answer of all). A call of another ABI (i386, x32) is refused by each of
// them: this package has the numbers of the native one only, and a filter that let foreign calls through
// would be one int 0x80 away from being bypassed.
func seccompFilters(sb *Sandbox) ([][]bpf.RawInstruction, error) {
	if sb == nil {
		return nil, nil
	}
	var fs []*seccomp.Filter
	deny := func(names ...string) *seccomp.Filter {
		f := &seccomp.Filter{Default: seccomp.Allow, BadArch: eperm}
		for _, n := range names {
			expanded, _ := seccomp.Expand(n)
			for _, e := range expanded {
				f.Add(seccomp.Rule{Syscall: e, Action: eperm})
			}
		}
		return f
	}
	if sb.SyscallArchitecturesNative {
		// Only the architecture check: everything native passes, a foreign ABI kills, as libseccomp's
		// default bad-architecture action does for systemd.
		fs = append(fs, &seccomp.Filter{Default: seccomp.Allow, BadArch: seccomp.KillProcess})
	}
	if sb.PrivateDevices {
		fs = append(fs, deny("@raw-io"))
	}
	if sb.ProtectKernelModules {
		fs = append(fs, deny("@module"))
	}
	if sb.ProtectKernelLogs {
		fs = append(fs, deny("syslog"))
	}
	if sb.ProtectClock {
		fs = append(fs, deny("@clock"))
	}
	if sb.ProtectHostname {
		fs = append(fs, deny("sethostname", "setdomainname"))
	}
	if sb.MemoryDenyWriteExecute {
		fs = append(fs, memoryDenyWriteExecute())
	}
	if sb.RestrictRealtime {
		// Only OTHER, BATCH and IDLE: FIFO, RR, ISO, and any policy above IDLE (DEADLINE, anything with
		// SCHED_RESET_ON_FORK) are refused, as systemd refuses them.
		f := &seccomp.Filter{Default: seccomp.Allow, BadArch: eperm}
		for _, p := range []uint32{unix.SCHED_FIFO, unix.SCHED_RR, 4 /* SCHED_ISO */} {
			f.Add(seccomp.Rule{Syscall: "sched_setscheduler", Conds: []seccomp.Cond{{Arg: 1, Op: seccomp.MaskedEq, Value: p}}, Action: eperm})
		}
		f.Add(seccomp.Rule{Syscall: "sched_setscheduler", Conds: []seccomp.Cond{{Arg: 1, Op: seccomp.Greater, Value: unix.SCHED_IDLE}}, Action: eperm})
		fs = append(fs, f)
	}
	if sb.RestrictSuidSgid {
		fs = append(fs, restrictSUIDSGID())
	}
	if sb.LockPersonality {
		cur, _, _ := unix.RawSyscall(unix.SYS_PERSONALITY, 0xffffffff, 0, 0)
		f := &seccomp.Filter{Default: seccomp.Allow, BadArch: eperm}
		f.Add(seccomp.Rule{Syscall: "personality", Conds: []seccomp.Cond{{Arg: 0, Op: seccomp.NotEqual, Value: uint32(cur)}}, Action: eperm})
		fs = append(fs, f)
	}
	if sb.RestrictNamespacesSet {
		fs = append(fs, restrictNamespaces(sb.NamespacesAllowed))
	}
	if sb.AddressFamiliesSet {
		fs = append(fs, restrictAddressFamilies(sb.AddressFamilies, sb.AddressFamiliesAllow))
	}
	if sb.SyscallLogSet {
		fs = append(fs, syscallLog(sb.SyscallLog, sb.SyscallLogAllow))
	}
	// Last: each filter is loaded under the ones before it, so only the last may refuse seccomp(2) itself (an
	// allow list without it), and the ones above refuse only what they name.
	if f := sb.SyscallFilter; f != nil {
		fs = append(fs, syscallFilter(f))
	}
	progs := make([][]bpf.RawInstruction, 0, len(fs))
	for _, f := range fs {
		p, err := f.Assemble()
		if err != nil {
			return nil, err
		}
		progs = append(progs, p)
	}
	return progs, nil
}

// syscallFilter is SystemCallFilter= with SystemCallErrorNumber=.
func syscallFilter(sf *SyscallFilter) *seccomp.Filter {
	refuse := seccomp.KillProcess
	if sf.DefaultErrno > 0 {
		refuse = seccomp.Errno(unix.Errno(sf.DefaultErrno))
	}
	f := &seccomp.Filter{Default: seccomp.Allow, BadArch: refuse}
	if sf.AllowList {
		f.Default = refuse
		for _, n := range sf.Names {
			f.Add(seccomp.Rule{Syscall: n, Action: seccomp.Allow})
		}
		return f
	}
	for _, n := range sf.Names {
		a := refuse
		if e, ok := sf.Errnos[n]; ok {
			a = seccomp.Errno(unix.Errno(e))
			if e < 0 { // ":kill"
				a = seccomp.KillProcess
			}
		}
		f.Add(seccomp.Rule{Syscall: n, Action: a})
	}
	return f
}

// syscallLog is SystemCallLog=: the calls named (with allow) or all but them are let through with
// SECCOMP_RET_LOG, which the kernel's audit logs (a "type=1326" record, in the kernel log without auditd).
func syscallLog(names []string, allow bool) *seccomp.Filter {
	listed, other := seccomp.Log, seccomp.Allow
	if !allow {
		listed, other = seccomp.Allow, seccomp.Log
	}
	f := &seccomp.Filter{Default: other, BadArch: eperm}
	for _, n := range names {
		f.Add(seccomp.Rule{Syscall: n, Action: listed})
	}
	return f
}

// memoryDenyWriteExecute refuses mappings that are writable and executable at once, and making a mapping
// executable later (systemd's rules: mmap with PROT_WRITE|PROT_EXEC, mprotect and pkey_mprotect with PROT_EXEC,
// shmat with SHM_EXEC).
func memoryDenyWriteExecute() *seccomp.Filter {
	f := &seccomp.Filter{Default: seccomp.Allow, BadArch: eperm}
	wx := uint32(unix.PROT_WRITE | unix.PROT_EXEC)
	f.Add(seccomp.Rule{Syscall: "mmap", Conds: []seccomp.Cond{{Arg: 2, Op: seccomp.MaskedEq, Mask: wx, Value: wx}}, Action: eperm})
	for _, n := range []string{"mprotect", "pkey_mprotect"} {
		f.Add(seccomp.Rule{Syscall: n, Conds: []seccomp.Cond{{Arg: 2, Op: seccomp.MaskedEq, Mask: unix.PROT_EXEC, Value: unix.PROT_EXEC}}, Action: eperm})
	}
	const shmExec = 0o100000
	f.Add(seccomp.Rule{Syscall: "shmat", Conds: []seccomp.Cond{{Arg: 2, Op: seccomp.MaskedEq, Mask: shmExec, Value: shmExec}}, Action: eperm})
	return f
}

// restrictSUIDSGID refuses creating or chmod-ing files with the set-user-ID or set-group-ID bit.
func restrictSUIDSGID() *seccomp.Filter {
	f := &seccomp.Filter{Default: seccomp.Allow, BadArch: eperm}
	// The argument holding the mode, per call; open and openat only with O_CREAT or O_TMPFILE.
	modeArg := map[string]int{"chmod": 1, "fchmod": 1, "fchmodat": 2, "mkdir": 1, "mkdirat": 2, "mknod": 1,
		"mknodat": 2, "creat": 1}
	for _, bit := range []uint32{unix.S_ISUID, unix.S_ISGID} {
		for _, n := range []string{"chmod", "fchmod", "fchmodat", "mkdir", "mkdirat", "mknod", "mknodat", "creat"} {
			f.Add(seccomp.Rule{Syscall: n, Conds: []seccomp.Cond{{Arg: modeArg[n], Op: seccomp.MaskedEq, Mask: bit, Value: bit}}, Action: eperm})
		}
		for _, creat := range []uint32{unix.O_CREAT, unix.O_TMPFILE} {
			f.Add(seccomp.Rule{Syscall: "open", Conds: []seccomp.Cond{
				{Arg: 1, Op: seccomp.MaskedEq, Mask: creat, Value: creat}, {Arg: 2, Op: seccomp.MaskedEq, Mask: bit, Value: bit}}, Action: eperm})
			f.Add(seccomp.Rule{Syscall: "openat", Conds: []seccomp.Cond{
				{Arg: 2, Op: seccomp.MaskedEq, Mask: creat, Value: creat}, {Arg: 3, Op: seccomp.MaskedEq, Mask: bit, Value: bit}}, Action: eperm})
		}
	}
	// openat2 takes its mode in a struct the filter cannot read: refused with ENOSYS so that libc falls back.
	f.Add(seccomp.Rule{Syscall: "openat2", Action: seccomp.Errno(unix.ENOSYS)})
	return f
}

// namespaceFlags are the CLONE_NEW* flags RestrictNamespaces= knows.
var namespaceFlags = []uint32{unix.CLONE_NEWCGROUP, unix.CLONE_NEWIPC, unix.CLONE_NEWNET, unix.CLONE_NEWNS,
	unix.CLONE_NEWPID, unix.CLONE_NEWUSER, unix.CLONE_NEWUTS}

// restrictNamespaces refuses clone, unshare and setns for namespace types not in allowed. clone3 is refused
// with ENOSYS (its flags are in a struct the filter cannot read), so that libc falls back to clone.
func restrictNamespaces(allowed uint64) *seccomp.Filter {
	f := &seccomp.Filter{Default: seccomp.Allow, BadArch: eperm}
	for _, fl := range namespaceFlags {
		if allowed&uint64(fl) != 0 {
			continue
		}
		for _, n := range []string{"clone", "unshare"} {
			f.Add(seccomp.Rule{Syscall: n, Conds: []seccomp.Cond{{Arg: 0, Op: seccomp.MaskedEq, Mask: fl, Value: fl}}, Action: eperm})
		}
		f.Add(seccomp.Rule{Syscall: "setns", Conds: []seccomp.Cond{{Arg: 1, Op: seccomp.MaskedEq, Mask: fl, Value: fl}}, Action: eperm})
	}
	if allowed != allNamespaces() {
		// setns(fd, 0) joins whatever fd is: refused when anything is restricted.
		f.Add(seccomp.Rule{Syscall: "setns", Conds: []seccomp.Cond{{Arg: 1, Op: seccomp.MaskedEq, Value: 0}}, Action: eperm})
		f.Add(seccomp.Rule{Syscall: "clone3", Action: seccomp.Errno(unix.ENOSYS)})
	}
	return f
}

func allNamespaces() uint64 {
	var all uint64
	for _, fl := range namespaceFlags {
		all |= uint64(fl)
	}
	return all
}

// restrictAddressFamilies refuses socket() for the families not allowed, with EAFNOSUPPORT as systemd does.
// Only socket() is checked: descriptors passed in, and socketpair(), are not affected.
func restrictAddressFamilies(families []int32, allow bool) *seccomp.Filter {
	f := &seccomp.Filter{Default: seccomp.Allow, BadArch: eperm}
	refuse := seccomp.Errno(unix.EAFNOSUPPORT)
	if !allow {
		for _, af := range families {
			f.Add(seccomp.Rule{Syscall: "socket", Conds: []seccomp.Cond{{Arg: 0, Op: seccomp.MaskedEq, Value: uint32(af)}}, Action: refuse})
		}
		return f
	}
	conds := make([]seccomp.Cond, 0, len(families))
	for _, af := range families {
		conds = append(conds, seccomp.Cond{Arg: 0, Op: seccomp.NotEqual, Value: uint32(af)})
	}
	f.Add(seccomp.Rule{Syscall: "socket", Conds: conds, Action: refuse})
	return f
}

// loadSeccomp installs the filters on this thread, setting no_new_privs first when the process no longer has
// CAP_SYS_ADMIN (systemd's implied NoNewPrivileges=: the kernel refuses a filter otherwise).
func loadSeccomp(progs [][]bpf.RawInstruction) error {
	if len(progs) == 0 {
		return nil
	}
	caps, err := capGet()
	if err != nil {
		return err
	}
	if caps.effective&(1<<unix.CAP_SYS_ADMIN) == 0 {
		if err := unix.Prctl(unix.PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0); err != nil {
			return fmt.Errorf("no_new_privs: %w", err)
		}
	}
	for _, p := range progs {
		if err := seccomp.Load(p); err != nil {
			return err
		}
	}
	return nil
}
