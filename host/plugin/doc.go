// Package plugin runs the unit-type plugins: one process per unit type, launched through go-plugin the first
// time a unit of the type must be loaded or handled, its binary checked against the sha256 pinned in
// system.conf before every launch.
//
// The processes are started through the core's reaper (a go-plugin runner that never waits itself), so that the
// core keeps a single waiter. A plugin that dies is noticed by its exit; the next call launches it again.
package plugin
