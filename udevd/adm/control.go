package adm

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"time"

	"github.com/sysmaster/sysmaster/udevd/control"
)

// controlVerb is `devctl control`: --reload, --exit, --log-level, --children-max, --ping, each sent in turn.
func controlVerb(e *Env, args []string) error {
	f := newFlags("control", e)
	var reload, exit, ping bool
	var level, childrenMax, timeout string
	f.boolean(&reload, "reload", "R", "reload the rules")
	f.boolean(&exit, "exit", "e", "tell udevd to exit")
	f.boolean(&ping, "ping", "", "wait until udevd has taken every pending uevent")
	f.str(&level, "log-level", "l", "", "set udevd's log level")
	f.str(&childrenMax, "children-max", "m", "", "set how many events run at a time")
	f.str(&timeout, "timeout", "t", "60", "seconds to wait for an answer")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", pos[0])}
	}
	d, err := seconds(timeout)
	if err != nil {
		return err
	}
	var reqs [][2]string
	if level != "" {
		reqs = append(reqs, [2]string{"log-level", level})
	}
	if childrenMax != "" {
		reqs = append(reqs, [2]string{"children-max", childrenMax})
	}
	if reload {
		reqs = append(reqs, [2]string{"reload", ""})
	}
	if ping {
		reqs = append(reqs, [2]string{"ping", ""})
	}
	if exit {
		reqs = append(reqs, [2]string{"exit", ""})
	}
	if len(reqs) == 0 {
		return usageError{errors.New("no control command given")}
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for _, r := range reqs {
		if err := control.Send(ctx, e.Control, r[0], r[1]); err != nil {
			return err
		}
	}
	return nil
}

// settle is `devctl settle`: wait until udevd has processed every event the kernel has sent. Without a running
// udevd (no control socket) there is nothing to wait for, as udevadm settle.
func settle(e *Env, args []string) error {
	f := newFlags("settle", e)
	var timeout, exists string
	f.str(&timeout, "timeout", "t", "120", "seconds to wait")
	f.str(&exists, "exit-if-exists", "E", "", "stop waiting when this file exists")
	pos, err := f.parse(args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usageError{fmt.Errorf("unexpected argument %q", pos[0])}
	}
	d, err := seconds(timeout)
	if err != nil {
		return err
	}
	return e.settle(d, exists)
}

func (e *Env) settle(d time.Duration, exists string) error {
	if exists != "" {
		if _, err := os.Stat(exists); err == nil {
			return nil
		}
	}
	if _, err := os.Stat(e.Control); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := control.Send(ctx, e.Control, "settle", ""); err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("timeout waiting for udev queue after %s", d)
		}
		return err
	}
	return nil
}

// seconds reads a timeout in seconds (fractions allowed); 0 means do not wait at all in udevadm, here a
// millisecond.
func seconds(s string) (time.Duration, error) {
	var f float64
	if _, err := fmt.Sscan(s, &f); err != nil || f < 0 {
		return 0, usageError{fmt.Errorf("invalid timeout %q", s)}
	}
	return max(time.Duration(f*float64(time.Second)), time.Millisecond), nil
}
