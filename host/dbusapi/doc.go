// Package dbusapi serves systemd's D-Bus API, org.freedesktop.systemd1, over the core's api.Core, so that
// software written for systemd (Debian's systemctl, logind, busctl, any D-Bus client) talks to sysmaster
// unchanged: on the peer-to-peer socket /run/systemd/private from the start, and as org.freedesktop.systemd1 on
// the system bus while the bus runs (bus.go).
//
// The interfaces are systemd 252's own (interfaces.xml): every method's arguments are checked against its
// signature, and every property is sent in the type systemd declares, its value taken from what `sctl show`
// computes (one source). Methods are registered by theme, one file each (manager_units.go, manager_jobs.go,
// manager_files.go, manager_system.go; object.go for the standard interfaces); a method of systemd's interfaces
// without a handler answers org.freedesktop.DBus.Error.NotSupported. Callers other than root may call only the
// methods that change nothing.
//
// Each connection reads, answers and writes on goroutines of its own with bounded queues (conn.go): a client
// that floods calls is read no faster than its calls are answered, one that does not read is dropped, and the
// core's loop never waits for either.
package dbusapi
