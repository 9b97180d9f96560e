// Package api serves the core's control API (sdk/proto/sysmaster/control/v1) on the unix socket
// /run/sysmaster/private, over a Core: the service checks and translates each request into a call of Core in Go
// types, and the answer back; host/manager implements Core on its event loop.
//
// Who may do what is decided by the kernel-reported credentials of the connecting process (SO_PEERCRED), taken
// once per connection in the transport handshake: uid 0 may call everything, any other uid only the read-only
// calls. A refused call gets PERMISSION_DENIED and reaches nothing behind the server.
package api
