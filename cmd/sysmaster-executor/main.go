// Command sysmaster-executor starts every process of a unit: the core forks and execs it with the process's spec
// (host/exec), and it applies the execution context and execs the command. It links only what that needs (no
// gRPC, no protobuf), so that each spawn pays for a small Go program's start, not the core's.
package main

import "github.com/sysmaster/sysmaster/host/exec/executor"

func main() {
	executor.Main()
}
