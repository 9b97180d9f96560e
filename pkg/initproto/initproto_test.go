package initproto

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
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
	for _, err := range []error{c.Hello(7), c.Heartbeat(), c.RequestShutdown("reboot", 0)} {
		if err != nil {
			t.Fatal(err)
		}
	}
	m, err := c.Recv()
	if want := (Msg{Type: TypeExit, Pid: 42, Code: CodeKilled, Status: 9, Seq: 1}); err != nil || !reflect.DeepEqual(m, want) {
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
		if !reflect.DeepEqual(r.msgs[i], want[i]) {
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
		{"exit with a status", `{"type":"shutdown","action":"exit","status":42}`, Msg{Type: TypeShutdown, Action: "exit", Status: 42}, ""},
		{"exit status too big", `{"type":"shutdown","action":"exit","status":256}`, Msg{}, "initproto: bad packet: shutdown: bad exit status 256 for exit"},
		{"status without exit", `{"type":"shutdown","action":"reboot","status":3}`, Msg{}, "initproto: bad packet: shutdown: bad exit status 3 for reboot"},
		{"bad action", `{"type":"shutdown","action":"explode"}`, Msg{}, `initproto: bad packet: shutdown: unknown action "explode"`},
		{"store-fds", `{"type":"store-fds","names":["a","sock:x.socket:0"]}`, Msg{Type: TypeStoreFds, Names: []string{"a", "sock:x.socket:0"}}, ""},
		{"fds", `{"type":"fds","names":["a b"]}`, Msg{Type: TypeFds, Names: []string{"a b"}}, ""},
		{"remove-fds", `{"type":"remove-fds","names":["a"]}`, Msg{Type: TypeRemoveFds, Names: []string{"a"}}, ""},
		{"store-refused", `{"type":"store-refused","names":["a"]}`, Msg{Type: TypeStoreRefused, Names: []string{"a"}}, ""},
		{"fds-done", `{"type":"fds-done"}`, Msg{Type: TypeFdsDone}, ""},
		{"reexec", `{"type":"reexec"}`, Msg{Type: TypeReexec}, ""},
		{"ack", `{"type":"ack","seq":7}`, Msg{Type: TypeAck, Seq: 7}, ""},
		{"ack of the last seq", `{"type":"ack","seq":18446744073709551615}`, Msg{Type: TypeAck, Seq: 1<<64 - 1}, ""},
		{"ack without seq", `{"type":"ack"}`, Msg{}, "initproto: bad packet: ack: no seq"},
		{"ack of seq 0", `{"type":"ack","seq":0}`, Msg{}, "initproto: bad packet: ack: no seq"},
		{"ack of a negative seq", `{"type":"ack","seq":-1}`, Msg{}, "initproto: bad packet: json: cannot unmarshal number -1 into Go struct field Msg.seq of type uint64"},
		{"ack seq too big", `{"type":"ack","seq":18446744073709551616}`, Msg{}, "initproto: bad packet: json: cannot unmarshal number 18446744073709551616 into Go struct field Msg.seq of type uint64"},
		{"ack seq not a number", `{"type":"ack","seq":"3"}`, Msg{}, "initproto: bad packet: json: cannot unmarshal string into Go struct field Msg.seq of type uint64"},
		{"store without names", `{"type":"store-fds"}`, Msg{}, "initproto: bad packet: store-fds: no names"},
		{"remove without names", `{"type":"remove-fds","names":[]}`, Msg{}, "initproto: bad packet: remove-fds: no names"},
		{"empty name", `{"type":"store-fds","names":[""]}`, Msg{}, `initproto: bad packet: store-fds: bad name ""`},
		{"control character", `{"type":"remove-fds","names":["a\n"]}`, Msg{}, `initproto: bad packet: remove-fds: bad name "a\n"`},
		{"not ascii", `{"type":"fds","names":["é"]}`, Msg{}, `initproto: bad packet: fds: bad name "é"`},
		{"name too long", `{"type":"store-fds","names":["` + strings.Repeat("n", MaxNameLen+1) + `"]}`, Msg{},
			`initproto: bad packet: store-fds: bad name "` + strings.Repeat("n", 40) + `…"`},
		{"name twice", `{"type":"store-fds","names":["a","b","a"]}`, Msg{}, `initproto: bad packet: store-fds: name "a" twice`},
		{"too many names", `{"type":"store-fds","names":[` + manyNames(MaxFdsPerMsg+1) + `]}`, Msg{}, "initproto: bad packet: store-fds: 254 names, more than 253"},
		{"names not strings", `{"type":"store-fds","names":[1]}`, Msg{}, "initproto: bad packet: json: cannot unmarshal number into Go struct field Msg.names of type string"},
		{"wrong field type", `{"type":"hello","pid":"1"}`, Msg{}, "initproto: bad packet: json: cannot unmarshal string into Go struct field Msg.pid of type int"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Decode([]byte(tc.in))
			if tc.err == "" {
				if err != nil || !reflect.DeepEqual(m, tc.want) {
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
	f.Add([]byte(`{"type":"ack","seq":1}`))
	f.Add([]byte(`{"type":"ack","seq":0}`))
	f.Add([]byte(`{"type":"ack","seq":18446744073709551615,"pid":-4}`))
	f.Add([]byte(`{"type":"ack","seq":1.5}`))
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
		if m.Type == TypeAck && m.Seq == 0 {
			t.Fatalf("accepted an ack of no exit: %+v", m)
		}
		if err := Send(a, m); err != nil {
			t.Fatal(err)
		}
		m2, err := Recv(b)
		if err != nil || !reflect.DeepEqual(m2, m) {
			t.Fatalf("round trip: %+v -> %+v (%v)", m, m2, err)
		}
	})
}

func manyNames(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf(`"n%d"`, i)
	}
	return strings.Join(names, ",")
}

func unixPair(t testing.TB) (a, b *net.UnixConn) {
	t.Helper()
	x, y := seqpacketPair(t)
	return x.(*net.UnixConn), y.(*net.UnixConn)
}

// openFds counts this process's open descriptors.
func openFds(t testing.TB) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries) - 1 // the directory read itself
}

// sameFile reports whether two descriptors are the same open file (pipe ends compare by inode).
func sameFile(t testing.TB, a, b int) bool {
	t.Helper()
	var sa, sb unix.Stat_t
	if err := unix.Fstat(a, &sa); err != nil {
		t.Fatal(err)
	}
	if err := unix.Fstat(b, &sb); err != nil {
		t.Fatal(err)
	}
	return sa.Ino == sb.Ino && sa.Dev == sb.Dev
}

// StoreFds splits many descriptors into packets of at most MaxFdsPerMsg, or fewer when names are long; the
// receiver gets each with its name, in order, as the same open file.
func TestStoreFdsBatches(t *testing.T) {
	for _, tc := range []struct {
		name    string
		n       int
		nameLen int
		packets int
	}{
		{"one", 1, 4, 1},
		{"just one packet", MaxFdsPerMsg, 4, 1},
		{"two packets", MaxFdsPerMsg + 1, 4, 2},
		{"long names", 300, MaxNameLen, 3}, // 253 names of 255 bytes pass 64 KiB
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := unixPair(t)
			core, init := NewConn(a), NewConn(b)
			var names []string
			var files []*os.File
			for i := range tc.n {
				r, w, err := os.Pipe()
				if err != nil {
					t.Fatal(err)
				}
				w.Close()
				t.Cleanup(func() { r.Close() })
				name := fmt.Sprintf("%0*d", tc.nameLen, i)
				names, files = append(names, name), append(files, r)
			}
			before := openFds(t)
			errc := make(chan error, 1)
			go func() { errc <- core.StoreFds(names, files) }()
			b.SetReadDeadline(time.Now().Add(10 * time.Second))
			var got []string
			for packets := 1; len(got) < tc.n; packets++ {
				m, fds, err := init.RecvFds()
				if err != nil {
					t.Fatal(err)
				}
				if m.Type != TypeStoreFds || len(fds) != len(m.Names) || packets > tc.packets {
					t.Fatalf("packet %d: %q with %d names, %d fds", packets, m.Type, len(m.Names), len(fds))
				}
				for i, fd := range fds {
					k := len(got) + i
					if !sameFile(t, fd, int(files[k].Fd())) {
						t.Errorf("%s is not the file sent", m.Names[i])
					}
					if flags, _ := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0); flags&unix.FD_CLOEXEC == 0 {
						t.Errorf("%s received without close-on-exec", m.Names[i])
					}
					unix.Close(fd)
				}
				got = append(got, m.Names...)
			}
			if err := <-errc; err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, names) {
				t.Fatalf("names %v, want %v", got, names)
			}
			if n := openFds(t); n != before {
				t.Errorf("%d descriptors open, %d before", n, before)
			}
		})
	}
}

func TestStoreFdsRefusesBadInput(t *testing.T) {
	a, _ := unixPair(t)
	c := NewConn(a)
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	for _, tc := range []struct {
		names []string
		files []*os.File
	}{
		{[]string{"a", "b"}, []*os.File{r}},
		{[]string{""}, []*os.File{r}},
		{[]string{strings.Repeat("x", MaxNameLen+1)}, []*os.File{r}},
		{[]string{"a"}, []*os.File{nil}},
	} {
		if err := c.StoreFds(tc.names, tc.files); err == nil {
			t.Errorf("StoreFds(%q, %d files) succeeded", tc.names, len(tc.files))
		}
	}
	if err := c.RemoveFds([]string{"ok", "tab\t"}); err == nil {
		t.Error("RemoveFds of a bad name succeeded")
	}
	if err := SendFds(a, Msg{Type: TypeHeartbeat}, []int{int(r.Fd())}); err == nil {
		t.Error("SendFds attached a descriptor to a heartbeat")
	}
}

// Descriptors that come with anything but a valid store-fds or fds message are closed, the packet refused, and
// the connection goes on.
func TestStrayFdsClosed(t *testing.T) {
	a, b := unixPair(t)
	init := NewConn(b)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	fd := int(r.Fd())
	before := openFds(t)
	for _, tc := range []struct {
		name string
		pkt  string
		fds  []int
	}{
		{"heartbeat", `{"type":"heartbeat"}`, []int{fd}},
		{"hello", `{"type":"hello","pid":3}`, []int{fd, fd}},
		{"remove-fds", `{"type":"remove-fds","names":["a"]}`, []int{fd}},
		{"too few", `{"type":"store-fds","names":["a","b"]}`, []int{fd}},
		{"too many", `{"type":"store-fds","names":["a"]}`, []int{fd, fd}},
		{"not json", `{"type":`, []int{fd, fd, fd}},
		{"bad name", `{"type":"store-fds","names":["a\u0001"]}`, []int{fd}},
		{"unknown type", `{"type":"launch"}`, []int{fd}},
		{"oversized", `{"type":"store-fds","names":["a"]}` + strings.Repeat(" ", MaxPacket), []int{fd}},
	} {
		if _, _, err := a.WriteMsgUnix([]byte(tc.pkt), unix.UnixRights(tc.fds...), nil); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		b.SetReadDeadline(time.Now().Add(5 * time.Second))
		m, fds, err := init.RecvFds()
		if !errors.Is(err, ErrBadPacket) || fds != nil {
			t.Errorf("%s: %+v, %v, %v; want ErrBadPacket and no descriptors", tc.name, m, fds, err)
		}
		if n := openFds(t); n != before {
			t.Errorf("%s: %d descriptors open, %d before", tc.name, n, before)
		}
	}
	// 254 descriptors: more than SCM_MAX_FD cannot even be sent.
	many := make([]int, MaxFdsPerMsg+1)
	for i := range many {
		many[i] = fd
	}
	if _, _, err := a.WriteMsgUnix([]byte(`{"type":"store-fds","names":["a"]}`), unix.UnixRights(many...), nil); err == nil {
		t.Error("254 descriptors sent in one packet")
	}
	if err := Send(a, Msg{Type: TypeHeartbeat}); err != nil {
		t.Fatal(err)
	}
	if m, fds, err := init.RecvFds(); err != nil || m.Type != TypeHeartbeat || fds != nil {
		t.Fatalf("after the bad packets: %+v, %v, %v", m, fds, err)
	}
}

// HelloFds takes the descriptors init hands back, up to "fds-done"; what follows is for Recv. Facing an init
// without an fd store (exits, then "ready" straight away), it returns none and loses nothing.
func TestHelloFds(t *testing.T) {
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	exit := Msg{Type: TypeExit, Pid: 5, Code: CodeExited, Seq: 1}
	for _, tc := range []struct {
		name  string
		init  []Msg
		fds   []string
		after []string
	}{
		{"fd store", []Msg{{Type: TypeFds, Names: []string{"a", "b"}}, {Type: TypeFds, Names: []string{"c"}}, {Type: TypeFdsDone}, exit, {Type: TypeReady}},
			[]string{"a", "b", "c"}, []string{TypeExit, TypeReady}},
		{"nothing kept", []Msg{{Type: TypeFdsDone}, {Type: TypeReady}}, nil, []string{TypeReady}},
		{"old init", []Msg{exit, {Type: TypeReady}, exit}, nil, []string{TypeExit, TypeReady, TypeExit}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a, b := unixPair(t)
			core := &Conn{c: a}
			go func() {
				b.SetDeadline(time.Now().Add(10 * time.Second))
				if m, err := Recv(b); err != nil || m.Type != TypeHello || m.Pid != 9 {
					return
				}
				for _, m := range tc.init {
					fds := make([]int, len(m.Names))
					for i := range fds {
						fds[i] = int(r.Fd())
					}
					if SendFds(b, m, fds) != nil {
						return
					}
				}
			}()
			core.SetDeadline(time.Now().Add(10 * time.Second))
			files, err := core.HelloFds(9)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, f := range files {
				names = append(names, f.Name)
				if !sameFile(t, int(f.File.Fd()), int(r.Fd())) || f.File.Name() != f.Name {
					t.Errorf("%s: not the pipe", f.Name)
				}
				f.File.Close()
			}
			if !reflect.DeepEqual(names, tc.fds) {
				t.Errorf("handed back %v, want %v", names, tc.fds)
			}
			var after []string
			for range tc.after {
				m, err := core.Recv()
				if err != nil {
					t.Fatal(err)
				}
				after = append(after, m.Type)
			}
			if !reflect.DeepEqual(after, tc.after) {
				t.Errorf("then %v, want %v", after, tc.after)
			}
		})
	}
}

// FuzzRecvFds sends arbitrary bytes as one packet with up to three descriptors: RecvFds must not panic, must
// hand over descriptors only with a valid store-fds or fds message (one per name), and must close every other.
func FuzzRecvFds(f *testing.F) {
	f.Add([]byte(`{"type":"store-fds","names":["a"]}`), uint8(1))
	f.Add([]byte(`{"type":"fds","names":["a","b"]}`), uint8(2))
	f.Add([]byte(`{"type":"store-fds","names":["a","a"]}`), uint8(2))
	f.Add([]byte(`{"type":"remove-fds","names":["a"]}`), uint8(1))
	f.Add([]byte(`{"type":"heartbeat"}`), uint8(3))
	f.Add([]byte(`{"type":"store-fds","names":["\u007f"]}`), uint8(1))
	a, b := unixPair(f)
	c := NewConn(b)
	r, w, err := os.Pipe()
	if err != nil {
		f.Fatal(err)
	}
	defer r.Close()
	defer w.Close()
	before := openFds(f)
	f.Fuzz(func(t *testing.T, pkt []byte, nfds uint8) {
		if len(pkt) == 0 {
			t.Skip("an empty packet reads as the end of the connection")
		}
		fds := make([]int, nfds%4)
		for i := range fds {
			fds[i] = int(r.Fd())
		}
		var oob []byte
		if len(fds) > 0 {
			oob = unix.UnixRights(fds...)
		}
		if _, _, err := a.WriteMsgUnix(pkt, oob, nil); err != nil {
			t.Skipf("packet of %d bytes not sendable: %v", len(pkt), err)
		}
		b.SetReadDeadline(time.Now().Add(5 * time.Second))
		m, got, err := c.RecvFds()
		switch {
		case err != nil && !errors.Is(err, ErrBadPacket):
			t.Fatalf("read error on a live socket: %v", err)
		case err != nil && got != nil:
			t.Fatalf("descriptors %v with error %v", got, err)
		case err == nil && len(got) != len(fds):
			t.Fatalf("%d descriptors sent, %d received with %+v", len(fds), len(got), m)
		case err == nil && len(got) > 0 && (len(got) != len(m.Names) || (m.Type != TypeStoreFds && m.Type != TypeFds)):
			t.Fatalf("descriptors with %+v", m)
		}
		for _, fd := range got {
			unix.Close(fd)
		}
		if n := openFds(t); n != before {
			t.Fatalf("%d descriptors open, %d before", n, before)
		}
	})
}

// Ack sends one "ack" packet that init decodes with its Seq; an ack of seq 0 (no exit) is refused before it goes.
func TestAck(t *testing.T) {
	a, b := unixPair(t)
	core, init := NewConn(a), NewConn(b)
	if err := core.Ack(0); err == nil {
		t.Fatal("Ack(0) succeeded")
	}
	for _, seq := range []uint64{1, 42, 1<<64 - 1} {
		if err := core.Ack(seq); err != nil {
			t.Fatal(err)
		}
	}
	b.SetReadDeadline(time.Now().Add(5 * time.Second))
	for _, want := range []uint64{1, 42, 1<<64 - 1} {
		m, fds, err := init.RecvFds()
		if err != nil || len(fds) != 0 || !reflect.DeepEqual(m, Msg{Type: TypeAck, Seq: want}) {
			t.Fatalf("init received %+v with %d descriptors, %v; want ack %d", m, len(fds), err, want)
		}
	}
}
