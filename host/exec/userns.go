package exec

import (
	"syscall"

	"github.com/sysmaster/sysmaster/host/exec/executor"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// PrivateUsers= cannot be entered by the executor itself: unshare(CLONE_NEWUSER) and setns into a user namespace
// need a single-threaded caller, and the executor is a Go process up to execve. So the host forks the executor
// into the new user namespace (clone with CLONE_NEWUSER; the runtime's fork writes the maps from the parent
// before the child runs), and the executor's setup then happens inside it: everything it does is checked
// against the namespace, whose root is the host's root for the files it owns (uid 0 maps to 0).

// privateUsersAttr returns the clone flags and maps of PrivateUsers= for ec, or nil when it does not ask for
// it. As systemd 252 maps them: root and the service's user and group to themselves, everything else to the
// overflow id (nobody).
//
// It returns the service's user and group too, the owners of what the core sets up for it (executor.PrepareCredentials).
func privateUsersAttr(ec *pb.ExecContext) (attr *syscall.SysProcAttr, uid, gid int, f *Failure) {
	if !needsOutside(ec) {
		return nil, 0, 0, nil
	}
	uid, gid, f = executor.UserIDs(ec.User, ec.Group)
	if f != nil {
		return nil, 0, 0, f
	}
	maps := func(id int) []syscall.SysProcIDMap {
		m := []syscall.SysProcIDMap{{ContainerID: 0, HostID: 0, Size: 1}}
		if id != 0 {
			m = append(m, syscall.SysProcIDMap{ContainerID: id, HostID: id, Size: 1})
		}
		return m
	}
	return &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER,
		UidMappings: maps(uid), GidMappings: maps(gid),
		// setgroups stays allowed: the executor sets the supplementary groups (those not mapped show as nobody).
		GidMappingsEnableSetgroups: true,
	}, uid, gid, nil
}

// needsOutside reports whether ec's process gets its privileged setup from the core: PrivateUsers= without
// the "+" prefix.
func needsOutside(ec *pb.ExecContext) bool {
	return ec.GetSandbox().GetPrivateUsers() && !ec.GetFullPrivileges()
}
