// Package exec starts a unit's processes as its plugin describes them (a Spawn action with its ExecContext),
// through the core's reaper so that the core stays the only waiter.
//
// This version sets up argv, environment, working directory, session and standard streams; the settings of
// man systemd.exec that need work between fork and exec (users, limits, capabilities, directories, namespaces)
// come with the executor. A Spawn that asks for one of those is refused with a message naming the setting, never
// run without it.
package exec
