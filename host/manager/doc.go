// Package manager is the sysmaster core: one event loop that owns the units, their jobs and everything that
// must outlive a plugin (processes, timers, state bytes), and that drives the unit-type plugins in batches.
//
// Every change to the manager's data happens on the loop goroutine. Other goroutines (the control API, the
// reaper, timers, the link to init) hand work to the loop with do or post; a loop turn drains what is pending,
// runs the jobs that may run, sends each plugin all its events in one call and applies the actions returned,
// until nothing moves, and commits what changed to the checkpoint.
//
// What the core holds for units belongs to owner types, each with its part of the checkpoint in a file beside
// it: the process table (proctable.go), the descriptor table (fdtable.go) and the timer table (timers.go);
// checkpoint.go composes a unit's record from them. The unit lifecycle (lifecycle.go: what a state change and
// a job's end set off) and the plugin glue (plugins.go: the events on their way to the plugins, which it reaches
// through pluginHost) own their fields too. The control API (package api) calls the manager through api.Core,
// which local.go implements on the loop. A Manager is made with New, run with Run and released with
// Close:
//
//	m, err := manager.New(manager.Options{RunDir: dir})
//	if err != nil { … }
//	defer m.Close()
//	m.Run(ctx) // until the system goes down, a daemon-reexec, or ctx ends
package manager
