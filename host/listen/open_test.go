package listen

import (
	"errors"
	"fmt"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/pkg/unitname"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
	"golang.org/x/sys/unix"
)

// shortDir is a temporary directory with a path short enough for sun_path (t.TempDir's contains the test name).
func shortDir(t *testing.T) string {
	t.Helper()
	d, err := os.MkdirTemp("", "listen")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(d) })
	return d
}

func spec(family, typ, addr string, opts ...string) *pb.OpenSocket {
	s := &pb.OpenSocket{Id: "test", Family: family, Type: typ, Address: addr, Options: map[string]string{}}
	for i := 0; i+1 < len(opts); i += 2 {
		s.Options[opts[i]] = opts[i+1]
	}
	return s
}

func mustOpen(t *testing.T, s *pb.OpenSocket) *os.File {
	t.Helper()
	f, err := Open(s)
	if err != nil {
		t.Fatalf("Open(%s %s %q): %v", s.Family, s.Type, s.Address, err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

func control(t *testing.T, f *os.File, fn func(fd int)) {
	t.Helper()
	rc, err := f.SyscallConn()
	if err != nil {
		t.Fatal(err)
	}
	if err := rc.Control(func(fd uintptr) { fn(int(fd)) }); err != nil {
		t.Fatal(err)
	}
}

func getsockopt(t *testing.T, f *os.File, level, name int) int {
	t.Helper()
	var v int
	var err error
	control(t, f, func(fd int) { v, err = unix.GetsockoptInt(fd, level, name) })
	if err != nil {
		t.Fatalf("getsockopt(%d, %d): %v", level, name, err)
	}
	return v
}

func localPort(t *testing.T, f *os.File) int {
	t.Helper()
	var sa unix.Sockaddr
	var err error
	control(t, f, func(fd int) { sa, err = unix.Getsockname(fd) })
	if err != nil {
		t.Fatal(err)
	}
	switch sa := sa.(type) {
	case *unix.SockaddrInet4:
		return sa.Port
	case *unix.SockaddrInet6:
		return sa.Port
	}
	t.Fatalf("not an inet socket: %T", sa)
	return 0
}

// checkFlags checks what Open and Accept promise of every file: close-on-exec, blocking.
func checkFlags(t *testing.T, what string, f *os.File) {
	t.Helper()
	control(t, f, func(fd int) {
		fdfl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil || fdfl&unix.FD_CLOEXEC == 0 {
			t.Errorf("%s: not close-on-exec (%#x, %v)", what, fdfl, err)
		}
		fl, err := unix.FcntlInt(uintptr(fd), unix.F_GETFL, 0)
		if err != nil || fl&unix.O_NONBLOCK != 0 {
			t.Errorf("%s: not blocking (%#x, %v)", what, fl, err)
		}
	})
}

func checkInstance(t *testing.T, instance string) {
	t.Helper()
	if name := "foo@7-" + instance + ".service"; !unitname.Valid(name) {
		t.Errorf("instance %q makes %q, not a valid unit name", instance, name)
	}
}

// TestOpenAccept opens each kind of stream and seqpacket listener, connects a real client and checks what
// Accept makes of the connection.
func TestOpenAccept(t *testing.T) {
	dir := shortDir(t)
	self := fmt.Sprintf("%d-%d", os.Getpid(), os.Getuid())
	uid := strconv.Itoa(os.Getuid())
	abstract := fmt.Sprintf("@sysmaster-listen-test-%d", os.Getpid())
	type result struct{ instance, source string }
	tests := []struct {
		name   string
		spec   *pb.OpenSocket
		v6     bool
		dial   func(f *os.File) (net.Conn, error)
		expect func(f *os.File, c net.Conn) result
	}{
		{
			name: "tcp", spec: spec("inet", "stream", "127.0.0.1:0"),
			dial: func(f *os.File) (net.Conn, error) {
				return net.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(localPort(t, f)))
			},
			expect: func(f *os.File, c net.Conn) result {
				return result{fmt.Sprintf("127.0.0.1:%d-%s", localPort(t, f), c.LocalAddr()), "127.0.0.1"}
			},
		},
		{
			name: "tcp6", spec: spec("inet6", "stream", "[::1]:0"), v6: true,
			dial: func(f *os.File) (net.Conn, error) {
				return net.Dial("tcp6", "[::1]:"+strconv.Itoa(localPort(t, f)))
			},
			expect: func(f *os.File, c net.Conn) result {
				return result{fmt.Sprintf("::1:%d-::1:%d", localPort(t, f), c.LocalAddr().(*net.TCPAddr).Port), "::1"}
			},
		},
		{
			// A bare port listens on [::] for IPv4 too; an IPv4 client is written as IPv4, as systemd does.
			name: "bare port, IPv4 client", spec: spec("", "stream", "0", "BindIPv6Only", "both"), v6: true,
			dial: func(f *os.File) (net.Conn, error) {
				return net.Dial("tcp4", "127.0.0.1:"+strconv.Itoa(localPort(t, f)))
			},
			expect: func(f *os.File, c net.Conn) result {
				return result{fmt.Sprintf("127.0.0.1:%d-%s", localPort(t, f), c.LocalAddr()), "127.0.0.1"}
			},
		},
		{
			name: "unix stream", spec: spec("unix", "stream", filepath.Join(dir, "stream.sock")),
			dial: func(*os.File) (net.Conn, error) { return net.Dial("unix", filepath.Join(dir, "stream.sock")) },
			expect: func(*os.File, net.Conn) result {
				return result{self, uid}
			},
		},
		{
			name: "unix seqpacket", spec: spec("", "seqpacket", filepath.Join(dir, "seq.sock")),
			dial: func(*os.File) (net.Conn, error) { return net.Dial("unixpacket", filepath.Join(dir, "seq.sock")) },
			expect: func(*os.File, net.Conn) result {
				return result{self, uid}
			},
		},
		{
			name: "abstract", spec: spec("unix", "stream", abstract),
			dial:   func(*os.File) (net.Conn, error) { return net.Dial("unix", abstract) },
			expect: func(*os.File, net.Conn) result { return result{self, uid} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.v6 && !ipv6Supported() {
				t.Skip("no IPv6")
			}
			f := mustOpen(t, tt.spec)
			checkFlags(t, "listener", f)
			if _, _, _, err := Accept(f); !errors.Is(err, ErrNoConnection) {
				t.Fatalf("Accept with nothing pending: %v, want ErrNoConnection", err)
			}
			c, err := tt.dial(f)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			conn, instance, source, err := Accept(f)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			checkFlags(t, "connection", conn)
			if want := tt.expect(f, c); instance != want.instance || source != want.source {
				t.Errorf("Accept = %q, %q; want %q, %q", instance, source, want.instance, want.source)
			}
			checkInstance(t, instance)

			// The connection works, both ways.
			if _, err := c.Write([]byte("ping")); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 4)
			if _, err := conn.Read(buf); err != nil || string(buf) != "ping" {
				t.Fatalf("read %q, %v", buf, err)
			}
			if _, _, _, err := Accept(f); !errors.Is(err, ErrNoConnection) {
				t.Fatalf("Accept after the only connection: %v, want ErrNoConnection", err)
			}
		})
	}
}

func TestAcceptSeveral(t *testing.T) {
	f := mustOpen(t, spec("", "stream", "127.0.0.1:0"))
	addr := "127.0.0.1:" + strconv.Itoa(localPort(t, f))
	seen := map[string]bool{}
	for i := 0; i < 3; i++ {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
	}
	for i := 0; i < 3; i++ {
		conn, instance, _, err := Accept(f)
		if err != nil {
			t.Fatalf("Accept %d: %v", i, err)
		}
		conn.Close()
		seen[instance] = true
	}
	if len(seen) != 3 {
		t.Errorf("3 connections gave instances %v", seen)
	}
	start := time.Now()
	if _, _, _, err := Accept(f); !errors.Is(err, ErrNoConnection) {
		t.Fatalf("Accept: %v, want ErrNoConnection", err)
	}
	if d := time.Since(start); d > time.Second {
		t.Errorf("Accept with nothing pending took %v", d)
	}
}

func TestAcceptNotListening(t *testing.T) {
	f := mustOpen(t, spec("", "dgram", "127.0.0.1:0"))
	c, err := net.Dial("udp", "127.0.0.1:"+strconv.Itoa(localPort(t, f)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	c.Write([]byte("x")) // readable now, but there is nothing to accept
	if _, _, _, err := Accept(f); err == nil || errors.Is(err, ErrNoConnection) || !strings.Contains(err.Error(), "not a listening") {
		t.Fatalf("Accept on a datagram socket: %v", err)
	}
	f.Close()
	if _, _, _, err := Accept(f); err == nil {
		t.Fatal("Accept on a closed file did not fail")
	}
}

// TestOpenDatagram checks the kinds that are not accepted on: datagrams arrive on the fd itself.
func TestOpenDatagram(t *testing.T) {
	dir := shortDir(t)
	tests := []struct {
		name string
		spec *pb.OpenSocket
		send func(f *os.File) error
	}{
		{"udp", spec("inet", "dgram", "127.0.0.1:0"), func(f *os.File) error {
			return sendTo("udp", "127.0.0.1:"+strconv.Itoa(localPort(t, f)))
		}},
		{"udp6", spec("inet6", "dgram", "[::1]:0"), func(f *os.File) error {
			if !ipv6Supported() {
				t.Skip("no IPv6")
			}
			return sendTo("udp6", "[::1]:"+strconv.Itoa(localPort(t, f)))
		}},
		{"unix dgram", spec("unix", "dgram", filepath.Join(dir, "dgram.sock")), func(*os.File) error {
			return sendTo("unixgram", filepath.Join(dir, "dgram.sock"))
		}},
		{"fifo", spec("fifo", "", filepath.Join(dir, "sub", "fifo")), func(*os.File) error {
			return os.WriteFile(filepath.Join(dir, "sub", "fifo"), []byte("ping"), 0)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := mustOpen(t, tt.spec)
			checkFlags(t, "fd", f)
			if err := tt.send(f); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 16)
			n, err := f.Read(buf)
			if err != nil || string(buf[:n]) != "ping" {
				t.Fatalf("read %q, %v", buf[:n], err)
			}
		})
	}
}

func sendTo(network, addr string) error {
	c, err := net.Dial(network, addr)
	if err != nil {
		return err
	}
	defer c.Close()
	_, err = c.Write([]byte("ping"))
	return err
}

func TestOpenNetlink(t *testing.T) {
	f := mustOpen(t, spec("netlink", "", "kobject-uevent 1", "ReceiveBuffer", "1M", "PassCredentials", "yes"))
	checkFlags(t, "netlink", f)
	if v := getsockopt(t, f, unix.SOL_SOCKET, unix.SO_TYPE); v != unix.SOCK_RAW {
		t.Errorf("SO_TYPE = %d", v)
	}
	if v := getsockopt(t, f, unix.SOL_SOCKET, unix.SO_PASSCRED); v != 1 {
		t.Errorf("SO_PASSCRED = %d", v)
	}
}

func TestOpenVsock(t *testing.T) {
	f, err := Open(spec("", "stream", "vsock::4294967295")) // any CID, any port
	if err != nil {
		t.Skipf("no vsock here: %v", err)
	}
	defer f.Close()
	var local *unix.SockaddrVM
	control(t, f, func(fd int) {
		sa, _ := unix.Getsockname(fd)
		local, _ = sa.(*unix.SockaddrVM)
	})
	if local == nil {
		t.Fatal("not a vsock socket")
	}
	c, err := unix.Socket(unix.AF_VSOCK, unix.SOCK_STREAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		t.Skip(err)
	}
	defer unix.Close(c)
	// Without a loopback transport the connect hangs until its timeout: give it a short while only.
	err = unix.Connect(c, &unix.SockaddrVM{CID: unix.VMADDR_CID_LOCAL, Port: local.Port})
	if errors.Is(err, unix.EINPROGRESS) {
		pfd := []unix.PollFd{{Fd: int32(c), Events: unix.POLLOUT}}
		if n, _ := unix.Poll(pfd, 300); n == 1 {
			var soerr int
			soerr, err = unix.GetsockoptInt(c, unix.SOL_SOCKET, unix.SO_ERROR)
			if err == nil && soerr != 0 {
				err = unix.Errno(soerr)
			}
		} else {
			err = unix.ETIMEDOUT
		}
	}
	if err != nil {
		t.Skipf("no vsock loopback here: %v", err)
	}
	peer, _ := unix.Getsockname(c)
	p := peer.(*unix.SockaddrVM)
	conn, instance, source, err := Accept(f)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	want := fmt.Sprintf("%d:%d-%d:%d", unix.VMADDR_CID_LOCAL, local.Port, p.CID, p.Port)
	if instance != want || source != strconv.Itoa(int(p.CID)) {
		t.Errorf("Accept = %q, %q; want %q, %d", instance, source, want, p.CID)
	}
	checkInstance(t, instance)
}

// TestStaleSocket: a socket file left at the path is replaced; any other file is not touched.
func TestStaleSocket(t *testing.T) {
	dir := shortDir(t)
	p := filepath.Join(dir, "s.sock")
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: p, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	f := mustOpen(t, spec("unix", "stream", p))
	c, err := net.Dial("unix", p)
	if err != nil {
		t.Fatalf("the new socket does not answer: %v", err)
	}
	c.Close()
	f.Close()

	reg := filepath.Join(dir, "regular")
	os.WriteFile(reg, []byte("keep"), 0o644)
	_, err = Open(spec("unix", "stream", reg))
	if err == nil || !strings.Contains(err.Error(), "address already in use (a regular file is in the way)") {
		t.Fatalf("Open over a regular file: %v", err)
	}
	if b, _ := os.ReadFile(reg); string(b) != "keep" {
		t.Error("the regular file was touched")
	}
}

func TestAddressInUse(t *testing.T) {
	f := mustOpen(t, spec("inet", "stream", "127.0.0.1:0"))
	addr := "127.0.0.1:" + strconv.Itoa(localPort(t, f))
	_, err := Open(spec("inet", "stream", addr))
	if want := "bind " + addr + ": address already in use"; err == nil || err.Error() != want {
		t.Fatalf("Open(%s) twice: %v, want %q", addr, err, want)
	}
	if !errors.Is(err, unix.EADDRINUSE) {
		t.Errorf("%v does not wrap EADDRINUSE", err)
	}

	// With ReusePort=yes on both, the kernel lets them share.
	r1 := mustOpen(t, spec("inet", "stream", "127.0.0.1:0", "ReusePort", "yes"))
	addr = "127.0.0.1:" + strconv.Itoa(localPort(t, r1))
	mustOpen(t, spec("inet", "stream", addr, "ReusePort", "yes"))
}

func TestFileModes(t *testing.T) {
	dir := shortDir(t)
	p := filepath.Join(dir, "a", "b", "s.sock")
	mustOpen(t, spec("unix", "stream", p, "SocketMode", "0600", "DirectoryMode", "0700",
		"SocketUser", "65534", "SocketGroup", "65533"))
	st, err := os.Lstat(p)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Type() != fs.ModeSocket || st.Mode().Perm() != 0o600 {
		t.Errorf("socket mode %v, want socket 0600", st.Mode())
	}
	checkOwner(t, p, 65534, 65533)
	for _, d := range []string{filepath.Join(dir, "a"), filepath.Join(dir, "a", "b")} {
		if st, err := os.Stat(d); err != nil || st.Mode().Perm() != 0o700 {
			t.Errorf("%s: %v %v, want 0700", d, st.Mode(), err)
		}
	}

	// Default mode 0666; a user given by name brings its primary group.
	q := filepath.Join(dir, "q.sock")
	mustOpen(t, spec("", "dgram", q, "SocketUser", "nobody"))
	if st, err := os.Lstat(q); err != nil || st.Mode().Perm() != 0o666 {
		t.Errorf("default socket mode %v, %v; want 0666", st.Mode(), err)
	}
	if u, err := userIDs("nobody"); err == nil {
		checkOwner(t, q, u[0], u[1])
	}

	fifo := filepath.Join(dir, "fifo")
	mustOpen(t, spec("fifo", "", fifo, "SocketMode", "0640", "SocketGroup", "65533"))
	if st, err := os.Lstat(fifo); err != nil || st.Mode().Type() != fs.ModeNamedPipe || st.Mode().Perm() != 0o640 {
		t.Errorf("FIFO mode %v, %v; want FIFO 0640", st.Mode(), err)
	}
	checkOwner(t, fifo, os.Getuid(), 65533)

	// A FIFO that is there is reused, and gets the mode asked for.
	mustOpen(t, spec("fifo", "", fifo, "SocketMode", "0620"))
	if st, _ := os.Lstat(fifo); st.Mode().Perm() != 0o620 {
		t.Errorf("reused FIFO mode %v, want 0620", st.Mode())
	}
	reg := filepath.Join(dir, "regular")
	os.WriteFile(reg, nil, 0o644)
	if _, err := Open(spec("fifo", "", reg)); err == nil || !strings.Contains(err.Error(), "is not a FIFO") {
		t.Errorf("Open FIFO over a regular file: %v", err)
	}
}

func userIDs(name string) ([2]int, error) {
	b, err := os.ReadFile("/etc/passwd")
	if err != nil {
		return [2]int{}, err
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Split(line, ":")
		if len(f) > 3 && f[0] == name {
			u, _ := strconv.Atoi(f[2])
			g, _ := strconv.Atoi(f[3])
			return [2]int{u, g}, nil
		}
	}
	return [2]int{}, fs.ErrNotExist
}

func checkOwner(t *testing.T, p string, uid, gid int) {
	t.Helper()
	var st unix.Stat_t
	if err := unix.Lstat(p, &st); err != nil {
		t.Fatal(err)
	}
	if int(st.Uid) != uid || int(st.Gid) != gid {
		t.Errorf("%s: owner %d:%d, want %d:%d", p, st.Uid, st.Gid, uid, gid)
	}
}

func TestSymlinksAndRemoveOnStop(t *testing.T) {
	dir := shortDir(t)
	p := filepath.Join(dir, "s.sock")
	l1, l2 := filepath.Join(dir, "l1"), filepath.Join(dir, "x", "y", "l2")
	links := l1 + " " + l2

	for _, remove := range []bool{false, true} {
		s := spec("unix", "stream", p, "Symlinks", links, "RemoveOnStop", map[bool]string{true: "yes", false: "no"}[remove])
		f, err := Open(s)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range []string{l1, l2} {
			if target, err := os.Readlink(l); err != nil || target != p {
				t.Errorf("%s -> %q, %v; want -> %s", l, target, err, p)
			}
		}
		if err := Close(f, s); err != nil {
			t.Fatalf("Close: %v", err)
		}
		for _, q := range []string{p, l1, l2} {
			_, err := os.Lstat(q)
			if exists := err == nil; exists == remove {
				t.Errorf("RemoveOnStop=%v: %s exists: %v", remove, q, exists)
			}
		}
	}

	// FIFOs too; and a file put in place of the FIFO since is not removed.
	fifo := filepath.Join(dir, "fifo")
	s := spec("fifo", "", fifo, "Symlinks", l1, "RemoveOnStop", "yes")
	f := mustOpen(t, s)
	if target, _ := os.Readlink(l1); target != fifo {
		t.Errorf("%s -> %q", l1, target)
	}
	if err := Close(f, s); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(fifo); err == nil {
		t.Error("FIFO not removed")
	}
	os.WriteFile(fifo, nil, 0o644)
	if err := Close(nil, s); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(fifo); err != nil {
		t.Error("a regular file at the FIFO's path was removed")
	}

	// A link path that is taken fails Open, and leaves nothing behind.
	taken := filepath.Join(dir, "taken")
	os.WriteFile(taken, nil, 0o644)
	q := filepath.Join(dir, "q.sock")
	_, err := Open(spec("unix", "stream", q, "Symlinks", l1+" "+taken))
	if err == nil || !strings.Contains(err.Error(), "Symlinks=: "+taken+" exists and is not a symlink to "+q) {
		t.Fatalf("Open with a taken link path: %v", err)
	}
	for _, r := range []string{q, l1} {
		if _, err := os.Lstat(r); err == nil {
			t.Errorf("%s left behind", r)
		}
	}
}
