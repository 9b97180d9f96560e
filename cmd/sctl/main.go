// Command sctl controls sysmaster, as systemctl controls systemd: same verbs, options, output and exit codes.
// Invoked as poweroff, reboot or halt (through a link) it does that.
package main

import (
	"os"

	"github.com/sysmaster/sysmaster/cmd/sctl/cli"
)

func main() { os.Exit(cli.Main(os.Args, os.Stdout, os.Stderr)) }
