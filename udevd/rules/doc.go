// Package rules parses udev rules files (udev(7) of systemd 252) and applies them to a device event.
//
// Load reads the rules directories in udev's order (a file name in an earlier directory hides the same name in a
// later one; files run sorted by name). A line that does not parse is reported with its file and line number and
// skipped, as udevd does; the rest of the file loads. Rules.Apply runs the rules on one Event: matches, PROGRAM and
// IMPORT (run synchronously, bounded by the event timeout), assignments, GOTO/LABEL. What the rules decided
// (node owner, group and mode, symlinks, network interface name, RUN list, properties, tags) is left in the Event
// and its Device for the caller (the daemon's worker, `devctl test`) to carry out.
//
//	rs, diags := rules.Load(rules.DefaultDirs)
//	for _, d := range diags { log.Print(d) }
//	ev := rules.NewEvent(dev)
//	err := rs.Apply(ctx, ev)
package rules
