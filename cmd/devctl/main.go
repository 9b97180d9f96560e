// Command devctl is udevadm for this udevd: trigger, settle, monitor, info, test, test-builtin, control.
package main

import (
	"os"

	"github.com/sysmaster/sysmaster/udevd/adm"
)

func main() { os.Exit(adm.Main(os.Args[1:])) }
