// Package fstabgenerator is command sysmaster-fstab-generator, a generator (man systemd.generator) that turns
// /etc/fstab and the mounts of the kernel command line into mount, swap and automount units, as
// systemd-fstab-generator does. The core runs it from /usr/lib/sysmaster/system-generators with the three output
// directories; docs/mount.md tells what it reads. SYSMASTER_FSTAB and SYSMASTER_PROC_CMDLINE replace /etc/fstab and
// /proc/cmdline (for tests).
package fstabgenerator

import (
	"fmt"
	"os"
)

// Main runs the command on os.Args; it exits with the command's status (the image, cmd/sysmaster, calls it by
// the name it was run as).
func Main() {
	if len(os.Args) != 2 && len(os.Args) != 4 {
		fmt.Fprintln(os.Stderr, "usage: sysmaster-fstab-generator NORMAL-DIR [EARLY-DIR LATE-DIR]")
		os.Exit(1)
	}
	g := newGenerator(os.Args[1], os.Stderr)
	if !g.run(envOr("SYSMASTER_FSTAB", "/etc/fstab"), envOr("SYSMASTER_PROC_CMDLINE", "")) {
		os.Exit(1)
	}
}

// envOr is the variable's value, or def when it is unset.
func envOr(name, def string) string {
	if v, ok := os.LookupEnv(name); ok {
		return v
	}
	return def
}
