// Command sysmaster is sysmaster's executable image: the core (the plugin host that init starts and keeps
// alive), the executor the core forks for every unit process, the built-in unit-type plugins and the commands
// of builtins.go, each run by the name it is executed as (make install links those names to the image). Every
// process run from it shares its text pages with the others and the tree holds it once; each plugin is still a
// process of its own, launched from a path of its own and pinned on its own (docs/plugins.md, "Built-in
// plugins"). init is not in it: PID 1 stays a small binary of its own.
package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/sysmaster/sysmaster/host/exec"
	"github.com/sysmaster/sysmaster/host/manager"
	"github.com/sysmaster/sysmaster/host/plugin"
	"github.com/sysmaster/sysmaster/sdk"
)

func main() {
	// The core is the executor of every unit process (argv[0] "sysmaster-executor") when the small one is missing.
	if exec.IsExecutor() {
		exec.ExecutorMain()
	}
	// The core names the type it launches a plugin for, whatever the path (reload-plugin may give any).
	if typ, ok := os.LookupEnv(plugin.TypeEnv); ok {
		t := plugins[typ]
		if t == nil {
			fmt.Fprintf(os.Stderr, "sysmaster: this image has no built-in plugin for unit type %q\n", typ)
			os.Exit(1)
		}
		sdk.Serve(t)
		return
	}
	name := filepath.Base(os.Args[0])
	if t := plugins[name]; t != nil {
		sdk.Serve(t)
		return
	}
	if name == "sysmaster" {
		// The core is init's child (PID 1 of the machine or of its namespace), and a re-executed core stays
		// one. Run by hand on a running system it would take over the control and D-Bus sockets
		// (/run/sysmaster, /run/systemd/private) from the manager that owns them.
		if os.Getppid() != 1 {
			fmt.Fprintln(os.Stderr, "sysmaster: the core runs only as the child of sysmaster's init (PID 1); use sctl to talk to it")
			os.Exit(2)
		}
		core()
		return
	}
	if c := commands[name]; c != nil {
		c()
		return
	}
	fmt.Fprintf(os.Stderr, "sysmaster: no command %q in this image; it runs as sysmaster, as one of %s, or as the plugin of %s\n",
		name, names(commands), names(plugins))
	os.Exit(2)
}

// core runs the manager until it ends, and executes the binary on disk again when it asks to (daemon-reexec).
func core() {
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

func names[V any](m map[string]V) string {
	var ns []string
	for n := range m {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return strings.Join(ns, ", ")
}
