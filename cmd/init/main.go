// Command init is sysmaster's PID 1. Boot with init=/usr/lib/sysmaster/init (rdinit= for an initramfs root), or
// run it as the first process of a container's PID and mount namespaces. It starts the core, sysmaster, from its
// own directory (SYSMASTER_CORE overrides it).
package main

import (
	"os"

	"github.com/sysmaster/sysmaster/host/pid1"
)

func main() {
	defer func() {
		// pid1.Main recovers from a panic in each of its steps; this catches what escapes anyway.
		if r := recover(); r != nil {
			pid1.Fatal(r)
		}
	}()
	os.Exit(pid1.Main(os.Args[1:]))
}
