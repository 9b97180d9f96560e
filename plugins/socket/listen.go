package socket

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"

	"github.com/sysmaster/sysmaster/sdk/exec"
)

// listenKinds maps the supported Listen*= keys to the Listen= property's type word and the OpenSocket type.
var listenKinds = map[string]struct{ kind, typ string }{
	"ListenStream":           {"Stream", "stream"},
	"ListenDatagram":         {"Datagram", "dgram"},
	"ListenSequentialPacket": {"SequentialPacket", "seqpacket"},
	"ListenFIFO":             {"FIFO", ""},
	"ListenNetlink":          {"Netlink", "raw"},
}

// unsupportedListen are systemd's other Listen*= keys; a unit using one loads with a warning and its start fails, since leaving a listener
// out would change what the unit means.
var unsupportedListen = []string{"ListenSpecial", "ListenMessageQueue", "ListenUSBFunction"}

// netlinkFamilies are the family names ListenNetlink= takes (systemd's netlink_family_table); a number below 32
// names a family too.
var netlinkFamilies = []string{"route", "usersock", "firewall", "inet-diag", "nflog", "xfrm", "selinux", "iscsi",
	"audit", "fib-lookup", "connector", "netfilter", "ip6-fw", "dnrtmsg", "kobject-uevent", "generic",
	"scsitransport", "ecryptfs", "rdma", "crypto"}

// parseNetlink checks ListenNetlink=: a family, optionally followed by a multicast group number (man
// systemd.socket: "kobject-uevent 1", "audit 1").
func parseNetlink(v string) error {
	f := strings.Fields(v)
	if len(f) == 0 || len(f) > 2 {
		return fmt.Errorf("expected a netlink family and an optional multicast group")
	}
	if n, err := strconv.ParseUint(f[0], 10, 8); (err != nil || n >= 32) && !slices.Contains(netlinkFamilies, f[0]) {
		return fmt.Errorf("%q is not a netlink family", f[0])
	}
	if len(f) == 2 {
		if _, err := strconv.ParseUint(f[1], 10, 32); err != nil {
			return fmt.Errorf("multicast group %q is not a 32-bit number", f[1])
		}
	}
	return nil
}

// parseAddress parses the value of ListenStream=, ListenDatagram= or ListenSequentialPacket= (man
// systemd.socket) and returns the OpenSocket family: a path starting with "/" or "@" is a unix socket,
// "vsock:CID:PORT" a vsock one, "[ADDR]:PORT" (optionally "%DEV") IPv6, "A.B.C.D:PORT" IPv4, and a bare port
// number IPv6 on every address (the host falls back to IPv4 where IPv6 is missing; BindIPv6Only= decides
// whether IPv4 is served too).
func parseAddress(v string) (family string, err error) {
	switch {
	case v == "":
		return "", fmt.Errorf("empty address")
	case v[0] == '/':
		if len(v) > 108 {
			return "", fmt.Errorf("unix socket path is longer than 108 bytes")
		}
		if !exec.NormalPath(v) {
			return "", fmt.Errorf("not a normalized absolute path")
		}
		return "unix", nil
	case v[0] == '@':
		if len(v) < 2 || len(v) > 108 {
			return "", fmt.Errorf("abstract socket name must have 1 to 107 bytes")
		}
		return "unix", nil
	case strings.HasPrefix(v, "vsock:"):
		cid, port, ok := strings.Cut(v[len("vsock:"):], ":")
		if !ok {
			return "", fmt.Errorf("expected vsock:CID:PORT")
		}
		if cid != "" {
			if _, err := strconv.ParseUint(cid, 10, 32); err != nil {
				return "", fmt.Errorf("bad vsock CID %q", cid)
			}
		}
		if _, err := strconv.ParseUint(port, 10, 32); err != nil {
			return "", fmt.Errorf("bad vsock port %q", port)
		}
		return "vsock", nil
	case v[0] == '[':
		end := strings.Index(v, "]:")
		if end < 0 {
			return "", fmt.Errorf("expected [ADDRESS]:PORT")
		}
		ip := net.ParseIP(v[1:end])
		if ip == nil || ip.To4() != nil && !strings.Contains(v[1:end], ":") {
			return "", fmt.Errorf("%q is not an IPv6 address", v[1:end])
		}
		port, dev, _ := strings.Cut(v[end+2:], "%")
		if err := checkPort(port); err != nil {
			return "", err
		}
		if strings.Contains(v[end+2:], "%") && dev == "" {
			return "", fmt.Errorf("empty interface name after %%")
		}
		return "inet6", nil
	case strings.Contains(v, ":"):
		host, port, _ := strings.Cut(v, ":")
		ip := net.ParseIP(host)
		if ip == nil || ip.To4() == nil || strings.Contains(host, ":") {
			return "", fmt.Errorf("%q is not an IPv4 address (write IPv6 addresses as [ADDRESS]:PORT)", host)
		}
		if err := checkPort(port); err != nil {
			return "", err
		}
		return "inet", nil
	}
	if err := checkPort(v); err != nil {
		return "", err
	}
	return "inet6", nil
}

func checkPort(s string) error {
	n, err := strconv.ParseUint(s, 10, 16)
	if err != nil || n == 0 {
		return fmt.Errorf("%q is not a port number (1..65535)", s)
	}
	return nil
}

// display is the listener's address as `systemctl show` prints it in Listen=: a bare port as "[::]:PORT".
func (l Listener) display() string {
	if l.Family == "inet6" && l.Address[0] != '[' {
		return "[::]:" + l.Address
	}
	return l.Address
}
