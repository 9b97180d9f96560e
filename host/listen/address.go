package listen

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"
)

// Families as OpenSocket.family names them.
const (
	familyUnix    = "unix"
	familyInet    = "inet"
	familyInet6   = "inet6"
	familyVsock   = "vsock"
	familyNetlink = "netlink"
	familyFIFO    = "fifo"
)

// Limits on paths: sun_path holds 108 bytes with the terminating NUL (an abstract name has a leading NUL instead);
// a FIFO path is bounded by PATH_MAX only.
const (
	maxSocketPath = len(unix.RawSockaddrUnix{}.Path) - 1
	maxFIFOPath   = unix.PathMax - 1
	maxIfName     = unix.IFNAMSIZ - 1

	maxNetlinkFamilies = 32 // the kernel's MAX_LINKS
)

// address is a parsed OpenSocket address: what to create, and where.
type address struct {
	family string
	sotype int    // SOCK_STREAM, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RAW (netlink); 0 for a FIFO
	path   string // the file of a unix socket or a FIFO; "" for everything else (abstract names included)

	abstract string         // unix: "@name"
	ip       netip.AddrPort // inet, inet6
	zone     string         // inet6 scope (interface name or index) as written; resolved when binding
	cid      uint32         // vsock
	port     uint32         // vsock
	proto    int            // netlink family (NETLINK_ROUTE, …)
	groups   uint32         // netlink multicast groups
}

var socketTypes = map[string]int{"stream": unix.SOCK_STREAM, "dgram": unix.SOCK_DGRAM, "seqpacket": unix.SOCK_SEQPACKET}

// parseAddress parses an OpenSocket's family, type and address. ipv6 says whether the host has IPv6, which
// decides what a bare port binds to (systemd: [::] when it has, else 0.0.0.0); it is a parameter so that parsing
// stays a pure function.
func parseAddress(family, typ, addr string, ipv6 bool) (*address, error) {
	if strings.IndexByte(addr, 0) >= 0 {
		return nil, fmt.Errorf("address %q: contains a NUL byte", addr)
	}
	switch family {
	case familyFIFO:
		if typ != "" {
			return nil, fmt.Errorf("address %q: a FIFO has no socket type (got %q)", addr, typ)
		}
		if err := checkPath(addr, maxFIFOPath); err != nil {
			return nil, err
		}
		return &address{family: familyFIFO, path: addr}, nil
	case familyNetlink:
		if typ != "" && typ != "dgram" && typ != "raw" {
			return nil, fmt.Errorf("address %q: a netlink socket is raw, not %q", addr, typ)
		}
		return parseNetlink(addr)
	case "", familyUnix, familyInet, familyInet6, familyVsock:
	default:
		return nil, fmt.Errorf("family %q: not unix, inet, inet6, vsock, netlink or fifo", family)
	}

	sotype, ok := socketTypes[typ]
	if !ok {
		return nil, fmt.Errorf("address %q: socket type %q is not stream, dgram or seqpacket", addr, typ)
	}
	a, bare, err := parseSocketAddress(addr, ipv6)
	if err != nil {
		return nil, err
	}
	a.sotype = sotype
	// A bare port is the host's choice between inet6 and inet, so either name fits it.
	if family != "" && family != a.family && !(bare && (family == familyInet || family == familyInet6)) {
		return nil, fmt.Errorf("address %q is %s, but the family given is %s", addr, a.family, family)
	}
	if sotype == unix.SOCK_SEQPACKET && a.family != familyUnix && a.family != familyVsock {
		return nil, fmt.Errorf("address %q: sequential packet sockets exist for unix and vsock only", addr)
	}
	return a, nil
}

// parseSocketAddress parses the address of a ListenStream=, ListenDatagram= or ListenSequentialPacket= line;
// bare reports that it was a port alone.
func parseSocketAddress(s string, ipv6 bool) (a *address, bare bool, err error) {
	switch {
	case s == "":
		return nil, false, errors.New("empty address")
	case s[0] == '/':
		if err := checkPath(s, maxSocketPath); err != nil {
			return nil, false, err
		}
		return &address{family: familyUnix, path: s}, false, nil
	case s[0] == '@':
		if len(s) == 1 || len(s)-1 > maxSocketPath {
			return nil, false, fmt.Errorf("address %q: an abstract name has 1 to %d bytes", s, maxSocketPath)
		}
		return &address{family: familyUnix, abstract: s}, false, nil
	case strings.HasPrefix(s, "vsock:"):
		return parseVsock(s)
	case s[0] == '[':
		a, err := parseInet6(s)
		return a, false, err
	case allDigits(s):
		port, err := parsePort(s, s)
		if err != nil {
			return nil, true, err
		}
		if ipv6 {
			return &address{family: familyInet6, ip: netip.AddrPortFrom(netip.IPv6Unspecified(), port)}, true, nil
		}
		return &address{family: familyInet, ip: netip.AddrPortFrom(netip.IPv4Unspecified(), port)}, true, nil
	}
	host, port, ok := strings.Cut(s, ":")
	if !ok {
		return nil, false, fmt.Errorf("address %q: not a path, @name, port, addr:port, [addr]:port or vsock:cid:port", s)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Is4() {
		return nil, false, fmt.Errorf("address %q: %q is not an IPv4 address (write IPv6 addresses as [addr]:port)", s, host)
	}
	p, err := parsePort(s, port)
	if err != nil {
		return nil, false, err
	}
	return &address{family: familyInet, ip: netip.AddrPortFrom(ip, p)}, false, nil
}

// parseInet6 parses "[addr]:port", with the interface scope written either as systemd documents it,
// "[addr]:port%dev", or inside the brackets, "[addr%dev]:port".
func parseInet6(s string) (*address, error) {
	end := strings.IndexByte(s, ']')
	if end < 0 {
		return nil, fmt.Errorf("address %q: no closing ']'", s)
	}
	host, rest := s[1:end], s[end+1:]
	host, zone, inner := strings.Cut(host, "%")
	if !strings.HasPrefix(rest, ":") {
		return nil, fmt.Errorf("address %q: no port after ']'", s)
	}
	port, outerZone, outer := strings.Cut(rest[1:], "%")
	if inner && outer {
		return nil, fmt.Errorf("address %q: two interface scopes", s)
	}
	if outer {
		zone = outerZone
	}
	if (inner || outer) && !validIfName(zone) {
		return nil, fmt.Errorf("address %q: %q is not an interface name or index", s, zone)
	}
	ip, err := netip.ParseAddr(host)
	if err != nil || !ip.Is6() {
		return nil, fmt.Errorf("address %q: %q is not an IPv6 address", s, host)
	}
	p, err := parsePort(s, port)
	if err != nil {
		return nil, err
	}
	return &address{family: familyInet6, ip: netip.AddrPortFrom(ip, p), zone: zone}, nil
}

// parseVsock parses "vsock:CID:PORT"; an empty CID is any (VMADDR_CID_ANY).
func parseVsock(s string) (*address, bool, error) {
	cid, port, ok := strings.Cut(strings.TrimPrefix(s, "vsock:"), ":")
	if !ok {
		return nil, false, fmt.Errorf("address %q: not vsock:CID:PORT", s)
	}
	a := &address{family: familyVsock, cid: unix.VMADDR_CID_ANY}
	if cid != "" {
		c, err := parseUint32(cid)
		if err != nil {
			return nil, false, fmt.Errorf("address %q: CID %q is not a 32-bit number", s, cid)
		}
		a.cid = c
	}
	p, err := parseUint32(port)
	if err != nil {
		return nil, false, fmt.Errorf("address %q: port %q is not a 32-bit number", s, port)
	}
	a.port = p
	return a, false, nil
}

// netlinkFamilies are the names ListenNetlink= takes, as systemd spells them.
var netlinkFamilies = map[string]int{
	"route": unix.NETLINK_ROUTE, "usersock": unix.NETLINK_USERSOCK, "firewall": unix.NETLINK_FIREWALL,
	"inet-diag": unix.NETLINK_INET_DIAG, "nflog": unix.NETLINK_NFLOG, "xfrm": unix.NETLINK_XFRM,
	"selinux": unix.NETLINK_SELINUX, "iscsi": unix.NETLINK_ISCSI, "audit": unix.NETLINK_AUDIT,
	"fib-lookup": unix.NETLINK_FIB_LOOKUP, "connector": unix.NETLINK_CONNECTOR,
	"netfilter": unix.NETLINK_NETFILTER, "ip6-fw": unix.NETLINK_IP6_FW, "dnrtmsg": unix.NETLINK_DNRTMSG,
	"kobject-uevent": unix.NETLINK_KOBJECT_UEVENT, "generic": unix.NETLINK_GENERIC,
	"scsitransport": unix.NETLINK_SCSITRANSPORT, "ecryptfs": unix.NETLINK_ECRYPTFS, "rdma": unix.NETLINK_RDMA,
	"crypto": unix.NETLINK_CRYPTO,
}

// parseNetlink parses ListenNetlink=: a family name (or number), optionally a space and a multicast group mask.
func parseNetlink(s string) (*address, error) {
	f := strings.Fields(s)
	if len(f) == 0 || len(f) > 2 {
		return nil, fmt.Errorf("address %q: not a netlink family with an optional group", s)
	}
	proto, ok := netlinkFamilies[f[0]]
	if !ok {
		n, err := strconv.ParseUint(f[0], 10, 8)
		if err != nil || n >= maxNetlinkFamilies {
			return nil, fmt.Errorf("address %q: %q is not a netlink family", s, f[0])
		}
		proto = int(n)
	}
	a := &address{family: familyNetlink, sotype: unix.SOCK_RAW, proto: proto}
	if len(f) == 2 {
		g, err := parseUint32(f[1])
		if err != nil {
			return nil, fmt.Errorf("address %q: group %q is not a 32-bit number", s, f[1])
		}
		a.groups = g
	}
	return a, nil
}

func checkPath(p string, max int) error {
	if !strings.HasPrefix(p, "/") {
		return fmt.Errorf("address %q: not an absolute path", p)
	}
	if len(p) > max {
		return fmt.Errorf("address %q: longer than %d bytes", p, max)
	}
	return nil
}

func parsePort(addr, s string) (uint16, error) {
	if !allDigits(s) {
		return 0, fmt.Errorf("address %q: port %q is not a number", addr, s)
	}
	p, err := strconv.ParseUint(s, 10, 16)
	if err != nil {
		return 0, fmt.Errorf("address %q: port %s is out of range", addr, s)
	}
	return uint16(p), nil
}

func parseUint32(s string) (uint32, error) {
	if !allDigits(s) {
		return 0, strconv.ErrSyntax
	}
	n, err := strconv.ParseUint(s, 10, 32)
	return uint32(n), err
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// validIfName accepts what the kernel takes as an interface name (dev_valid_name), or an index.
func validIfName(s string) bool {
	if s == "" || len(s) > maxIfName || s == "." || s == ".." {
		return false
	}
	for _, c := range []byte(s) {
		if c == '/' || c == ':' || c <= ' ' || c >= 0x7f {
			return false
		}
	}
	return true
}

// sockaddr is the address to bind to. An inet6 scope given by name is looked up here, not when parsing, because
// interfaces come and go.
func (a *address) sockaddr() (unix.Sockaddr, error) {
	switch a.family {
	case familyUnix:
		if a.abstract != "" {
			return &unix.SockaddrUnix{Name: a.abstract}, nil // x/sys turns the leading '@' into a NUL
		}
		return &unix.SockaddrUnix{Name: a.path}, nil
	case familyInet:
		return &unix.SockaddrInet4{Port: int(a.ip.Port()), Addr: a.ip.Addr().As4()}, nil
	case familyInet6:
		sa := &unix.SockaddrInet6{Port: int(a.ip.Port()), Addr: a.ip.Addr().As16()}
		if a.zone != "" {
			idx, err := ifIndex(a.zone)
			if err != nil {
				return nil, err
			}
			sa.ZoneId = idx
		}
		return sa, nil
	case familyVsock:
		return &unix.SockaddrVM{CID: a.cid, Port: a.port}, nil
	case familyNetlink:
		return &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: a.groups}, nil
	}
	return nil, fmt.Errorf("%s has no socket address", a.family)
}

func ifIndex(name string) (uint32, error) {
	if allDigits(name) {
		n, err := strconv.ParseUint(name, 10, 32)
		return uint32(n), err
	}
	ifi, err := net.InterfaceByName(name)
	if err != nil {
		return 0, fmt.Errorf("interface %q: %w", name, err)
	}
	return uint32(ifi.Index), nil
}

func (a *address) domain() int {
	switch a.family {
	case familyUnix:
		return unix.AF_UNIX
	case familyInet:
		return unix.AF_INET
	case familyInet6:
		return unix.AF_INET6
	case familyVsock:
		return unix.AF_VSOCK
	case familyNetlink:
		return unix.AF_NETLINK
	}
	return unix.AF_UNSPEC
}

// isFile reports whether the address lives in the file system (a unix socket path or a FIFO), which is what
// SocketMode=, SocketUser=, Symlinks=, RemoveOnStop= and friends act on.
func (a *address) isFile() bool { return a.path != "" }

// ipv6Supported is systemd's socket_ipv6_is_supported: the kernel has IPv6 when /proc/net/if_inet6 exists.
func ipv6Supported() bool {
	_, err := os.Stat("/proc/net/if_inet6")
	return err == nil
}
