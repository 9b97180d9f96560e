// Package control is udevd's control protocol, spoken over the SOCK_SEQPACKET socket /run/udev/control by
// `devctl control` and `devctl settle`. udevadm's own protocol is a binary struct that changes between systemd
// versions; this one is text: each request is one packet "VERB[ ARG]", each answer one packet, "ok" or
// "error: MESSAGE".
//
//	reload            reload the rules (and drop cached state), answered once done
//	exit              finish the queued events, then exit; answered at once
//	log-level LEVEL   set the log level (a syslog name or 0–7)
//	children-max N    set how many events run at a time (N ≥ 1)
//	ping              answered once every uevent the kernel has delivered is in the queue
//	settle            answered once the queue is empty (the client bounds the wait)
package control

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// DefaultPath is the control socket.
const DefaultPath = "/run/udev/control"

// Send connects to the socket at path, sends "verb arg" and waits for the answer until ctx ends.
func Send(ctx context.Context, path, verb, arg string) error {
	var d net.Dialer
	c, err := d.DialContext(ctx, "unixpacket", path)
	if err != nil {
		return fmt.Errorf("control: %w", err)
	}
	defer c.Close()
	if dl, ok := ctx.Deadline(); ok {
		_ = c.SetDeadline(dl)
	} else {
		_ = c.SetDeadline(time.Time{})
	}
	stop := context.AfterFunc(ctx, func() { _ = c.SetDeadline(time.Now()) })
	defer stop()
	req := verb
	if arg != "" {
		req += " " + arg
	}
	if _, err := c.Write([]byte(req)); err != nil {
		return fmt.Errorf("control: %w", err)
	}
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("control: %s: %w", verb, ctx.Err())
		}
		return fmt.Errorf("control: %s: %w", verb, err)
	}
	return ParseAnswer(string(buf[:n]))
}

// ParseRequest splits a request into its verb and argument and checks the verb is known.
func ParseRequest(req string) (verb, arg string, err error) {
	verb, arg, _ = strings.Cut(strings.TrimSpace(req), " ")
	switch verb {
	case "reload", "exit", "ping", "settle":
		if arg != "" {
			return "", "", fmt.Errorf("%s takes no argument", verb)
		}
	case "log-level", "children-max":
		if arg == "" {
			return "", "", fmt.Errorf("%s needs an argument", verb)
		}
	default:
		return "", "", fmt.Errorf("unknown request %q", verb)
	}
	return verb, arg, nil
}

// Answer is the packet answering a request that ended with err.
func Answer(err error) string {
	if err != nil {
		return "error: " + err.Error()
	}
	return "ok"
}

// ParseAnswer turns an answer back into an error.
func ParseAnswer(a string) error {
	if a == "ok" {
		return nil
	}
	if msg, ok := strings.CutPrefix(a, "error: "); ok {
		return errors.New(msg)
	}
	return fmt.Errorf("control: malformed answer %q", a)
}
