package initproto

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestRoundTripOverSeqpacket plays init's side by hand against the core's client over a real socket.
func TestRoundTripOverSeqpacket(t *testing.T) {
	path := filepath.Join(t.TempDir(), "init.sock")
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	type result struct {
		msgs []Msg
		err  error
	}
	got := make(chan result, 1)
	go func() {
		c, err := ln.AcceptUnix()
		if err != nil {
			got <- result{err: err}
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		var r result
		for range 3 {
			m, err := Recv(c)
			if err != nil {
				r.err = err
				break
			}
			r.msgs = append(r.msgs, m)
		}
		if r.err == nil {
			r.err = Send(c, Msg{Type: TypeExit, Pid: 42, Code: CodeKilled, Status: 9, Seq: 1})
		}
		got <- r
	}()
	c, err := Dial(path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.SetDeadline(time.Now().Add(10 * time.Second))
	for _, err := range []error{c.Hello(7), c.Heartbeat(), c.RequestShutdown("reboot")} {
		if err != nil {
			t.Fatal(err)
		}
	}
	m, err := c.Recv()
	if want := (Msg{Type: TypeExit, Pid: 42, Code: CodeKilled, Status: 9, Seq: 1}); err != nil || m != want {
		t.Fatalf("core received %+v, %v; want %+v", m, err, want)
	}
	r := <-got
	if r.err != nil {
		t.Fatal(r.err)
	}
	want := []Msg{{Type: TypeHello, Pid: 7}, {Type: TypeHeartbeat}, {Type: TypeShutdown, Action: "reboot"}}
	if len(r.msgs) != len(want) {
		t.Fatalf("init received %+v, want %+v", r.msgs, want)
	}
	for i := range want {
		if r.msgs[i] != want[i] {
			t.Errorf("message %d: %+v, want %+v", i, r.msgs[i], want[i])
		}
	}
}

func TestDialMissingSocket(t *testing.T) {
	if _, err := Dial(filepath.Join(t.TempDir(), "none.sock")); err == nil {
		t.Fatal("Dial of a missing socket succeeded")
	}
}

func TestDecode(t *testing.T) {
	for _, tc := range []struct {
		name, in string
		want     Msg
		err      string // empty: valid
	}{
		{"hello", `{"type":"hello","pid":12}`, Msg{Type: TypeHello, Pid: 12}, ""},
		{"heartbeat", `{"type":"heartbeat"}`, Msg{Type: TypeHeartbeat}, ""},
		{"ready", `{"type":"ready"}`, Msg{Type: TypeReady}, ""},
		{"exited", `{"type":"exit","pid":3,"code":1,"status":0,"seq":9}`, Msg{Type: TypeExit, Pid: 3, Code: 1, Seq: 9}, ""},
		{"killed", `{"type":"exit","pid":3,"code":2,"status":15}`, Msg{Type: TypeExit, Pid: 3, Code: 2, Status: 15}, ""},
		{"dumped", `{"type":"exit","pid":3,"code":3,"status":11}`, Msg{Type: TypeExit, Pid: 3, Code: 3, Status: 11}, ""},
		{"shutdown", `{"type":"shutdown","action":"halt"}`, Msg{Type: TypeShutdown, Action: "halt"}, ""},
		{"unknown field ignored", `{"type":"heartbeat","x":1}`, Msg{Type: TypeHeartbeat}, ""},
		{"empty", ``, Msg{}, "initproto: bad packet: unexpected end of JSON input"},
		{"truncated", `{"type":"hel`, Msg{}, "initproto: bad packet: unexpected end of JSON input"},
		{"not an object", `[1,2]`, Msg{}, "initproto: bad packet: json: cannot unmarshal array into Go value of type initproto.Msg"},
		{"trailing garbage", `{"type":"ready"}x`, Msg{}, "initproto: bad packet: invalid character 'x' after top-level value"},
		{"unknown type", `{"type":"launch"}`, Msg{}, `initproto: bad packet: unknown message type "launch"`},
		{"hello without pid", `{"type":"hello"}`, Msg{}, "initproto: bad packet: hello: bad pid 0"},
		{"exit without code", `{"type":"exit","pid":3}`, Msg{}, "initproto: bad packet: exit: bad pid 3, code 0 or status 0"},
		{"exit status too big", `{"type":"exit","pid":3,"code":1,"status":256}`, Msg{}, "initproto: bad packet: exit: bad pid 3, code 1 or status 256"},
		{"signal too big", `{"type":"exit","pid":3,"code":2,"status":65}`, Msg{}, "initproto: bad packet: exit: bad pid 3, code 2 or status 65"},
		{"negative pid", `{"type":"exit","pid":-1,"code":1}`, Msg{}, "initproto: bad packet: exit: bad pid -1, code 1 or status 0"},
		{"bad action", `{"type":"shutdown","action":"explode"}`, Msg{}, `initproto: bad packet: shutdown: unknown action "explode"`},
		{"wrong field type", `{"type":"hello","pid":"1"}`, Msg{}, "initproto: bad packet: json: cannot unmarshal string into Go struct field Msg.pid of type int"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Decode([]byte(tc.in))
			if tc.err == "" {
				if err != nil || m != tc.want {
					t.Fatalf("Decode(%s) = %+v, %v; want %+v", tc.in, m, err, tc.want)
				}
				return
			}
			if err == nil || err.Error() != tc.err || !errors.Is(err, ErrBadPacket) {
				t.Fatalf("Decode(%s) error %v, want %q (ErrBadPacket)", tc.in, err, tc.err)
			}
		})
	}
}

// seqpacketPair is a connected pair of SOCK_SEQPACKET sockets, as init and the core hold them.
func seqpacketPair(t testing.TB) (a, b net.Conn) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]net.Conn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "seqpacket")
		if conns[i], err = net.FileConn(f); err != nil {
			t.Fatal(err)
		}
		f.Close()
		t.Cleanup(func() { conns[i].Close() })
	}
	return conns[0], conns[1]
}

func TestRecvTooLargePacketKeepsTheConnection(t *testing.T) {
	a, b := seqpacketPair(t)
	big := make([]byte, MaxPacket+100)
	for i := range big {
		big[i] = ' '
	}
	if _, err := a.Write(big); err != nil {
		t.Fatal(err)
	}
	if err := Send(a, Msg{Type: TypeHeartbeat}); err != nil {
		t.Fatal(err)
	}
	b.SetReadDeadline(time.Now().Add(5 * time.Second))
	if _, err := Recv(b); !errors.Is(err, ErrBadPacket) {
		t.Fatalf("oversized packet: %v, want ErrBadPacket", err)
	}
	if m, err := Recv(b); err != nil || m.Type != TypeHeartbeat {
		t.Fatalf("after the oversized packet: %+v, %v", m, err)
	}
}

// FuzzRecv sends arbitrary bytes as one packet over a real seqpacket socket: Recv must not panic, and whatever
// it accepts must survive a round trip.
func FuzzRecv(f *testing.F) {
	f.Add([]byte(`{"type":"exit","pid":3,"code":1,"status":2,"seq":1}`))
	f.Add([]byte(`{"type":"shutdown","action":"poweroff"}`))
	f.Add([]byte(`{"type":"hello","pid":1}{"type":"hello","pid":1}`))
	f.Add([]byte(`{"type":"exit","pid":1e400}`))
	f.Add([]byte("\xff\xfe"))
	a, b := seqpacketPair(f)
	f.Fuzz(func(t *testing.T, pkt []byte) {
		if len(pkt) == 0 {
			t.Skip("an empty packet reads as the end of the connection in Go; init treats it so")
		}
		if _, err := a.Write(pkt); err != nil {
			t.Skipf("packet of %d bytes not sendable: %v", len(pkt), err)
		}
		b.SetReadDeadline(time.Now().Add(5 * time.Second))
		m, err := Recv(b)
		if err != nil {
			if !errors.Is(err, ErrBadPacket) {
				t.Fatalf("read error on a live socket: %v", err)
			}
			return
		}
		if err := Send(a, m); err != nil {
			t.Fatal(err)
		}
		m2, err := Recv(b)
		if err != nil || m2 != m {
			t.Fatalf("round trip: %+v -> %+v (%v)", m, m2, err)
		}
	})
}
