package initproto_test

import (
	"errors"
	"log"
	"os"
	"time"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// The core's side: say hello, heartbeat, take the exits init reaped, and hand over the final action.
func Example() {
	conn, err := initproto.Dial(initproto.SocketPath)
	if err != nil {
		log.Printf("running without init: %v", err)
		return
	}
	defer conn.Close()
	if err := conn.Hello(os.Getpid()); err != nil {
		log.Fatal(err)
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
		case initproto.TypeShutdown:
			// … stop every unit in order, then:
			conn.RequestShutdown(m.Action)
			return
		}
	}
}
