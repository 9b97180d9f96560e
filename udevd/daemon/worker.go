package daemon

import (
	"context"
	"strconv"

	"github.com/sysmaster/sysmaster/udevd/queue"
	"github.com/sysmaster/sysmaster/udevd/uevent"
)

// handle is one worker's job: the event through the rules, its RUN list, the inotify watch, then the broadcast.
// Every event is broadcast, also when its rules failed, so that listeners see each device change.
func (d *Daemon) handle(e *queue.Event) {
	m := e.Data.(*uevent.Message)
	if d.spool != nil {
		defer d.spool.done(e.Seqnum) // broadcast, or given up on
	}
	p := d.proc.Load()
	ctx, cancel := context.WithTimeout(context.Background(), p.Timeout)
	defer cancel()
	dev, err := d.cfg.Sysfs.FromUevent(m.Values)
	if err != nil {
		d.log.logf(levelErr, "SEQNUM=%d: %v", e.Seqnum, err)
		return
	}
	d.log.logf(levelDebug, "SEQNUM=%d %s %s: processing", e.Seqnum, m.Action(), m.Devpath())
	ev, err := p.Process(ctx, dev)
	if ctx.Err() != nil {
		// Timed out (its programs were killed): like udevd for a worker killed then, the kernel's event is
		// passed on unamended.
		d.log.logf(levelErr, "SEQNUM=%d %s: timed out after %s", e.Seqnum, dev.Sysname, p.Timeout)
		d.broadcast(m)
		return
	}
	if err != nil {
		d.log.logf(levelErr, "%s: %v", dev.Sysname, err)
	}
	if ev != nil && ev.Name != "" && dev.Action == "add" && dev.Subsystem == "net" && dev.Ifindex > 0 &&
		ev.Name != dev.Sysname {
		// NAME=: the interface is renamed; the kernel's "move" event for the new name follows.
		if err := renameNetif(dev.Ifindex, ev.Name); err != nil {
			d.log.logf(levelErr, "%s: renaming to %s: %v", dev.Sysname, ev.Name, err)
		} else {
			d.log.logf(levelInfo, "%s: renamed to %s", dev.Sysname, ev.Name)
			dev.SetUeventProperty("INTERFACE_OLD", dev.Sysname)
			dev.SetUeventProperty("INTERFACE", ev.Name)
		}
	}
	if ev != nil {
		p.Run(ctx, ev)
	}
	if d.watch != nil && dev.Devname != "" {
		if dev.Action != "remove" && ev != nil && ev.Watch == 1 {
			d.watch.add(dev.Devname, dev.Devpath)
		} else {
			d.watch.remove(dev.Devname)
		}
	}
	out := uevent.NewMessage()
	for _, k := range dev.PropertyKeys() {
		v, _ := dev.Property(k)
		out.Set(k, v)
	}
	out.Set("SEQNUM", strconv.FormatUint(e.Seqnum, 10))
	d.broadcast(out)
	d.log.logf(levelDebug, "SEQNUM=%d %s %s: done", e.Seqnum, m.Action(), m.Devpath())
}

func (d *Daemon) broadcast(m *uevent.Message) {
	if err := d.bcast.Broadcast(m); err != nil {
		d.log.logf(levelErr, "%s: broadcasting: %v", m.Devpath(), err)
	}
}
