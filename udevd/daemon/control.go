package daemon

import (
	"context"
	"errors"
	"net"
	"strconv"
	"time"

	"github.com/sysmaster/sysmaster/udevd/control"
)

// serveControl answers devctl's requests (package control) until ctx ends.
func (d *Daemon) serveControl(ctx context.Context) {
	for {
		c, err := d.ctrl.AcceptUnix()
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, net.ErrClosed) {
				return
			}
			d.log.logf(levelErr, "control socket: %v", err)
			continue
		}
		go d.serveConn(ctx, c)
	}
}

func (d *Daemon) serveConn(ctx context.Context, c *net.UnixConn) {
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		return
	}
	_ = c.SetReadDeadline(time.Time{})
	_, _ = c.Write([]byte(control.Answer(d.request(ctx, c, string(buf[:n])))))
}

// request carries out one request; settle and ping wait, bounded by the client hanging up.
func (d *Daemon) request(ctx context.Context, c *net.UnixConn, req string) error {
	verb, arg, err := control.ParseRequest(req)
	if err != nil {
		return err
	}
	d.log.logf(levelDebug, "control: %s %s", verb, arg)
	switch verb {
	case "reload":
		d.reload()
	case "exit":
		d.requestExit()
	case "log-level":
		l, err := ParseLevel(arg)
		if err != nil {
			return err
		}
		d.log.level.Store(int32(l))
	case "children-max":
		n, err := strconv.Atoi(arg)
		if err != nil || n < 1 {
			return errors.New("children-max: not a positive number: " + arg)
		}
		d.q.SetMax(n)
	case "ping", "settle":
		wctx, cancel := context.WithCancel(ctx)
		defer cancel()
		go func() {
			// The client hanging up (its timeout) ends the wait.
			_, _ = c.Read(make([]byte, 1))
			cancel()
		}()
		for !d.settled() {
			select {
			case <-wctx.Done():
				return wctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
		if verb == "settle" {
			return d.q.WaitIdle(wctx)
		}
	}
	return nil
}
