// Package pid1 is sysmaster's init: the process the kernel (or a container runtime) starts as PID 1. cmd/init is
// a thin main around Main; started as any other pid, Main refuses to run.
//
// It stays tiny and cannot fail. It mounts the API filesystems that are missing (a fresh /proc in a container
// whose /proc is the outer one, nothing at all when its mount namespace is the outer system's), starts the core
// and restarts it whenever it dies, with a backoff in a crash loop. It alone waits for its children: every exit
// but the core's is numbered, kept in order while no core listens, and handed to the core over
// /run/sysmaster/init.sock (pkg/initproto), where only the core it started may connect. It kills a core whose
// heartbeat stops. On SIGTERM, SIGINT or SIGRTMIN+3…5 it asks the core to bring the system down, then performs
// the final stage itself: kill what is left, sync, unmount (on a real boot) and reboot(2). It holds no plugin,
// no gRPC and no configuration beyond two environment variables for tests: SYSMASTER_CORE (the core binary)
// and SYSMASTER_HEARTBEAT_TIMEOUT (a Go duration).
//
// Re-executing init itself for an upgrade is not done yet. Its place is a SIGUSR2 case in Main's loop: init
// would write its state (the core's pid, start time and backoff, the exit queue and the next Seq, the pending
// shutdown) to a memfd, clear FD_CLOEXEC on it, on the listener and on the core's connection, and execve
// /proc/self/exe with a flag naming those fds; the new image would read them back instead of mounting and
// starting a core, and go on with the same socket, so the core never sees its link drop and no exit is lost.
package pid1
