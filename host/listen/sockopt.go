package listen

import (
	"errors"
	"fmt"

	"golang.org/x/sys/unix"
)

// sockopt is one setsockopt call an option asks for.
type sockopt struct {
	option string // the systemd.socket setting, for errors
	level  int
	name   int
	value  int
	str    string // for TCP_CONGESTION
}

// socketOptions lists the setsockopt calls o asks for on a socket at a. All are made before bind: some must be
// (SO_REUSEPORT, IPV6_V6ONLY, IP_FREEBIND, SO_BINDTODEVICE), and buffer sizes set before listen are what accepted
// connections inherit. Settings that mean nothing for the socket's family or type are skipped, as systemd
// skips them (it logs a warning; a library has no one to tell).
func socketOptions(a *address, o *options) []sockopt {
	inet := a.family == familyInet || a.family == familyInet6
	v6 := a.family == familyInet6
	tcp := inet && a.sotype == unix.SOCK_STREAM
	var l []sockopt
	add := func(cond bool, option string, level, name, value int) {
		if cond {
			l = append(l, sockopt{option: option, level: level, name: name, value: value})
		}
	}
	pick := func(v6opt, v4opt int) int {
		if v6 {
			return v6opt
		}
		return v4opt
	}

	// As systemd: a restarted socket unit must be able to bind again while old connections linger in TIME_WAIT.
	add(inet, "", unix.SOL_SOCKET, unix.SO_REUSEADDR, 1)
	add(v6 && o.bindIPv6Only == "both", "BindIPv6Only", unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 0)
	add(v6 && o.bindIPv6Only == "ipv6-only", "BindIPv6Only", unix.IPPROTO_IPV6, unix.IPV6_V6ONLY, 1)
	add(inet && o.reusePort, "ReusePort", unix.SOL_SOCKET, unix.SO_REUSEPORT, 1) // the kernel refuses it elsewhere
	if inet && o.bindToDevice != "" {
		l = append(l, sockopt{option: "BindToDevice", level: unix.SOL_SOCKET, name: unix.SO_BINDTODEVICE, str: o.bindToDevice})
	}
	add(inet && o.freeBind, "FreeBind", pick(unix.IPPROTO_IPV6, unix.IPPROTO_IP), pick(unix.IPV6_FREEBIND, unix.IP_FREEBIND), 1)
	add(inet && o.transparent, "Transparent", pick(unix.IPPROTO_IPV6, unix.IPPROTO_IP), pick(unix.IPV6_TRANSPARENT, unix.IP_TRANSPARENT), 1)
	add(inet && o.broadcast, "Broadcast", unix.SOL_SOCKET, unix.SO_BROADCAST, 1)

	add(tcp && o.keepAlive, "KeepAlive", unix.SOL_SOCKET, unix.SO_KEEPALIVE, 1)
	add(tcp && o.keepAliveTime > 0, "KeepAliveTimeSec", unix.IPPROTO_TCP, unix.TCP_KEEPIDLE, o.keepAliveTime)
	add(tcp && o.keepAliveInterval > 0, "KeepAliveIntervalSec", unix.IPPROTO_TCP, unix.TCP_KEEPINTVL, o.keepAliveInterval)
	add(tcp && o.keepAliveProbes > 0, "KeepAliveProbes", unix.IPPROTO_TCP, unix.TCP_KEEPCNT, o.keepAliveProbes)
	add(tcp && o.noDelay, "NoDelay", unix.IPPROTO_TCP, unix.TCP_NODELAY, 1)
	add(tcp && o.deferAccept > 0, "DeferAcceptSec", unix.IPPROTO_TCP, unix.TCP_DEFER_ACCEPT, o.deferAccept)
	if tcp && o.tcpCongestion != "" {
		l = append(l, sockopt{option: "TCPCongestion", level: unix.IPPROTO_TCP, name: unix.TCP_CONGESTION, str: o.tcpCongestion})
	}

	local := a.family == familyUnix || a.family == familyNetlink
	add(local && o.passCredentials, "PassCredentials", unix.SOL_SOCKET, unix.SO_PASSCRED, 1)
	add(local && o.passSecurity, "PassSecurity", unix.SOL_SOCKET, unix.SO_PASSSEC, 1)
	switch {
	case o.passPktInfo && v6:
		add(true, "PassPacketInfo", unix.IPPROTO_IPV6, unix.IPV6_RECVPKTINFO, 1)
	case o.passPktInfo && inet:
		add(true, "PassPacketInfo", unix.IPPROTO_IP, unix.IP_PKTINFO, 1)
	case o.passPktInfo && a.family == familyNetlink:
		add(true, "PassPacketInfo", unix.SOL_NETLINK, unix.NETLINK_PKTINFO, 1)
	}
	add(o.timestamping == "us", "Timestamping", unix.SOL_SOCKET, unix.SO_TIMESTAMP, 1)
	add(o.timestamping == "ns", "Timestamping", unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)

	add(o.receiveBuffer > 0, "ReceiveBuffer", unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, o.receiveBuffer)
	add(o.sendBuffer > 0, "SendBuffer", unix.SOL_SOCKET, unix.SO_SNDBUFFORCE, o.sendBuffer)
	add(inet && o.hasIPTOS, "IPTOS", pick(unix.IPPROTO_IPV6, unix.IPPROTO_IP), pick(unix.IPV6_TCLASS, unix.IP_TOS), o.ipTOS)
	add(inet && o.hasIPTTL, "IPTTL", pick(unix.IPPROTO_IPV6, unix.IPPROTO_IP), pick(unix.IPV6_UNICAST_HOPS, unix.IP_TTL), o.ipTTL)
	// After IP_TOS, which sets the priority too (from the TOS bits): an explicit Priority= wins.
	add(o.hasPriority, "Priority", unix.SOL_SOCKET, unix.SO_PRIORITY, o.priority)
	add(o.hasMark, "Mark", unix.SOL_SOCKET, unix.SO_MARK, o.mark)
	return l
}

// set makes the call. The *BUFFORCE options need CAP_NET_ADMIN; without it, fall back to the capped ones.
func (s sockopt) set(fd int) error {
	var err error
	if s.str != "" {
		err = unix.SetsockoptString(fd, s.level, s.name, s.str)
	} else {
		err = unix.SetsockoptInt(fd, s.level, s.name, s.value)
	}
	if errors.Is(err, unix.EPERM) && (s.name == unix.SO_RCVBUFFORCE || s.name == unix.SO_SNDBUFFORCE) && s.level == unix.SOL_SOCKET {
		capped := map[int]int{unix.SO_RCVBUFFORCE: unix.SO_RCVBUF, unix.SO_SNDBUFFORCE: unix.SO_SNDBUF}[s.name]
		err = unix.SetsockoptInt(fd, s.level, capped, s.value)
	}
	if err != nil {
		if s.option == "" {
			return fmt.Errorf("setsockopt: %w", err)
		}
		return fmt.Errorf("%s: setsockopt: %w", s.option, err)
	}
	return nil
}
