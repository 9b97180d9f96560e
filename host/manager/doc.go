// Package manager is the sysmaster core: one event loop that owns the units, their jobs and everything that
// must outlive a plugin (processes, timers, state bytes), and that drives the unit-type plugins in batches.
//
// Every change to the manager's data happens on the loop goroutine. Other goroutines (the control API, the
// reaper, timers, the link to init) hand work to the loop with do or post; a loop turn drains what is pending,
// runs the jobs that may run, sends each plugin all its events in one call and applies the actions returned,
// until nothing moves.
package manager
