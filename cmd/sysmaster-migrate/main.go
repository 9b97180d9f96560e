// Command sysmaster-migrate puts sysmaster in charge of a systemd system's unit files, or takes it back out
// (--revert); --root works on an offline root file system, --dry-run only prints. See docs/migrating-debian.md.
package main

import (
	"fmt"
	"os"

	"github.com/spf13/pflag"

	"github.com/sysmaster/sysmaster/host/migrate"
)

func main() {
	var o migrate.Options
	var revert bool
	fs := pflag.NewFlagSet("sysmaster-migrate", pflag.ContinueOnError)
	fs.StringVar(&o.Root, "root", "/", "the root file system to migrate (an offline root, or / for this system)")
	fs.BoolVar(&o.DryRun, "dry-run", false, "print what would change, change nothing")
	fs.BoolVar(&revert, "revert", false, "take away what the migration made")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "sysmaster-migrate: unexpected argument %q\n", fs.Arg(0))
		os.Exit(2)
	}
	run, verb := migrate.Migrate, "migrated"
	if revert {
		run, verb = migrate.Revert, "reverted"
	}
	changes, err := run(o)
	if err != nil {
		fmt.Fprintf(os.Stderr, "sysmaster-migrate: %v\n", err)
		os.Exit(1)
	}
	if o.DryRun {
		verb = "would be " + verb
	}
	for _, c := range changes {
		fmt.Printf("%-9s /%s -> %s: %s\n", c.Kind, c.Path, c.Target, c.Why)
	}
	fmt.Printf("%d changes %s in %s\n", len(changes), verb, o.Root)
}
