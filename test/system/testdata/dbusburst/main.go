// Command dbusburst sends a burst of StartUnit or StopUnit calls to systemd's D-Bus API from inside a manager's
// namespaces, as a thousand `systemctl start --no-block` would, and waits until every job has ended:
//
//	dbusburst [-bus ADDRESS] [-conns K] [-subscribe] METHOD PREFIX N
//
// It calls METHOD (StartUnit or StopUnit) for PREFIX-0000.service … PREFIX-(N-1).service, all at once, spread over
// K connections (on /run/systemd/private, or the bus at ADDRESS), then waits for every job: for its JobRemoved
// signal with -subscribe (each connection subscribes first, as systemctl does), else until ListJobs is empty. It
// prints the time until every call was answered and the time until every job had ended, in ns. A burst that is
// not over within the timeout is a failure: it says how far it got.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/godbus/dbus/v5"
)

const (
	manager  = "org.freedesktop.systemd1.Manager"
	dest     = "org.freedesktop.systemd1"
	rootPath = dbus.ObjectPath("/org/freedesktop/systemd1")
)

func main() {
	bus := flag.String("bus", "", "the bus address (default: the private socket)")
	conns := flag.Int("conns", 1, "connections to spread the calls over")
	subscribe := flag.Bool("subscribe", false, "subscribe and wait for each job's JobRemoved")
	timeout := flag.Duration("timeout", 120*time.Second, "how long the burst may take")
	flag.Parse()
	if flag.NArg() != 3 {
		fmt.Fprintln(os.Stderr, "usage: dbusburst [-bus ADDRESS] [-conns K] [-subscribe] METHOD PREFIX N")
		os.Exit(2)
	}
	method, prefix := flag.Arg(0), flag.Arg(1)
	var n int
	if _, err := fmt.Sscan(flag.Arg(2), &n); err != nil || n < 1 || *conns < 1 {
		fmt.Fprintln(os.Stderr, "dbusburst: bad N or -conns")
		os.Exit(2)
	}

	removed := newJobSet()
	var late atomic.Int64
	cs := make([]*dbus.Conn, *conns)
	for i := range cs {
		c, err := connect(*bus, answerAfterRemoved(&late))
		if err != nil {
			fail(err)
		}
		defer c.Close()
		if *subscribe {
			ch := make(chan *dbus.Signal, 4096)
			c.Signal(ch)
			go func() {
				for sig := range ch {
					if sig.Name == manager+".JobRemoved" && len(sig.Body) == 4 {
						if p, ok := sig.Body[1].(dbus.ObjectPath); ok {
							removed.add(p)
						}
					}
				}
			}()
			if *bus != "" {
				if err := c.AddMatchSignal(dbus.WithMatchInterface(manager), dbus.WithMatchMember("JobRemoved")); err != nil {
					fail(err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), *timeout)
			err := c.Object(dest, rootPath).CallWithContext(ctx, manager+".Subscribe", 0).Err
			cancel()
			if err != nil {
				fail(fmt.Errorf("Subscribe on connection %d: %w", i, err))
			}
		}
		cs[i] = c
	}

	deadline := time.After(*timeout)
	start := time.Now()
	done := make(chan *dbus.Call, n)
	for i := 0; i < n; i++ {
		name := fmt.Sprintf("%s-%04d.service", prefix, i)
		cs[i%len(cs)].Object(dest, rootPath).Go(manager+"."+method, 0, done, name, "replace")
	}
	jobs := make([]dbus.ObjectPath, 0, n)
	for len(jobs) < n {
		select {
		case call := <-done:
			var p dbus.ObjectPath
			if err := call.Store(&p); err != nil {
				fail(fmt.Errorf("%s %v: %w", method, call.Args[0], err))
			}
			jobs = append(jobs, p)
		case <-deadline:
			fail(fmt.Errorf("%d of %d %s calls answered after %v", len(jobs), n, method, *timeout))
		}
	}
	answered := time.Since(start)

	if *subscribe {
		if !removed.wait(jobs, deadline) {
			fail(fmt.Errorf("JobRemoved for %d of %d jobs after %v", removed.count(jobs), n, *timeout))
		}
		if l := late.Load(); l > 0 {
			fail(fmt.Errorf("%d answers came after their job's JobRemoved (systemctl would wait for those jobs forever)", l))
		}
	} else {
		for {
			var list []any
			if err := cs[0].Object(dest, rootPath).Call(manager+".ListJobs", 0).Store(&list); err != nil {
				fail(fmt.Errorf("ListJobs: %w", err))
			}
			if len(list) == 0 {
				break
			}
			select {
			case <-deadline:
				fail(fmt.Errorf("%d jobs still listed after %v", len(list), *timeout))
			case <-time.After(5 * time.Millisecond):
			}
		}
	}
	fmt.Println(answered.Nanoseconds(), time.Since(start).Nanoseconds())
}

// answerAfterRemoved watches one connection's messages in the order they come and counts in late the answers
// (a job's path) that came after the JobRemoved of their job: a client that learns of its job from the answer,
// as systemctl, ignores such a JobRemoved.
func answerAfterRemoved(late *atomic.Int64) dbus.ConnOption {
	seen := map[dbus.ObjectPath]bool{} // the JobRemoved come on this connection; only its reader goroutine runs this
	return dbus.WithIncomingInterceptor(func(m *dbus.Message) {
		switch {
		case m.Type == dbus.TypeSignal && m.Headers[dbus.FieldMember].Value() == "JobRemoved" && len(m.Body) == 4:
			if p, ok := m.Body[1].(dbus.ObjectPath); ok {
				seen[p] = true
			}
		case m.Type == dbus.TypeMethodReply && len(m.Body) == 1:
			if p, ok := m.Body[0].(dbus.ObjectPath); ok && seen[p] {
				late.Add(1)
			}
		}
	})
}

// connect opens a connection to the private socket or to the bus at addr.
func connect(addr string, opt dbus.ConnOption) (*dbus.Conn, error) {
	if addr == "" {
		c, err := dbus.Dial("unix:path=/run/systemd/private", opt)
		if err != nil {
			return nil, err
		}
		if err := c.Auth(nil); err != nil {
			c.Close()
			return nil, err
		}
		return c, nil
	}
	c, err := dbus.Dial(addr, opt)
	if err != nil {
		return nil, err
	}
	if err := c.Auth(nil); err != nil {
		c.Close()
		return nil, err
	}
	if err := c.Hello(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// jobSet is the job paths whose JobRemoved came, on any connection.
type jobSet struct {
	mu   sync.Mutex
	seen map[dbus.ObjectPath]bool
	more chan struct{}
}

func newJobSet() *jobSet {
	return &jobSet{seen: map[dbus.ObjectPath]bool{}, more: make(chan struct{}, 1)}
}

func (s *jobSet) add(p dbus.ObjectPath) {
	s.mu.Lock()
	s.seen[p] = true
	s.mu.Unlock()
	select {
	case s.more <- struct{}{}:
	default:
	}
}

func (s *jobSet) count(jobs []dbus.ObjectPath) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, p := range jobs {
		if s.seen[p] {
			n++
		}
	}
	return n
}

// wait waits until every job's JobRemoved came or deadline fires.
func (s *jobSet) wait(jobs []dbus.ObjectPath, deadline <-chan time.Time) bool {
	for s.count(jobs) < len(jobs) {
		select {
		case <-s.more:
		case <-deadline:
			return false
		}
	}
	return true
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "dbusburst:", err)
	os.Exit(1)
}
