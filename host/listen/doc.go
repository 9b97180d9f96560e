// Package listen opens, accepts on and closes the listening sockets and FIFOs of socket units, with the
// semantics of man systemd.socket. The core holds every such fd so that it outlives the socket plugin that asked
// for it (an OpenSocket action); this package is the part of the core that talks to the kernel for them.
//
// Addresses are written as in ListenStream=, ListenDatagram=, ListenSequentialPacket=, ListenFIFO= and
// ListenNetlink=; options are the [Socket] settings by their systemd names, with systemd's value syntax.
//
// The address decides the family ("/run/x" and "@x" are unix, "1.2.3.4:80" inet, "[::1]:80" inet6,
// "vsock:2:80" vsock, a bare port inet6 or inet), except for "fifo" and "netlink", whose addresses cannot be told
// apart from others: the spec must name those. A family named in the spec that the address contradicts is an
// error. Port 0 is accepted (the kernel picks a port): refusing it, as systemd's unit-file parser does, is the
// socket plugin's business.
//
// Settings that mean nothing for the socket at hand (NoDelay= on a unix socket, SocketMode= on an abstract one)
// are ignored, where systemd would log a warning; a library has no one to warn. Values are checked all the same.
//
// Every file this package returns is close-on-exec and in blocking mode, as services expect the fds they are
// passed; the caller owns it. Nothing here waits for processes or starts any.
package listen
