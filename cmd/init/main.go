// Command init is sysmaster's PID 1. Boot with init=/usr/lib/sysmaster/init (rdinit= for an initramfs root).
package main

import (
	"os"

	"github.com/sysmaster/sysmaster/host/pid1"
)

func main() { os.Exit(pid1.Main(os.Args[1:])) }
