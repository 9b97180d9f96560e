package listen

import (
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// TestOptionEffects opens sockets with options and reads them back with getsockopt (Backlog cannot be read
// back, so it is only checked to be accepted).
func TestOptionEffects(t *testing.T) {
	dir := shortDir(t)
	type check struct{ level, name, want int }
	atLeast := -1 // the kernel doubles buffer sizes: want at least the value asked for
	tests := []struct {
		name   string
		family string
		typ    string
		addr   string
		opts   []string
		checks []check
		v6     bool
	}{
		{"defaults", "inet", "stream", "127.0.0.1:0", nil, []check{
			{unix.SOL_SOCKET, unix.SO_REUSEADDR, 1}, {unix.SOL_SOCKET, unix.SO_REUSEPORT, 0},
			{unix.SOL_SOCKET, unix.SO_KEEPALIVE, 0}, {unix.IPPROTO_TCP, unix.TCP_NODELAY, 0},
		}, false},
		{"tcp", "inet", "stream", "127.0.0.1:0", []string{
			"Backlog", "16", "ReusePort", "yes", "KeepAlive", "yes", "KeepAliveTimeSec", "77",
			"KeepAliveIntervalSec", "1min", "KeepAliveProbes", "5", "NoDelay", "yes", "FreeBind", "yes",
			"Transparent", "yes", "Priority", "3", "Mark", "7", "IPTOS", "16", "IPTTL", "9",
			"Timestamping", "ns", "PassPacketInfo", "yes", "FileDescriptorName", "web",
		}, []check{
			{unix.SOL_SOCKET, unix.SO_REUSEPORT, 1}, {unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1},
			{unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, 77}, {unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, 60},
			{unix.IPPROTO_TCP, unix.TCP_KEEPCNT, 5}, {unix.IPPROTO_TCP, unix.TCP_NODELAY, 1},
			{unix.IPPROTO_IP, unix.IP_FREEBIND, 1}, {unix.IPPROTO_IP, unix.IP_TRANSPARENT, 1},
			{unix.SOL_SOCKET, unix.SO_PRIORITY, 3}, {unix.SOL_SOCKET, unix.SO_MARK, 7},
			{unix.IPPROTO_IP, unix.IP_TOS, 16}, {unix.IPPROTO_IP, unix.IP_TTL, 9},
			{unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1}, {unix.IPPROTO_IP, unix.IP_PKTINFO, 1},
		}, false},
		{"buffers", "inet", "dgram", "127.0.0.1:0", []string{
			"ReceiveBuffer", "200000", "SendBuffer", "256K", "Broadcast", "yes", "Timestamping", "us",
		}, []check{
			{unix.SOL_SOCKET, unix.SO_RCVBUF, atLeast * 200000}, {unix.SOL_SOCKET, unix.SO_SNDBUF, atLeast * 256 * 1024},
			{unix.SOL_SOCKET, unix.SO_BROADCAST, 1}, {unix.SOL_SOCKET, unix.SO_TIMESTAMP, 1},
		}, false},
		{"ipv6-only", "inet6", "stream", "[::]:0", []string{"BindIPv6Only", "ipv6-only", "FreeBind", "yes", "IPTTL", "12"}, []check{
			{unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1}, {unix.IPPROTO_IPV6, unix.IPV6_FREEBIND, 1},
			{unix.IPPROTO_IPV6, unix.IPV6_UNICAST_HOPS, 12},
		}, true},
		{"both", "inet6", "stream", "[::]:0", []string{"BindIPv6Only", "both"}, []check{
			{unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0},
		}, true},
		{"unix", "unix", "dgram", filepath.Join(dir, "u.sock"), []string{
			"PassCredentials", "yes", "PassSecurity", "yes", "ReceiveBuffer", "64K",
			// Not for unix sockets: ignored, as systemd only warns about them.
			"NoDelay", "yes", "KeepAlive", "yes", "BindIPv6Only", "ipv6-only", "ReusePort", "yes",
		}, []check{
			{unix.SOL_SOCKET, unix.SO_PASSCRED, 1}, {unix.SOL_SOCKET, unix.SO_PASSSEC, 1},
			{unix.SOL_SOCKET, unix.SO_RCVBUF, atLeast * 65536},
		}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.v6 && !ipv6Supported() {
				t.Skip("no IPv6")
			}
			f := mustOpen(t, spec(tt.family, tt.typ, tt.addr, tt.opts...))
			for _, c := range tt.checks {
				got := getsockopt(t, f, c.level, c.name)
				if c.want < 0 && got < -c.want || c.want >= 0 && got != c.want {
					t.Errorf("getsockopt(%d, %d) = %d, want %d", c.level, c.name, got, c.want)
				}
			}
		})
	}
}

func TestStringOptions(t *testing.T) {
	f := mustOpen(t, spec("inet", "stream", "127.0.0.1:0", "BindToDevice", "lo", "TCPCongestion", "reno"))
	control(t, f, func(fd int) {
		if dev, err := unix.GetsockoptString(fd, unix.SOL_SOCKET, unix.SO_BINDTODEVICE); err != nil || dev != "lo" {
			t.Errorf("SO_BINDTODEVICE = %q, %v", dev, err)
		}
		if cc, err := unix.GetsockoptString(fd, unix.IPPROTO_TCP, unix.TCP_CONGESTION); err != nil || cc != "reno" {
			t.Errorf("TCP_CONGESTION = %q, %v", cc, err)
		}
	})
}

func TestOptionErrors(t *testing.T) {
	dir := shortDir(t)
	sock := filepath.Join(dir, "s.sock")
	tests := []struct {
		addr string
		opts []string
		want string
	}{
		{"127.0.0.1:0", []string{"Frobnicate", "yes"}, "unknown socket option Frobnicate="},
		{"127.0.0.1:0", []string{"SocketMode", "999"}, "SocketMode=999: not an octal file mode"},
		{"127.0.0.1:0", []string{"DirectoryMode", "17777"}, "DirectoryMode=17777: not an octal file mode"},
		{"127.0.0.1:0", []string{"Backlog", "-1"}, "Backlog=-1: not an unsigned 32-bit integer"},
		{"127.0.0.1:0", []string{"NoDelay", "maybe"}, "NoDelay=maybe: \"maybe\" is not a boolean"},
		{"127.0.0.1:0", []string{"BindIPv6Only", "sometimes"}, "BindIPv6Only=sometimes: not default, both or ipv6-only"},
		{"127.0.0.1:0", []string{"Timestamping", "ms"}, "Timestamping=ms: not off, us or ns"},
		{"127.0.0.1:0", []string{"ReceiveBuffer", "0"}, "ReceiveBuffer=0: not a size"},
		{"127.0.0.1:0", []string{"SendBuffer", "lots"}, "SendBuffer=lots: not a size"},
		{"127.0.0.1:0", []string{"KeepAliveTimeSec", "soon"}, "KeepAliveTimeSec=soon: not a time span"},
		{"127.0.0.1:0", []string{"KeepAliveProbes", "-3"}, "KeepAliveProbes=-3: not an integer"},
		{"127.0.0.1:0", []string{"IPTTL", "0"}, "IPTTL=0: not an integer from 1 to 255"},
		{"127.0.0.1:0", []string{"BindToDevice", "a/b"}, "BindToDevice=a/b: not an interface name"},
		{"127.0.0.1:0", []string{"BindToDevice", "nosuchdev0"}, "BindToDevice: setsockopt: no such device"},
		{"127.0.0.1:0", []string{"TCPCongestion", "nosuchalgo"}, "TCPCongestion: setsockopt:"},
		{"127.0.0.1:0", []string{"Symlinks", "relative/link"}, `Symlinks=relative/link: "relative/link" is not an absolute path`},
		{"127.0.0.1:0", []string{"Symlinks", "/run/x"}, "Symlinks= needs a socket in the file system or a FIFO, not 127.0.0.1:0"},
		{"@abstract", []string{"Symlinks", "/run/x"}, "Symlinks= needs a socket in the file system"},
		{sock, []string{"SocketUser", "no-such-user-here"}, "SocketUser=no-such-user-here:"},
		{sock, []string{"SocketGroup", "no-such-group-here"}, "SocketGroup=no-such-group-here:"},
		{sock, []string{"SocketUser", "a b"}, "SocketUser=a b: not a user or group name or number"},
	}
	for _, tt := range tests {
		_, err := Open(spec("", "stream", tt.addr, tt.opts...))
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Open(%s, %q) = %v, want error with %q", tt.addr, tt.opts, err, tt.want)
		}
	}
	if entries, _ := filepath.Glob(filepath.Join(dir, "*")); len(entries) != 0 {
		t.Errorf("failed Opens left %v behind", entries)
	}
}

func TestParseOptionsDefaults(t *testing.T) {
	o, err := parseOptions(nil)
	if err != nil {
		t.Fatal(err)
	}
	if o.backlog <= 4096 || o.socketMode != 0o666 || o.directoryMode != 0o755 || o.bindIPv6Only != "default" {
		t.Errorf("defaults %+v", o)
	}
	o, err = parseOptions(map[string]string{"Backlog": "4294967295", "KeepAliveTimeSec": "1ms", "BindIPv6Only": "no"})
	if err != nil {
		t.Fatal(err)
	}
	if o.backlog != 1<<31-1 || o.keepAliveTime != 1 || o.bindIPv6Only != "both" {
		t.Errorf("got %+v", o)
	}
}
