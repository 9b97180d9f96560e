// Package event processes one device event the way a systemd-udevd worker does: read the device's previous
// database entry, apply the rules, set the node's permissions and the /dev symlinks, save the database entry and
// tag index (on "remove": drop them and the symlinks), then run the RUN list. The daemon's workers and
// `devctl test` drive it; it keeps no state between events besides what it writes under /dev and /run/udev.
//
//	p := &event.Processor{Rules: rs}
//	ev, err := p.Process(ctx, dev)
//	p.Run(ctx, ev)
package event
