// Package scope is the scope unit type (man systemd.scope), built on the public SDK only. A scope groups
// processes that were started elsewhere (a login session's, `systemd-run --scope`'s) and handed to the core by
// pid when a client created the scope as a transient unit: scopes have no unit file of their own. The host moves
// the processes into the scope's cgroup when the plugin asks (AttachProcesses), watches it, and says when it is
// empty; the plugin keeps the scope's lifecycle: running while the cgroup has processes, abandoned once its
// client let go of it, stopped with the kill settings, bounded by RuntimeMaxSec=.
package scope

import "github.com/sysmaster/sysmaster/sdk"

// Type is the scope type, served by the executable image as plugins/scope (cmd/sysmaster/builtins.go).
var Type sdk.UnitType = scopeType{}
