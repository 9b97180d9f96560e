// Package daemon is udevd: it receives the kernel's uevents, queues them (package queue), runs each through the
// rules in a bounded pool of workers (package event), broadcasts the result to libudev listeners (package
// uevent), and answers devctl on the control socket (package control). cmd/udevd only parses flags and calls Run.
package daemon

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"
	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/udevd/db"
	"github.com/sysmaster/sysmaster/udevd/device"
	"github.com/sysmaster/sysmaster/udevd/event"
	"github.com/sysmaster/sysmaster/udevd/node"
	"github.com/sysmaster/sysmaster/udevd/queue"
	"github.com/sysmaster/sysmaster/udevd/rules"
	"github.com/sysmaster/sysmaster/udevd/uevent"
)

// Config is what udevd runs with; the zero value of each field means udevd's default.
type Config struct {
	// RulesDirs are the rules directories (rules.DefaultDirs).
	RulesDirs []string
	// Sysfs is the sysfs tree (/sys); DevDir the device directory (/dev); RunDir udev's state (/run/udev).
	Sysfs  device.Sysfs
	DevDir string
	RunDir string
	// Control is the control socket's path (RunDir/control).
	Control string
	// ChildrenMax is how many events run at a time (8 + 2 per CPU, as udevd without a memory limit).
	ChildrenMax int
	// Timeout bounds an event's programs (rules.DefaultTimeout, 180 s).
	Timeout time.Duration
	// LogLevel is the syslog level logged (info).
	LogLevel int
	// ModulesDevname lists static nodes (/lib/modules/$(uname -r)/modules.devname).
	ModulesDevname string
	// Log receives the log lines (stderr).
	Log io.Writer
}

// Daemon is a running udevd.
type Daemon struct {
	cfg  Config
	log  *logger
	proc atomic.Pointer[event.Processor]
	q    *queue.Queue

	kernel, bcast *uevent.Conn
	ctrl          *net.UnixListener
	watch         *watcher

	reading  atomic.Bool // the receiver has a message in hand (not yet queued)
	rest     *atRest
	spool    *spool
	exit     chan struct{}
	exitOnce sync.Once
}

func (c *Config) defaults() {
	if c.RulesDirs == nil {
		c.RulesDirs = rules.DefaultDirs
	}
	if c.DevDir == "" {
		c.DevDir = "/dev"
	}
	if c.RunDir == "" {
		c.RunDir = "/run/udev"
	}
	if c.Control == "" {
		c.Control = filepath.Join(c.RunDir, "control")
	}
	if c.ChildrenMax <= 0 {
		c.ChildrenMax = 8 + 2*runtime.NumCPU()
	}
	if c.Timeout <= 0 {
		c.Timeout = rules.DefaultTimeout
	}
	if c.ModulesDevname == "" {
		var u unix.Utsname
		_ = unix.Uname(&u)
		c.ModulesDevname = filepath.Join("/lib/modules", unix.ByteSliceToString(u.Release[:]), "modules.devname")
	}
	if c.Log == nil {
		c.Log = os.Stderr
	}
}

// Run starts udevd and returns when it was asked to exit (SIGTERM, SIGINT, `devctl control --exit`, or ctx), after
// the queued events finished.
func Run(ctx context.Context, cfg Config) error {
	cfg.defaults()
	d := &Daemon{cfg: cfg, log: &logger{out: log.New(cfg.Log, "", 0)}, exit: make(chan struct{})}
	d.log.level.Store(int32(cfg.LogLevel))
	if err := os.MkdirAll(cfg.RunDir, 0o755); err != nil {
		return err
	}
	if err := d.openSockets(); err != nil {
		return err
	}
	defer d.closeSockets()
	d.reload()
	d.staticNodes()
	w, err := newWatcher(d)
	if err != nil {
		d.log.logf(levelErr, "inotify: %v (OPTIONS=\"watch\" is not honoured)", err)
	}
	d.watch = w
	d.q = queue.New(cfg.ChildrenMax, queue.DefaultLimit, d.handle)
	d.q.Idle = d.setQueueFlag
	d.spool = newSpool(cfg.RunDir)
	left, err := d.spool.load()
	if err != nil {
		d.log.logf(levelErr, "spool: %v (events are not kept across a crash)", err)
		d.spool = nil
	}
	if len(left) > 0 {
		d.log.logf(levelInfo, "taking %d events a previous udevd left unprocessed", len(left))
	}
	for _, m := range left {
		_ = d.q.Push(ctx, queueEvent(m))
	}
	d.rest = newAtRest()
	defer d.rest.Stop()
	d.rest.Touch() // after loading the rules

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	defer signal.Stop(sigs)

	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); d.receive(ctx) }()
	go func() { defer wg.Done(); d.serveControl(ctx) }()
	if w != nil {
		go w.run()
	}
	_, _ = daemon.SdNotify(false, "READY=1\nSTATUS=Processing with "+fmt.Sprint(cfg.ChildrenMax)+" children at max")
	d.log.logf(levelInfo, "udevd ready (children-max %d, event timeout %s)", cfg.ChildrenMax, cfg.Timeout)

	select {
	case <-ctx.Done():
	case <-sigs:
	case <-d.exit:
	}
	_, _ = daemon.SdNotify(false, "STOPPING=1")
	cancel()
	d.ctrl.Close()
	wg.Wait()
	// Finish what was received. What is still in the socket waits there for the next udevd when the host holds the
	// socket (socket activation); with a socket of udevd's own it is lost, as with systemd-udevd.
	drain, stop := context.WithTimeout(context.Background(), cfg.Timeout)
	defer stop()
	err = d.q.WaitIdle(drain)
	if w != nil {
		w.close()
	}
	return err
}

// openSockets takes the uevent socket and the control socket passed by the host (LISTEN_FDS), or opens them.
func (d *Daemon) openSockets() error {
	for _, fd := range uevent.ListenFDs() {
		switch {
		case uevent.IsUeventSocket(fd) && d.kernel == nil:
			c, err := uevent.FromFD(fd)
			if err != nil {
				return err
			}
			d.kernel = c
			d.log.logf(levelInfo, "using the uevent socket passed by the host (fd %d)", fd)
		case d.ctrl == nil:
			if l, err := net.FileListener(os.NewFile(uintptr(fd), "control")); err == nil {
				if ul, ok := l.(*net.UnixListener); ok {
					d.ctrl = ul
					unix.CloseOnExec(fd)
					d.log.logf(levelInfo, "using the control socket passed by the host (fd %d)", fd)
					continue
				}
				l.Close()
			}
			d.log.logf(levelErr, "passed fd %d is neither a uevent nor a unix socket; ignored", fd)
		}
	}
	var err error
	if d.kernel == nil {
		if d.kernel, err = uevent.Open(uevent.GroupKernel); err != nil {
			return err
		}
	}
	if d.bcast, err = uevent.Open(0); err != nil {
		return err
	}
	if d.ctrl == nil {
		_ = os.Remove(d.cfg.Control)
		l, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: d.cfg.Control, Net: "unixpacket"})
		if err != nil {
			return fmt.Errorf("control socket: %w", err)
		}
		_ = os.Chmod(d.cfg.Control, 0o600)
		d.ctrl = l
	}
	return nil
}

func (d *Daemon) closeSockets() {
	if d.kernel != nil {
		d.kernel.Close()
	}
	if d.bcast != nil {
		d.bcast.Close()
	}
}

// reload (re)reads the rules; a bad line is logged with file:line and the rest loads.
func (d *Daemon) reload() {
	rs, diags := rules.Load(d.cfg.RulesDirs)
	for _, dg := range diags {
		lvl := levelNotice
		if dg.Level == rules.LevelError {
			lvl = levelErr
		}
		d.log.logf(lvl, "%s", dg)
	}
	p := &event.Processor{Rules: rs, DB: db.DB{Dir: d.cfg.RunDir}, Node: node.Node{DevDir: d.cfg.DevDir,
		RunDir: d.cfg.RunDir}, Timeout: d.cfg.Timeout, Log: func(s string) { d.log.logf(levelDebug, "%s", s) }}
	d.proc.Store(p)
	n := 0
	for _, f := range rs.Files {
		n += len(f.Lines)
	}
	d.log.logf(levelInfo, "loaded %d rules files (%d lines)", len(rs.Files), n)
}

// receive reads uevents and queues them until ctx ends; a full queue stops it reading (the kernel's buffer holds
// the rest). It waits on the runtime's poller: an idle udevd has no thread blocked and never wakes up.
func (d *Daemon) receive(ctx context.Context) {
	for ctx.Err() == nil {
		if err := d.kernel.Wait(ctx); err != nil {
			if ctx.Err() == nil {
				d.log.logf(levelErr, "waiting for uevents: %v", err)
			}
			return
		}
		d.reading.Store(true)
		m, err := d.take()
		if err != nil {
			d.reading.Store(false)
			if errors.Is(err, uevent.ErrMalformed) || errors.Is(err, uevent.ErrUntrusted) {
				d.log.logf(levelDebug, "ignoring a uevent: %v", err)
				continue
			}
			if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EINTR) {
				d.log.logf(levelErr, "receiving uevents: %v", err)
				if errors.Is(err, unix.ENOBUFS) {
					continue // the kernel dropped events: nothing to recover here, go on
				}
				return
			}
			continue
		}
		if m != nil {
			e := queueEvent(m)
			if err := d.q.Push(ctx, e); err != nil {
				d.log.logf(levelErr, "SEQNUM=%d %s dropped at exit", e.Seqnum, e.Devpath)
			}
		}
		d.reading.Store(false)
	}
}

// take takes the next uevent from the socket, spooled before it leaves the socket (nil for one the spool gave
// already). Without a spool it is simply received.
func (d *Daemon) take() (*uevent.Message, error) {
	if d.spool == nil {
		return d.kernel.Receive()
	}
	m, err := d.kernel.Peek()
	if err != nil {
		if errors.Is(err, uevent.ErrMalformed) || errors.Is(err, uevent.ErrUntrusted) {
			_ = d.kernel.Discard()
		}
		return nil, err
	}
	if d.spool.seen(m.Seqnum()) {
		return nil, d.kernel.Discard()
	}
	if err := d.spool.put(m); err != nil {
		d.log.logf(levelErr, "SEQNUM=%d: spool: %v", m.Seqnum(), err)
	}
	return m, d.kernel.Discard()
}

// queueEvent is the queue's entry for m.
func queueEvent(m *uevent.Message) *queue.Event {
	return &queue.Event{Seqnum: m.Seqnum(), Devpath: m.Devpath(), DevpathOld: m.Get("DEVPATH_OLD"), ID: eventID(m), Data: m}
}

// eventID is the device number or interface index an event names, as the queue orders by ("" for neither).
func eventID(m *uevent.Message) string {
	if ma, mi := m.Get("MAJOR"), m.Get("MINOR"); ma != "" && ma != "0" && mi != "" {
		t := "c"
		if m.Subsystem() == "block" {
			t = "b"
		}
		return t + ma + ":" + mi
	}
	if i := m.Get("IFINDEX"); i != "" && i != "0" {
		return "n" + i
	}
	return ""
}

// settled says whether every uevent the kernel delivered so far is in the queue.
func (d *Daemon) settled() bool {
	pending, err := d.kernel.Pending()
	return err == nil && !pending && !d.reading.Load()
}

// setQueueFlag makes RunDir/queue exist while events are queued, as udevd does (libudev's udev_queue_is_empty).
func (d *Daemon) setQueueFlag(busy bool) {
	p := filepath.Join(d.cfg.RunDir, "queue")
	if busy {
		if f, err := os.OpenFile(p, os.O_CREATE|os.O_WRONLY, 0o444); err == nil {
			f.Close()
		}
		return
	}
	_ = os.Remove(p)
	d.rest.Touch()
}

func (d *Daemon) requestExit() { d.exitOnce.Do(func() { close(d.exit) }) }
