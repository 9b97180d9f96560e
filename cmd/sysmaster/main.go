// Command sysmaster is the core: the plugin host that init starts and keeps alive.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/sysmaster/sysmaster/host/exec"
	"github.com/sysmaster/sysmaster/host/manager"
)

func main() {
	// The core is the executor of every unit process (argv[0] "sysmaster-executor") when the small one is missing.
	if exec.IsExecutor() {
		exec.ExecutorMain()
	}
	// The binary as it is on disk now: daemon-reexec executes what is there then (a new binary is an upgrade).
	self, err := os.Executable()
	if err != nil {
		self = "/proc/self/exe"
	}
	m, err := manager.New(manager.Options{DefaultUnit: manager.DefaultUnitFromCommandLine(os.Args[1:])})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sysmaster:", err)
		os.Exit(1)
	}
	if m.Run(context.Background()) == manager.Reexec {
		// Exec returns only when it failed: exit, and init starts a core that restores the checkpoint.
		fmt.Fprintln(os.Stderr, "sysmaster:", manager.Exec(self))
		os.Exit(1)
	}
}
