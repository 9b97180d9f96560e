// Package initproto is the small protocol between init (PID 1) and the core over /run/sysmaster/init.sock:
// a SOCK_SEQPACKET unix socket on which every packet is one JSON-encoded Msg. init listens and serves one client
// at a time, the core it started; the core connects.
//
// Who sends what, and when:
//   - core → init "hello" (Pid: the core's pid), once after connecting. init answers with one "exit" per exit it
//     reaped and kept while no core listened, oldest first, then "ready"; afterwards it forwards each exit live.
//   - core → init "heartbeat" every HeartbeatInterval. A core that said hello and then stays silent for init's
//     heartbeat timeout (HeartbeatTimeout unless configured) is taken for hung: init sends it SIGABRT, SIGKILL
//     three seconds later, and starts another.
//   - init → core "exit" (Pid, Code, Status, Seq): a process the core may own ended and init reaped it. Seq
//     numbers exits from 1 in the order init reaped them, for init's lifetime: a gap means init had to drop
//     that many (its buffer is bounded).
//   - init → core "shutdown" (Action): init was asked to power off, reboot or halt; the core brings the system
//     down in order, then answers with its own "shutdown".
//   - core → init "shutdown" (Action): the core has stopped the units and exits now; once it has, init performs
//     the final stage (kill what is left, sync, reboot(2)).
package initproto
