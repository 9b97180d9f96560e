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
	if err := run(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run(verb string) error {
	credit, ok := os.LookupEnv("SYSMASTER_RANDOM_SEED_CREDIT")
	if !ok {
		credit = os.Getenv("SYSTEMD_RANDOM_SEED_CREDIT")
	}
	o := seed.Options{
		Path:            seed.DefaultPath,
		Legacy:          seed.LegacyPath,
		MachineID:       "/etc/machine-id",
		FirstBootMarker: "/run/sysmaster/first-boot",
		Credit:          credit,
		Log:             os.Stdout,
	}
	if verb == "save" {
		return seed.Save(o)
	}
	pool, err := seed.OpenKernelPool("/dev/urandom")
	if err != nil {
		return fmt.Errorf("random-seed: %w", err)
	}
	defer pool.Close()
	o.Pool = pool
	_, err = seed.Load(o)
	return err
}
