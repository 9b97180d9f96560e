package initproto

import (
	"net"
	"path/filepath"
	"testing"
)

func TestRoundTripOverSeqpacket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "init.sock")
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	got := make(chan []Msg, 1)
	go func() {
		c, err := ln.AcceptUnix()
		if err != nil {
			got <- nil
			return
		}
		conn := NewConn(c)
		var msgs []Msg
		for i := 0; i < 3; i++ {
			m, err := conn.Recv()
			if err != nil {
				break
			}
			msgs = append(msgs, m)
		}
		conn.Send(Msg{Type: TypeExit, Pid: 42, Code: 1, Status: 3})
		got <- msgs
	}()
	c, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Hello(7)
	c.Heartbeat()
	c.RequestShutdown("reboot")
	m, err := c.Recv()
	if err != nil || m != (Msg{Type: TypeExit, Pid: 42, Code: 1, Status: 3}) {
		t.Fatalf("recv %v %v", m, err)
	}
	msgs := <-got
	want := []Msg{{Type: TypeHello, Pid: 7}, {Type: TypeHeartbeat}, {Type: TypeShutdown, Action: "reboot"}}
	if len(msgs) != len(want) {
		t.Fatalf("got %v", msgs)
	}
	for i := range want {
		if msgs[i] != want[i] {
			t.Errorf("message %d: %v, want %v", i, msgs[i], want[i])
		}
	}
}

func TestDecodeRefusesGarbage(t *testing.T) {
	for _, b := range []string{"", "{", `{"type":"launch"}`, `{"type":"shutdown","action":"explode"}`, `[1,2]`} {
		if _, err := Decode([]byte(b)); err == nil {
			t.Errorf("Decode(%q) accepted", b)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte(`{"type":"exit","pid":3,"code":1,"status":2}`))
	f.Add([]byte(`{"type":"shutdown","action":"poweroff"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Decode(b)
		if err != nil {
			return
		}
		// Whatever decodes re-encodes to a message that decodes the same.
		enc, err := Encode(m)
		if err != nil {
			t.Fatal(err)
		}
		m2, err := Decode(enc)
		if err != nil || m2 != m {
			t.Fatalf("round trip: %v -> %v (%v)", m, m2, err)
		}
	})
}
