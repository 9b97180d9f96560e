// Package udevd is command udevd, the device manager daemon (systemd-udevd's role); see docs/udev.md.
package udevd

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/sysmaster/sysmaster/udevd/daemon"
)

// Main runs the command on os.Args; it exits with the command's status (the image, cmd/sysmaster, calls it by
// the name it was run as).
func Main() {
	var cfg daemon.Config
	var level string
	var timeout int
	flag.IntVar(&cfg.ChildrenMax, "children-max", 0, "events processed at a time (default 8 + 2 per CPU)")
	flag.IntVar(&timeout, "event-timeout", 180, "seconds an event's programs may run before they are killed")
	flag.StringVar(&level, "log-level", "info", "syslog level name or 0-7")
	debug := flag.Bool("debug", false, "log at debug level")
	flag.Parse()
	l, err := daemon.ParseLevel(level)
	if err != nil {
		fmt.Fprintln(os.Stderr, "udevd:", err)
		os.Exit(2)
	}
	if *debug {
		l = 7
	}
	cfg.LogLevel, cfg.Timeout = l, time.Duration(timeout)*time.Second
	if err := daemon.Run(context.Background(), cfg); err != nil {
		fmt.Fprintln(os.Stderr, "udevd:", err)
		os.Exit(1)
	}
}
