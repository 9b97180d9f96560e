package listen

import (
	"errors"
	"fmt"
	"net/netip"
	"os"
	"strconv"

	"golang.org/x/sys/unix"
)

// ErrNoConnection is Accept's answer when no connection is pending: the listener was readable when the host
// looked, but the connection has gone (or another accept took it), or nothing was there at all.
var ErrNoConnection = errors.New("no pending connection")

// Accept accepts one pending connection on a stream or seqpacket listener without ever blocking. conn is
// close-on-exec and in blocking mode; the caller owns it.
//
// instance is systemd's instance string for the connection without its leading "NR-" counter (the caller adds
// that, as its counter is the socket unit's):
//   - inet, inet6: "LOCAL-PEER", e.g. "127.0.0.1:80-127.0.0.1:41000" and "::1:80-::1:41000". Like systemd,
//     an IPv6 address is written bare, without brackets, and a connection between two IPv4-mapped addresses
//     (an IPv4 client of a dual-stack listener) is written as IPv4. The interface scope is left out, as
//     systemd leaves it out: '%' may not appear in a unit name. What is left — hex digits, '.', ':' and '-' — is
//     all valid in a unit name, so nothing needs escaping.
//   - unix: "PID-UID" of the peer (SO_PEERCRED), or "unknown" when the peer is in another PID or user namespace
//     and the kernel cannot say, as systemd does.
//   - vsock: "LOCALCID:PORT-PEERCID:PORT".
//
// source is who the connection comes from, for MaxConnectionsPerSource=: the peer's IP address without port
// (IPv4-mapped addresses as IPv4, so a client counts once whatever listener it came in by), the peer's uid for
// unix, its CID for vsock; "" when unknown (systemd does not count such connections).
func Accept(f *os.File) (conn *os.File, instance, source string, err error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return nil, "", "", fmt.Errorf("accept: %w", err)
	}
	var (
		nfd  = -1
		peer unix.Sockaddr
	)
	cerr := rc.Control(func(fd uintptr) {
		nfd, peer, err = accept(int(fd))
	})
	if cerr != nil {
		return nil, "", "", fmt.Errorf("accept: %w", cerr)
	}
	if err != nil {
		return nil, "", "", err
	}
	instance, source = describePeer(nfd, peer)
	return os.NewFile(uintptr(nfd), "conn:"+instance), instance, source, nil
}

// accept checks that fd is listening (a datagram socket is readable too, and accept would fail with an error
// that also means "try again"), polls it without waiting, and accepts. The listener is in blocking mode, so
// without the poll accept would wait for a connection.
func accept(fd int) (int, unix.Sockaddr, error) {
	listening, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_ACCEPTCONN)
	if err != nil {
		return -1, nil, fmt.Errorf("accept: %w", err)
	}
	if listening == 0 {
		return -1, nil, errors.New("accept: not a listening stream or seqpacket socket")
	}
	for {
		pfd := []unix.PollFd{{Fd: int32(fd), Events: unix.POLLIN}}
		n, err := unix.Poll(pfd, 0)
		if errors.Is(err, unix.EINTR) {
			continue
		}
		if err != nil {
			return -1, nil, fmt.Errorf("accept: poll: %w", err)
		}
		if n == 0 || pfd[0].Revents&unix.POLLIN == 0 {
			return -1, nil, ErrNoConnection
		}
		nfd, sa, err := unix.Accept4(fd, unix.SOCK_CLOEXEC)
		switch {
		case err == nil:
			return nfd, sa, nil
		case errors.Is(err, unix.EINTR):
			continue // poll again: the connection may be gone, and a blocking accept must not follow
		case acceptAgain(err):
			return -1, nil, ErrNoConnection
		}
		return -1, nil, fmt.Errorf("accept: %w", err)
	}
}

// acceptAgain lists the errors accept(2) says to treat as "try again": the connection failed before it was
// accepted, which is not the listener's fault (systemd's ERRNO_IS_ACCEPT_AGAIN).
func acceptAgain(err error) bool {
	for _, e := range []unix.Errno{unix.EAGAIN, unix.ECONNABORTED, unix.ENETDOWN, unix.EPROTO, unix.ENOPROTOOPT,
		unix.EHOSTDOWN, unix.ENONET, unix.EHOSTUNREACH, unix.EOPNOTSUPP, unix.ENETUNREACH} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// describePeer makes the instance and source strings of an accepted connection.
func describePeer(fd int, peer unix.Sockaddr) (instance, source string) {
	local, _ := unix.Getsockname(fd)
	switch l := local.(type) {
	case *unix.SockaddrInet4:
		if p, ok := peer.(*unix.SockaddrInet4); ok {
			la, pa := netip.AddrFrom4(l.Addr), netip.AddrFrom4(p.Addr)
			return inetInstance(la, l.Port, pa, p.Port), pa.String()
		}
	case *unix.SockaddrInet6:
		if p, ok := peer.(*unix.SockaddrInet6); ok {
			la, pa := netip.AddrFrom16(l.Addr), netip.AddrFrom16(p.Addr)
			if la.Is4In6() && pa.Is4In6() {
				la, pa = la.Unmap(), pa.Unmap()
			}
			return inetInstance(la, l.Port, pa, p.Port), pa.Unmap().String()
		}
	case *unix.SockaddrVM:
		if p, ok := peer.(*unix.SockaddrVM); ok {
			return fmt.Sprintf("%d:%d-%d:%d", l.CID, l.Port, p.CID, p.Port), strconv.FormatUint(uint64(p.CID), 10)
		}
	case *unix.SockaddrUnix:
		cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
		if err != nil || cred.Pid <= 0 {
			return "unknown", ""
		}
		uid := strconv.FormatUint(uint64(cred.Uid), 10)
		return strconv.Itoa(int(cred.Pid)) + "-" + uid, uid
	}
	return "unknown", ""
}

func inetInstance(la netip.Addr, lport int, pa netip.Addr, pport int) string {
	return la.String() + ":" + strconv.Itoa(lport) + "-" + pa.String() + ":" + strconv.Itoa(pport)
}
