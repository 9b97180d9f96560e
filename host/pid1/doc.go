// Package pid1 is sysmaster's init: the process the kernel (or a container runtime) starts as PID 1.
//
// It stays tiny and cannot fail: it mounts the API filesystems, starts the core and restarts it whenever it
// dies, reaps every orphan and keeps the exits the core may care about for it (pkg/initproto), watches the core's
// heartbeat, and performs the final stage of a shutdown. It holds no plugin, no gRPC and no configuration.
//
// Re-executing init itself for an upgrade (keeping the core and the buffered exits across exec) is the next
// step of the crash-recovery work; it will hang off the same loop as a signal.
package pid1
