// Package executor is the executor: the program between fork and exec of every unit process, which applies
// the execution context (user and groups, standard streams, limits, directories, credentials, the sandbox's
// namespaces and seccomp filters) in systemd's order and execs the command, or exits with systemd's exit code
// for the step that failed. host/exec starts it and tells its contract: the spec memfd, the status pipe, the
// go-ahead pipe.
//
// It is a package of its own so that cmd/sysmaster-executor links nothing else: every spawn pays for the
// package initialisers of everything the executor links. Its Spec is the contract's Spawn in plain Go types,
// with an encoding of its own (codec.go), so that it needs no protobuf runtime.
//
//	func main() { executor.Main() }
package executor
