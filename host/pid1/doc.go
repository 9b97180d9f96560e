// Package pid1 is sysmaster's init: the process the kernel (or a container runtime) starts as PID 1. cmd/init is
// a thin main around Main; started as any other pid, Main refuses to run.
//
// It stays tiny and cannot fail. It mounts the API filesystems that are missing (a fresh /proc in a container
// whose /proc is the outer one, nothing at all when its mount namespace is the outer system's), starts the core
// and restarts it whenever it dies, with a backoff in a crash loop. It alone waits for its children: every exit
// but the core's is numbered (Seq), kept in order, and handed to the core over /run/sysmaster/init.sock
// (pkg/initproto), where only the core it started may connect. An exit stays kept after it was sent, until the
// core acknowledges it ("ack" Seq, once the exit is in the core's exit log): after every hello, from a new core or
// from the same one re-dialling after its re-execution, init sends everything it keeps again, oldest first, then
// what is new, so a core that dies between init's send and its own log loses nothing (it may get an exit twice).
// The exits live in one queue, in Seq order, and each connection remembers the Seq of the last exit it was sent
// since its hello. An ack counts only for exits sent on that connection; one for more, or going back, changes
// nothing and the link stays. When the core re-dials, its previous connection is read on to its end (for a
// second at most) for the acks it sent last, before the new one is answered. At most 65536 exits are kept; beyond that (a core that never acks) the oldest go, logged. It
// kills a core whose heartbeat stops. On SIGTERM, SIGINT or SIGRTMIN+3…5 it asks the core to bring the system down, then performs
// the final stage itself: kill what is left, sync, unmount (on a real boot) and reboot(2). It holds no plugin,
// no gRPC and no configuration beyond two environment variables for tests: SYSMASTER_CORE (the core binary)
// and SYSMASTER_HEARTBEAT_TIMEOUT (a Go duration).
//
// The fd store. The core hands init duplicates of the descriptors that must outlive it (listening sockets,
// connections handed to services, the notify socket, the read ends of services' log pipes) under names; init
// keeps them as raw close-on-exec descriptors, never read nor polled, across any number of core restarts, and
// hands them all back after each hello, before any exit. Only the core removes them. The store is bounded: at
// most 65536 descriptors, and 512 fewer than init's RLIMIT_NOFILE (which Go's runtime raised to the hard limit
// at start) when that is lower; a store that would pass it is refused whole, and the core told. Names are
// bounded too, and a bad packet is refused without dropping the link, its descriptors closed.
//
// Re-execution, for an upgrade. systemd re-executes PID 1 on `systemctl daemon-reexec`; here PID 1 is not the
// manager, and `sctl daemon-reexec` re-executes the core, which init's fd store and exit queue make harmless.
// init itself re-executes on SIGUSR2 (systemd's PID 1 uses SIGTERM for this, which init keeps for power-off, as
// containers expect) or when the core sends initproto's "reexec" (which the core can do on daemon-reexec, so
// that one command upgrades both). init first runs the binary now on disk (os.Executable: the path, not the
// replaced inode) with --sysmaster-init-check, and goes on only if it answers within five seconds that it reads
// this state format; then it pauses the reader of the core's connection, handling what it read, writes its state
// (the core's pid, start time, heartbeat and backoff, the exits not yet acknowledged, how far the core's
// connection was sent them, the next Seq, a pending shutdown and its deadline, the pending handover, the kept
// descriptors with their names) to a memfd, clears FD_CLOEXEC on it,
// on the listener, on the core's connection and on the kept descriptors, and execve's the binary with
// --sysmaster-init-state=FD. The new image reads the state back instead of mounting and starting a core, sets
// close-on-exec again, reaps what ended meanwhile and goes on with the same socket: the core never sees its link
// drop, what it sent meanwhile waits in the socket, and no exit is lost or sent twice on that connection. If anything fails before
// the execve returns, init goes on as it was. Main's goroutine is locked to the main thread, so that the execve
// keeps a parent-death signal the thread that started init was given.
package pid1
