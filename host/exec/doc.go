// Package exec starts a unit's processes as its plugin describes them (a Spawn action with its ExecContext),
// through the core's reaper so that the core stays the only waiter.
//
// # The executor
//
// Start forks the core and execs the executor with argv[0] "sysmaster-executor": the small binary
// cmd/sysmaster-executor (package executor, installed beside the core), which links the executor's code and
// x/sys, and none of the core's gRPC, protobuf or configuration packages, whose initialisers used to cost every
// spawn more than the rest of its setup. The core opens it once at start (UseExecutor, O_PATH) and execs it as
// /proc/self/fd/N, so that an upgrade which replaces the file leaves a running core with the executor of its own
// release, as /proc/self/exe did. Without it (an install that lacks it) the core is its own executor through
// /proc/self/exe, and logs that at start; a binary that can be the executor calls, first thing in main:
//
//	if exec.IsExecutor() {
//		exec.ExecutorMain()
//	}
//
// The executor gets its spec (an executor.Spec: the Spawn converted field by field, in an encoding of its own
// that needs no protobuf runtime, plus what the host adds: cgroup.procs files to join, unit name, invocation ID,
// notify socket, how many fds are passed) in a memfd, a status pipe that is
// close-on-exec, and the read end of a go-ahead pipe. They sit right after the passed fds (0–2, then the passed
// fds from 3, then spec, status and go-ahead), named by SYSMASTER_EXECUTOR_FDS="SPEC,STATUS,GO", the executor's
// only environment variable; the service's
// environment is built from the spec alone. (A fixed high fd number would mean hundreds of placeholder entries
// in the fork's fd table; this way the passed fds are already where the service expects them.)
//
// The executor first waits for one byte on the go-ahead pipe, which Start writes once Options.Forked (the core's
// spawn log) has noted the pid; EOF means the core died before that, and the executor exits at once, before it
// joins the unit's cgroup: a process the next core cannot know of never runs.
//
// The executor (package executor) applies the ExecContext in systemd's order — cgroup, credentials lookup, KeyringMode=, setsid,
// TTYVHangup=/TTYReset=/TTYVTDisallocate=, standard streams, TTYRows=/TTYColumns=, the utmp records of
// UtmpIdentifier=, OOMScoreAdjust=, Nice=, CPUScheduling*=, CPUAffinity=, IOScheduling*=, Limit*=, the *Directory=
// settings, LoadCredential=/SetCredential= (executor/credentials.go), UMask=, PrivateTmp=,
// PrivateNetwork=/PrivateIPC=/ProtectHostname=, the mount namespace (PrivateTmp= and the file-system sandbox),
// RootDirectory=, the capability bounding set, groups and user, WorkingDirectory=, AmbientCapabilities=,
// NoNewPrivileges=, signal mask, the seccomp filters — and execs. Its main goroutine is locked to one thread from the start: the
// per-thread state (mount namespace after unshare, capabilities, bounding set, no_new_privs, nice, scheduling
// policy) is set on the thread that calls execve. set*id and setgroups go through package syscall, which applies
// them to every thread. On a failure it writes "<STEP>: <message>" to the status pipe and exits with systemd's
// code for the step (executor/exitcodes.go: 200 CHDIR, 203 EXEC, 216 GROUP, 217 USER, …).
//
// # Reporting failures
//
// Start returns the pid as soon as the executor is forked and Options.Forked has returned; it never waits for
// the exec. A goroutine reads the status pipe: EOF alone means the exec succeeded. A message is handed to
// Options.OnFailure as a *Failure, and the exit of the pid waits for that, so that the sink always hears of the
// exit (status Failure.Code) after OnFailure. The reaper hands the exit over before it reaps the process, and
// the sink gets it before the reaper's call returns, so that what the sink makes safe of it (the core's exit log)
// is safe before the zombie goes. Settings that cannot work on any machine (an unknown limit, capability, policy or stream) are
// refused by Start before fork, with a *Failure whose Pid is 0.
//
// # What is applied, and what is not
//
// Every ExecContext field is applied as man systemd.exec says, with these notes:
//   - pass_credentials is refused (step CREDENTIALS, 243): the contract carries no credential data to pass. The
//     credentials of LoadCredential= and SetCredential= are in credentials; the encrypted forms fail with 243.
//   - PrivateUsers= is applied by Start, which forks the executor into the user namespace (userns.go): the
//     executor cannot enter one itself, being multi-threaded.
//   - UtmpIdentifier='s DEAD_PROCESS record is written by Start's exit handler, before the sink hears of it.
//   - syslog_identifier and ignore_failure are not the executor's: the first names the host's capture of the
//     output, the second is the plugin's business (a "-" command's failure counts as success).
//   - ambient_only (the "!" prefix) leaves User=, Group= and SupplementaryGroups= to the command: no credential
//     change, though HOME, USER and the directories' owner still follow User=.
//   - full_privileges (the "+" prefix) skips User=/Group=, capabilities, NoNewPrivileges=, RootDirectory= and
//     PrivateTmp=.
//   - The sandbox (executor/namespace.go, netns.go, seccomp.go) is described in docs/sandboxing.md: the mount
//     namespace's entries are sorted parents first and applied with mount_setattr(2); the seccomp filters (one per
//     directive, assembled by pkg/seccomp) are installed last, after argv and the environment are converted, with
//     no_new_privs set first when the process lacks CAP_SYS_ADMIN. A missing path without "-" fails with
//     NAMESPACE (226), naming the directive and path. PrivateNetwork= and PrivateIPC= namespaces are kept under
//     SharedNamespaceDir for the invocation's other processes; RemovePrivateTmp removes them too.
//   - PrivateTmp= bind-mounts /tmp/sysmaster-private-<invocation>-<unit>/tmp and its /var/tmp twin over /tmp and
//     /var/tmp in a mount namespace of the process's own (/ made a recursive slave first), so all processes of
//     one invocation share them; the host removes them with RemovePrivateTmp once the unit is stopped. Without an
//     invocation ID (a spawn outside any activation) each process gets a tmpfs of its own on each instead.
//   - StandardInput=tty waits for the terminal to become free (acquireTerminal), as systemd's does, for as long
//     as it takes: a stop of the unit kills the waiting executor.
//   - journal, kmsg, syslog (and their +console forms) go to Options.Stdout/Stderr, or to Console.
//   - An empty CapabilityBoundingSet leaves the bounding set alone; NoCapabilities drops every capability
//     (systemd's CapabilityBoundingSet= resolving to the empty set).
//   - Signals: ignored ones are set back to their default and the mask emptied (SIGNAL_MASK), as systemd does.
package exec
