// Command random-seed loads (at boot: `random-seed load`) or saves (at shutdown: `random-seed save`) the seed of
// the kernel's random pool. It runs as a oneshot unit of sysmaster.
package main

import (
	"fmt"
	"os"

	"github.com/sysmaster/sysmaster/random-seed/seed"
)

func main() {
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
