// Package reaper is the core's single waiter: it alone calls wait4 for the core's children, and it hands every
// exit to whoever owns the pid.
//
// Nothing else in the core may wait for a process (no exec.Cmd.Wait, no os.Process.Wait): a second waiter would
// steal exits. Processes are started through Reaper.Start, which registers the owner under the same lock the
// reaping loop takes, so an exit can never arrive before its owner is known. Exits of pids nobody claimed (orphans
// re-parented to the core, which is a child subreaper) go to the unclaimed channel; none is ever dropped. An exit
// is handed over before its process is reaped, so that one the core has not made safe when it dies is still there
// for init to reap and forward.
package reaper
