package listen

import (
	"fmt"
	"strconv"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
	"golang.org/x/sys/unix"
)

// ListenString gives the socket's entry of systemd's Listen= property, as `systemctl show` prints it:
// "/run/foo.sock (Stream)", "[::]:8080 (Stream)" for ListenStream=8080 on a host with IPv6, "0.0.0.0:53 (Datagram)",
// "@name (SequentialPacket)", "vsock:4294967295:1234 (Stream)", "/run/fifo (FIFO)", "kobject-uevent 1 (Netlink)".
func ListenString(s *pb.OpenSocket) (string, error) {
	if s == nil {
		return "", errNoSpec
	}
	a, err := parseAddress(s.Family, s.Type, s.Address, ipv6Supported())
	if err != nil {
		return "", err
	}
	return a.String() + " (" + a.kind() + ")", nil
}

// String is the address as systemd prints a socket address (sockaddr_pretty, IPv4-mapped IPv6 shown as IPv4);
// parsing it again gives the same address.
func (a *address) String() string {
	switch a.family {
	case familyUnix:
		if a.abstract != "" {
			return a.abstract
		}
		return a.path
	case familyFIFO:
		return a.path
	case familyInet:
		return a.ip.String()
	case familyInet6:
		if a.ip.Addr().Is4In6() && a.zone == "" {
			return a.ip.Addr().Unmap().String() + ":" + strconv.Itoa(int(a.ip.Port()))
		}
		s := "[" + a.ip.Addr().String() + "]:" + strconv.Itoa(int(a.ip.Port()))
		if a.zone != "" {
			s += "%" + a.zone
		}
		return s
	case familyVsock:
		return fmt.Sprintf("vsock:%d:%d", a.cid, a.port)
	case familyNetlink:
		name := strconv.Itoa(a.proto)
		for n, p := range netlinkFamilies {
			if p == a.proto {
				name = n
			}
		}
		return fmt.Sprintf("%s %d", name, a.groups)
	}
	return a.family
}

// kind is the port type systemd shows after the address.
func (a *address) kind() string {
	switch {
	case a.family == familyFIFO:
		return "FIFO"
	case a.family == familyNetlink:
		return "Netlink"
	case a.sotype == unix.SOCK_STREAM:
		return "Stream"
	case a.sotype == unix.SOCK_DGRAM:
		return "Datagram"
	case a.sotype == unix.SOCK_SEQPACKET:
		return "SequentialPacket"
	}
	return "Unknown"
}
