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
	// The core forks itself as the executor of every unit process (argv[0] "sysmaster-executor").
	if exec.IsExecutor() {
		exec.ExecutorMain()
	}
	m, err := manager.New(manager.Options{DefaultUnit: manager.DefaultUnitFromCommandLine(os.Args[1:])})
	if err != nil {
		fmt.Fprintln(os.Stderr, "sysmaster:", err)
		os.Exit(1)
	}
	m.Run(context.Background())
}
