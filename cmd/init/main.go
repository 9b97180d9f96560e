// Command init is sysmaster's PID 1. Boot with init=/usr/lib/sysmaster/init (rdinit= for an initramfs root), or
// run it as the first process of a container's PID and mount namespaces. It starts the core, sysmaster, from its
// own directory (SYSMASTER_CORE overrides it).
//
// The same binary is the executor of every unit process: make install links /usr/lib/sysmaster/sysmaster-executor
// to it, and the core execs it with argv[0] "sysmaster-executor" and the executor's fds in its environment
// (host/exec). One small binary for both keeps a second copy of the Go runtime out of the tree; PID 1 never takes
// that path (the kernel starts it by its own name and with no such variable), and what the executor's packages
// add to init's start are map literals.
package main

import (
	"os"

	"github.com/sysmaster/sysmaster/host/exec/executor"
	"github.com/sysmaster/sysmaster/host/pid1"
)

func main() {
	if executor.Is() {
		executor.Main()
	}
	defer func() {
		// pid1.Main recovers from a panic in each of its steps; this catches what escapes anyway.
		if r := recover(); r != nil {
			pid1.Fatal(r)
		}
	}()
	os.Exit(pid1.Main(os.Args[1:]))
}
