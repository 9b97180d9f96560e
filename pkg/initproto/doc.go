// Package initproto is the small protocol between init (PID 1) and the core over /run/sysmaster/init.sock:
// a SOCK_SEQPACKET unix socket on which every packet is one JSON-encoded Msg, at most MaxPacket bytes, with
// descriptors attached (SCM_RIGHTS, at most MaxFdsPerMsg) to the two messages that carry them. init listens and
// serves one client at a time, the core it started; the core connects.
//
// Who sends what, and when:
//   - core → init "hello" (Pid: the core's pid), once after connecting. init answers with the descriptors it
//     keeps for the core ("fds" messages, then "fds-done"), then one "exit" per exit it reaped and kept while no
//     core listened, oldest first, then "ready"; afterwards it forwards each exit live. Conn.HelloFds says hello
//     and takes the descriptors; an init without an fd store answers with exits and "ready" only, which HelloFds
//     leaves for Recv.
//   - core → init "heartbeat" every HeartbeatInterval. A core that said hello and then stays silent for init's
//     heartbeat timeout (HeartbeatTimeout unless configured) is taken for hung: init sends it SIGABRT, SIGKILL
//     three seconds later, and starts another.
//   - init → core "exit" (Pid, Code, Status, Seq): a process the core may own ended and init reaped it. Seq
//     numbers exits from 1 in the order init reaped them, for init's lifetime (re-executions included): a gap
//     means init had to drop that many (its buffer is bounded).
//   - init → core "shutdown" (Action): init was asked to power off, reboot or halt; the core brings the system
//     down in order, then answers with its own "shutdown".
//   - core → init "shutdown" (Action): the core has stopped the units and exits now; once it has, init performs
//     the final stage (kill what is left, sync, reboot(2)).
//
// The fd store keeps what must outlive a core crash (listening sockets, connections handed to services, the
// notify socket, the read ends of log pipes): init holds duplicates across any number of core restarts, and
// across its own re-executions, until the core removes them.
//   - core → init "store-fds" (Names, one descriptor each, attached): keep these, replacing what is kept under
//     the same names. Conn.StoreFds splits any number into packets. init takes a packet whole or not at all: a
//     packet that would overfill its store (65536 descriptors, fewer under a low RLIMIT_NOFILE) is refused and
//     answered with init → core "store-refused" (Names).
//   - core → init "remove-fds" (Names): close what is kept under these names; unknown names are ignored.
//   - init → core "fds" (Names, descriptors attached) after hello, then "fds-done": everything kept, sorted by
//     name, before any exit.
//
// Names are 1 to MaxNameLen printable ASCII characters, each at most once per packet. A packet that breaks a
// rule is refused (ErrBadPacket) and the connection goes on; descriptors attached to anything but a valid
// "store-fds" or "fds" are closed on receipt.
//
// Finally, core → init "reexec": init re-executes itself from its binary on disk, for an upgrade, as it does on
// SIGUSR2. It keeps its state and this connection: the core sees nothing but a pause.
package initproto
