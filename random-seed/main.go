// Package randomseed is command random-seed: it loads (at boot: `random-seed load`) or saves (at shutdown:
// `random-seed save`) the seed of the kernel's random pool. It runs as a oneshot unit of sysmaster.
package randomseed

import (
	"fmt"
	"os"

	"github.com/sysmaster/sysmaster/random-seed/seed"
)

// Main runs the command on os.Args; it exits with the command's status (the image, cmd/sysmaster, calls it by
// the name it was run as).
func Main() {
	if len(os.Args) != 2 || (os.Args[1] != "load" && os.Args[1] != "save") {
		fmt.Fprintln(os.Stderr, "usage: random-seed load|save")
		os.Exit(2)
	}
	var err error
	if os.Args[1] == "load" {
		_, err = seed.Load(seed.DefaultPath, "/dev/urandom")
	} else {
		err = seed.Save(seed.DefaultPath)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
