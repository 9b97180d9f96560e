// Package sysmastermigrate is command sysmaster-migrate: it puts sysmaster in charge of a systemd system's unit
// files, or takes it back out (--revert); --root works on an offline root file system, --dry-run only prints. After
// the changes it prints a report: every unit that sysmaster will not load, and every directive it reads but does not
// support, with a summary. See docs/migrating-debian.md.
package sysmastermigrate

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/spf13/pflag"

	"github.com/sysmaster/sysmaster/host/config"
	"github.com/sysmaster/sysmaster/host/migrate"
	"github.com/sysmaster/sysmaster/host/verify"
)

// Main runs the command on os.Args; it exits with the command's status (the image, cmd/sysmaster, calls it by
// the name it was run as).
func Main() {
	var o migrate.Options
	var revert, noReport bool
	fs := pflag.NewFlagSet("sysmaster-migrate", pflag.ContinueOnError)
	fs.StringVar(&o.Root, "root", "/", "the root file system to migrate (an offline root, or / for this system)")
	fs.BoolVar(&o.DryRun, "dry-run", false, "print what would change, change nothing")
	fs.BoolVar(&revert, "revert", false, "take away what the migration made")
	fs.BoolVar(&noReport, "no-report", false, "do not load the units to report what sysmaster does not support")
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
	if revert || noReport {
		return
	}
	if err := report(o); err != nil {
		fmt.Fprintf(os.Stderr, "sysmaster-migrate: the report: %v\n", err)
		os.Exit(1)
	}
}

// report loads every unit of the migrated search path with sysmaster's loader and plugins and prints what a boot
// would log about them.
func report(o migrate.Options) error {
	cfg, _ := config.Load(filepath.Join(o.Root, "etc/sysmaster/system.conf"))
	checked, problems, err := verify.Run(verify.Options{Root: o.Root, UnitPaths: o.UnitPaths(), PluginDir: cfg.PluginDir})
	if err != nil {
		return err
	}
	fmt.Printf("\nUnits sysmaster will not load (each fails alone; the boot goes on):\n")
	for _, p := range problems {
		if p.Error {
			fmt.Printf("  %s: %s\n", p.Unit, p.Message)
		}
	}
	fmt.Printf("\nDirectives sysmaster reads but does not support (the unit loads; its status says so):\n")
	for _, p := range problems {
		if !p.Error && p.Unsupported() {
			fmt.Printf("  %s: %s\n", p.Unit, p.Message)
		}
	}
	failing, unsupported, keys := verify.Summary(problems)
	var top []string
	for k := range keys {
		top = append(top, k)
	}
	sort.Slice(top, func(i, j int) bool {
		return keys[top[i]] > keys[top[j]] || keys[top[i]] == keys[top[j]] && top[i] < top[j]
	})
	for i, k := range top {
		top[i] = fmt.Sprintf("%s %d", k, keys[k])
	}
	fmt.Printf("\nSummary: %d units checked, %d do not load, %d load with directives sysmaster does not support (%s)\n",
		checked, failing, unsupported, strings.Join(top, ", "))
	return nil
}
