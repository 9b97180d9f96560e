// Package api serves the core's control API (sdk/proto/sysmaster/control/v1) on the unix socket
// /run/sysmaster/private.
//
// Who may do what is decided by the kernel-reported credentials of the connecting process (SO_PEERCRED), taken
// once per connection in the transport handshake: uid 0 may call everything, any other uid only the read-only
// calls. A refused call gets PERMISSION_DENIED and reaches nothing behind the server.
package api
