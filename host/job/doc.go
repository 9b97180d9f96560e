// Package job is the core's job engine: it turns "start X" into a transaction of jobs over the dependency graph,
// merges it with the jobs already installed, and decides which jobs may run now given the ordering.
//
// The engine is pure: it knows units only through the Graph interface and does nothing itself. The manager
// runs the jobs Runnable returns (by sending events to plugins) and reports unit state changes back with
// UnitChanged, which finishes jobs and propagates failures. Semantics are systemd's (man systemd.unit,
// systemctl --job-mode).
package job
