// Package cgroup gives each unit a cgroup of its own, on a pure cgroup v2 system (Unified), on v1 controller
// hierarchies beside a controller-less cgroup2 one (Hybrid), and on v1 alone (Legacy).
//
// # Roots and paths
//
// The manager's root cgroup is the one the core runs in when it calls Detect (or Open, for a hierarchy mounted
// elsewhere): "/" on a real boot, a subtree in a container or a test; a trailing init.scope is dropped. Unit
// cgroups are named relative to the root, slices nesting: "system.slice", "system.slice/foo.service",
// "foo.slice/bar.service". Path gives the name users see ("/system.slice/foo.service" on a real boot).
//
// On cgroup v2 a cgroup holding processes cannot enable controllers for its children, so the core calls
// EnterInitScope before it creates units and lives in <root>/init.scope, as systemd does. On v1 that rule does
// not exist and the core stays where it was started.
//
// # Hierarchies used
//
// Unified: one directory per unit; the controllers its settings need are enabled in the cgroup.subtree_control
// of each cgroup from the root to the unit's parent, as far as the root's cgroup.controllers offers them.
//
// Hybrid and Legacy: processes are tracked (listed by Pids, signalled by Kill) in the name=systemd hierarchy,
// else in the pids one. A unit has a directory there, in the cgroup2 hierarchy in Hybrid mode (for
// cgroup.events and cgroup.kill), and in each controller hierarchy a setting needs. ProcsFiles lists the
// cgroup.procs of all of them: the executor writes "0" into each between fork and exec.
//
// # Settings
//
//	setting              cgroup v2                       cgroup v1
//	MemoryMax            memory.max                      memory.limit_in_bytes
//	MemoryHigh           memory.high                     memory.soft_limit_in_bytes (v1 cannot throttle)
//	CPUQuotaPerSecUSec   cpu.max "quota 100000"          cpu.cfs_quota_us, cpu.cfs_period_us=100000
//	CPUWeight            cpu.weight                      cpu.shares = weight·1024/100 (2…262144)
//	TasksMax             pids.max                        pids.max
//	IOWeight             io.weight, io.bfq.weight        blkio.weight = weight·500/100 (10…1000), if present
//
// Infinity is written as "max" (v2, pids.max) or -1 (v1). A setting whose controller is missing is skipped with
// a debug log (log/slog). Delegate=yes gives the unit's cgroup every controller there is and leaves the
// cgroups below it to the service: the package writes nothing below a unit's cgroup in any case, and Remove
// removes them once empty. Delegated cgroups are not chowned to the service's user.
//
// # Emptiness
//
// Watch calls a function when a unit's cgroup.events says "populated 0" (inotify; Unified and Hybrid). Legacy v1
// has no per-cgroup event a manager can use (release_agent is one per hierarchy), so there the host calls
// Populated after it reaps each process of the unit; the core is a subreaper, so every such exit reaches it.
//
// # Waiting
//
// Nothing here waits for a process or starts one: the core has a single reaper. Kill signals and returns.
// containerd's cgroups package answers first whether any cgroup file system is mounted (Detect). Its cgroup2
// package is not used: its Kill falls back to waiting for the processes, and it would link D-Bus and eBPF into
// the core for the three files it could write. Its cgroup1 controllers are not used either: they expect each
// controller at <mountpoint>/<name>, not at a co-mount such as cpu,cpuacct, and create any directory they write
// into. Every value is written directly.
//
// # Example
//
//	h, err := cgroup.Detect()
//	if err != nil { … }
//	if err := h.EnterInitScope(); err != nil { … }
//	unit := "system.slice/foo.service"
//	if err := h.Create(unit, cgroup.Settings{MemoryMax: 512 << 20, TasksMax: 64}); err != nil { … }
//	stop, _ := h.Watch(unit, func() { events <- unit }) // not in Legacy mode
//	files := h.ProcsFiles(unit) // the child writes "0" into each before exec
//	…
//	h.Kill(unit, unix.SIGTERM)
//	… // on the event, or when Populated(unit) is false after a reaped exit:
//	stop()
//	h.Remove(unit)
package cgroup
