package listen

import (
	"strings"
	"testing"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
	"golang.org/x/sys/unix"
)

func TestParseAddress(t *testing.T) {
	long := "/" + strings.Repeat("x", maxSocketPath)
	tests := []struct {
		family, typ, addr string
		ipv6              bool
		want              string // String() of the result; "" when an error is wanted
		wantFamily        string
		err               string // a part of the error
	}{
		{"", "stream", "/run/foo.sock", true, "/run/foo.sock", familyUnix, ""},
		{"unix", "seqpacket", "@abstract", true, "@abstract", familyUnix, ""},
		{"", "stream", "8080", true, "[::]:8080", familyInet6, ""},
		{"", "stream", "8080", false, "0.0.0.0:8080", familyInet, ""},
		{"inet", "dgram", "53", true, "[::]:53", familyInet6, ""}, // a bare port fits inet and inet6
		{"inet6", "dgram", "53", false, "0.0.0.0:53", familyInet, ""},
		{"", "dgram", "127.0.0.1:53", true, "127.0.0.1:53", familyInet, ""},
		{"inet6", "stream", "[::1]:80", true, "[::1]:80", familyInet6, ""},
		{"", "stream", "[fe80::1]:80%eth0", true, "[fe80::1]:80%eth0", familyInet6, ""},
		{"", "stream", "[fe80::1%eth0]:80", true, "[fe80::1]:80%eth0", familyInet6, ""},
		{"", "stream", "[fe80::1%2]:80", true, "[fe80::1]:80%2", familyInet6, ""},
		{"", "stream", "[::ffff:1.2.3.4]:80", true, "1.2.3.4:80", familyInet6, ""},
		{"", "stream", "vsock:2:1234", true, "vsock:2:1234", familyVsock, ""},
		{"vsock", "stream", "vsock::1234", true, "vsock:4294967295:1234", familyVsock, ""},
		{"fifo", "", "/run/foo.fifo", true, "/run/foo.fifo", familyFIFO, ""},
		{"netlink", "", "kobject-uevent 1", true, "kobject-uevent 1", familyNetlink, ""},
		{"netlink", "dgram", "route", true, "route 0", familyNetlink, ""},
		{"netlink", "", "9 3", true, "audit 3", familyNetlink, ""},

		{"", "stream", "", true, "", "", "empty address"},
		{"", "stream", "foo", true, "", "", `address "foo": not a path`},
		{"", "stream", "1.2.3.4", true, "", "", "not a path"},
		{"", "stream", "300.1.2.3:80", true, "", "", `"300.1.2.3" is not an IPv4 address`},
		{"", "stream", "::1:80", true, "", "", "not an IPv4 address"},
		{"", "stream", "1.2.3.4:http", true, "", "", `port "http" is not a number`},
		{"", "stream", "65536", true, "", "", "port 65536 is out of range"},
		{"", "stream", "[::1]", true, "", "", "no port after ']'"},
		{"", "stream", "[::1:80", true, "", "", "no closing ']'"},
		{"", "stream", "[1.2.3.4]:80", true, "", "", "not an IPv6 address"},
		{"", "stream", "[::1%]:80", true, "", "", "not an interface name or index"},
		{"", "stream", "[::1%a]:80%b", true, "", "", "two interface scopes"},
		{"", "stream", "[::1]:80%this-name-is-too-long", true, "", "", "not an interface name"},
		{"", "stream", "vsock:1", true, "", "", "not vsock:CID:PORT"},
		{"", "stream", "vsock:x:1", true, "", "", `CID "x"`},
		{"", "stream", "@", true, "", "", "abstract name has 1 to"},
		{"", "stream", long, true, "", "", "longer than 107 bytes"},
		{"", "stream", "/a\x00b", true, "", "", "NUL"},
		{"fifo", "", "run/x", true, "", "", "not an absolute path"},
		{"fifo", "stream", "/run/x", true, "", "", "a FIFO has no socket type"},
		{"netlink", "", "nosuch", true, "", "", `"nosuch" is not a netlink family`},
		{"netlink", "", "route 1 2", true, "", "", "not a netlink family with an optional group"},
		{"netlink", "stream", "route", true, "", "", "a netlink socket is raw"},
		{"unix", "stream", "127.0.0.1:80", true, "", "", `address "127.0.0.1:80" is inet, but the family given is unix`},
		{"inet", "stream", "[::1]:80", true, "", "", "is inet6, but the family given is inet"},
		{"unix", "stream", "80", true, "", "", "is inet6, but the family given is unix"},
		{"ipx", "stream", "/x", true, "", "", `family "ipx": not unix, inet`},
		{"", "raw", "/x", true, "", "", `socket type "raw" is not stream, dgram or seqpacket`},
		{"", "seqpacket", "127.0.0.1:80", true, "", "", "sequential packet sockets exist for unix and vsock only"},
	}
	for _, tt := range tests {
		a, err := parseAddress(tt.family, tt.typ, tt.addr, tt.ipv6)
		if tt.err != "" {
			if err == nil || !strings.Contains(err.Error(), tt.err) {
				t.Errorf("parseAddress(%q, %q, %q) = %v, want error with %q", tt.family, tt.typ, tt.addr, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("parseAddress(%q, %q, %q): %v", tt.family, tt.typ, tt.addr, err)
			continue
		}
		if got := a.String(); got != tt.want || a.family != tt.wantFamily {
			t.Errorf("parseAddress(%q, %q, %q) = %s %q, want %s %q", tt.family, tt.typ, tt.addr, a.family, got, tt.wantFamily, tt.want)
		}
	}
}

func TestListenString(t *testing.T) {
	tests := []struct{ family, typ, addr, want string }{
		{"unix", "stream", "/run/foo.sock", "/run/foo.sock (Stream)"},
		{"", "dgram", "0.0.0.0:53", "0.0.0.0:53 (Datagram)"},
		{"", "seqpacket", "@bus", "@bus (SequentialPacket)"},
		{"", "stream", "[::]:80", "[::]:80 (Stream)"},
		{"fifo", "", "/run/initctl", "/run/initctl (FIFO)"},
		{"netlink", "", "kobject-uevent 1", "kobject-uevent 1 (Netlink)"},
		{"", "stream", "vsock::22", "vsock:4294967295:22 (Stream)"},
	}
	for _, tt := range tests {
		got, err := ListenString(&pb.OpenSocket{Family: tt.family, Type: tt.typ, Address: tt.addr})
		if err != nil || got != tt.want {
			t.Errorf("ListenString(%q) = %q, %v; want %q", tt.addr, got, err, tt.want)
		}
	}
	// A bare port is IPv6 where the host has it, as systemd binds it.
	want := "0.0.0.0:8080 (Stream)"
	if ipv6Supported() {
		want = "[::]:8080 (Stream)"
	}
	if got, err := ListenString(&pb.OpenSocket{Type: "stream", Address: "8080"}); err != nil || got != want {
		t.Errorf("ListenString(8080) = %q, %v; want %q", got, err, want)
	}
	if _, err := ListenString(&pb.OpenSocket{Type: "stream", Address: "nonsense"}); err == nil {
		t.Error("ListenString(nonsense) did not fail")
	}
}

// FuzzParseAddress checks that the parser never panics, and that what it accepts prints as an address that parses
// to the same thing (systemd's Listen= text is also what a user could write).
func FuzzParseAddress(f *testing.F) {
	for _, s := range []string{"/run/a.sock", "@x", "80", "1.2.3.4:5", "[::1]:80", "[fe80::1%eth0]:1",
		"[fe80::1]:1%3", "vsock::1", "vsock:3:4", "route 1", "[::ffff:1.2.3.4]:9", "0"} {
		f.Add("", "stream", s, true)
	}
	f.Add("fifo", "", "/run/f", false)
	f.Add("netlink", "", "kobject-uevent 1", false)
	f.Fuzz(func(t *testing.T, family, typ, addr string, ipv6 bool) {
		a, err := parseAddress(family, typ, addr, ipv6)
		if err != nil {
			if a != nil {
				t.Fatalf("parseAddress(%q) returned both an address and %v", addr, err)
			}
			return
		}
		s := a.String()
		again := family
		if family != familyFIFO && family != familyNetlink {
			again = "" // an IPv4-mapped inet6 address prints as IPv4
		}
		b, err := parseAddress(again, typ, s, ipv6)
		if err != nil {
			t.Fatalf("parseAddress(%q) = %q, which does not parse: %v", addr, s, err)
		}
		if b.String() != s || b.kind() != a.kind() {
			t.Fatalf("parseAddress(%q) = %q (%s), which parses to %q (%s)", addr, s, a.kind(), b.String(), b.kind())
		}
		if a.family != familyFIFO && a.zone == "" {
			if _, err := a.sockaddr(); err != nil {
				t.Fatalf("parseAddress(%q): no sockaddr: %v", addr, err)
			}
		}
		if a.domain() == unix.AF_UNSPEC && a.family != familyFIFO {
			t.Fatalf("parseAddress(%q): family %q has no domain", addr, a.family)
		}
	})
}
