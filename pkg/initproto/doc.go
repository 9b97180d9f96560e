// Package initproto is the small protocol between init (PID 1) and the core over /run/sysmaster/init.sock:
// a SOCK_SEQPACKET unix socket on which every packet is one JSON-encoded Msg, at most MaxPacket bytes, with
// descriptors attached (SCM_RIGHTS, at most MaxFdsPerMsg) to the two messages that carry them. init listens and
// serves one client at a time, the core it started; the core connects.
//
// Who sends what, and when:
//   - core → init "hello" (Pid: the core's pid), once after connecting. init answers with the descriptors it
//     keeps for the core ("fds" messages, then "fds-done"), then one "exit" per exit it keeps (every exit not yet
//     acknowledged: those reaped while no core listened, and those sent to an earlier core, or earlier on this
//     one's previous connection, that it did not acknowledge), oldest first, then "ready"; afterwards it forwards
//     each exit live. Conn.HelloFds says hello and takes the descriptors; an init without an fd store answers
//     with exits and "ready" only, which HelloFds leaves for Recv.
//   - core → init "heartbeat" every HeartbeatInterval. A core that said hello and then stays silent for init's
//     heartbeat timeout (HeartbeatTimeout unless configured) is taken for hung: init sends it SIGABRT, SIGKILL
//     three seconds later, and starts another.
//   - init → core "exit" (Pid, Code, Status, Seq): a process the core may own ended and init reaped it. Seq
//     numbers exits from 1 in the order init reaped them, for init's lifetime (re-executions included): a gap
//     means init had to drop that many (its buffer is bounded).
//   - core → init "ack" (Seq > 0): every exit up to and including Seq is safe with the core, that is, written
//     where the next core finds it should this one die (sysmaster's core acks each exit once it is in its exit
//     log). init keeps every exit it sent until it is acknowledged, and sends what it keeps again after the next
//     hello, on any connection: a core that dies or re-executes itself (its connection closes) between init's
//     send and its own log loses nothing. A core may therefore get an exit twice, with the same Seq, and must
//     take a second one for a pid it no longer knows as nothing. An ack covers only exits init sent on the same
//     connection since its last hello (init reads a connection the core replaced by dialling again to its end,
//     for the acks on it); init ignores one for a Seq it did not send there, and one that goes back, and the
//     connection goes on. At most 65536 exits are kept: beyond that (a core that never acks) init
//     drops the oldest, which is the gap above. An init that predates "ack" refuses it as a bad packet, which
//     ends nothing either. Conn.Ack sends one.
//   - init → core "shutdown" (Action): init was asked to power off, reboot or halt; the core brings the system
//     down in order, then answers with its own "shutdown".
//   - core → init "shutdown" (Action, Status): the core has stopped the units and exits now; once it has, init
//     performs the final stage (kill what is left, sync, reboot(2)). Action exit (sctl exit, in a container
//     only) skips reboot(2): init exits with Status, the manager's ExitCode.
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
