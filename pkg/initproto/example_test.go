package initproto_test

import (
	"errors"
	"log"
	"net"
	"os"
	"time"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// The core's side: say hello and take back the descriptors init kept, heartbeat, keep init's copies of what
// must survive a crash, take the exits init reaped, and hand over the final action.
func Example() {
	conn, err := initproto.Dial(initproto.SocketPath)
	if err != nil {
		log.Printf("running without init: %v", err)
		return
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	kept, err := conn.HelloFds(os.Getpid())
	if err != nil {
		log.Fatal(err)
	}
	conn.SetDeadline(time.Time{})
	for _, f := range kept {
		log.Printf("init kept %s for us", f.Name) // e.g. a socket unit's listener: net.FileListener(f.File)
	}
	if len(kept) == 0 { // the first core: open what later cores will get back
		ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: "/run/example.sock", Net: "unix"})
		if err != nil {
			log.Fatal(err)
		}
		f, err := ln.File()
		if err != nil {
			log.Fatal(err)
		}
		if err := conn.StoreFds([]string{"socket:example.socket:0"}, []*os.File{f}); err != nil {
			log.Fatal(err)
		}
		f.Close() // init keeps its own duplicate
	}
	go func() {
		for range time.Tick(initproto.HeartbeatInterval) {
			if conn.Heartbeat() != nil {
				return
			}
		}
	}()
	for {
		m, err := conn.Recv()
		if errors.Is(err, initproto.ErrBadPacket) {
			log.Print(err)
			continue
		}
		if err != nil {
			log.Fatalf("link to init lost: %v", err)
		}
		switch m.Type {
		case initproto.TypeExit:
			log.Printf("pid %d ended: code %d status %d", m.Pid, m.Code, m.Status)
			// … once the exit is safe (logged where the next core finds it), init may forget it:
			conn.Ack(m.Seq)
		case initproto.TypeStoreRefused:
			log.Printf("init's fd store is full: %v not kept", m.Names)
		case initproto.TypeShutdown:
			// … stop every unit in order, then:
			conn.RequestShutdown(m.Action, 0)
			return
		}
	}
}
