package executor

// Check refuses, before fork, what no machine could apply: an unknown limit, scheduling policy, capability,
// directory kind or standard stream.
func Check(sp *Spec) *Failure {
	ec := &sp.Exec
	for name := range ec.Limits {
		if _, ok := lookup(rlimits, name); !ok {
			return fail("LIMITS", "unknown resource limit Limit%s=", name)
		}
	}
	if _, ok := lookup(schedPolicies, ec.CpuSchedulingPolicy); !ok {
		return fail("SETSCHEDULER", "unknown CPUSchedulingPolicy=%s", ec.CpuSchedulingPolicy)
	}
	for _, c := range ec.CapabilityBoundingSet {
		if _, err := capByName(c); err != nil {
			return fail("CAPABILITIES", "CapabilityBoundingSet=: %v", err)
		}
	}
	for _, c := range ec.AmbientCapabilities {
		if _, err := capByName(c); err != nil {
			return fail("CAPABILITIES", "AmbientCapabilities=: %v", err)
		}
	}
	for k := range ec.Directories {
		if _, ok := lookup(directoryKinds, k); !ok {
			return fail("RUNTIME_DIRECTORY", "unknown directory kind %q", k)
		}
	}
	return checkStdio(ec, sp.FdNames, sp.Fds)
}

// UserIDs resolves User= and Group= as the executor will: the uid and gid PrivateUsers= maps (0 for unset). A
// name that does not resolve fails with USER or GROUP.
func UserIDs(user, group string) (uid, gid int, f *Failure) {
	if user != "" {
		u, err := lookupUser(user)
		if err != nil {
			return 0, 0, fail("USER", "%v", err)
		}
		uid, gid = u.uid, u.gid
	}
	if group != "" {
		g, err := lookupGroup(group)
		if err != nil {
			return 0, 0, fail("GROUP", "%v", err)
		}
		gid = g.gid
	}
	return uid, gid, nil
}
