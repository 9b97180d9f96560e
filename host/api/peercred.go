package api

import (
	"context"
	"errors"
	"net"
	"slices"
	"unsafe"

	"golang.org/x/sys/unix"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
)

// PeerCred is the AuthInfo of a connection: the credentials the kernel recorded for the peer at connect time.
type PeerCred struct {
	credentials.CommonAuthInfo
	Pid, Uid, Gid int
	// Groups are the peer's supplementary groups at connect time (SO_PEERGROUPS), for the calls that groups
	// open up (unit logs).
	Groups []int
}

// InGroup reports whether the peer's primary or a supplementary group is gid.
func (c PeerCred) InGroup(gid int) bool { return c.Gid == gid || slices.Contains(c.Groups, gid) }

// AuthType implements credentials.AuthInfo.
func (PeerCred) AuthType() string { return "peercred" }

// peerCreds is a TransportCredentials that adds no security of its own but reads SO_PEERCRED.
type peerCreds struct{}

func (peerCreds) ServerHandshake(c net.Conn) (net.Conn, credentials.AuthInfo, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return nil, nil, errors.New("api: not a unix connection")
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return nil, nil, err
	}
	var cred *unix.Ucred
	var groups []int
	var serr error
	if err := raw.Control(func(fd uintptr) {
		if cred, serr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED); serr == nil {
			groups, serr = peerGroups(fd)
		}
	}); err != nil {
		return nil, nil, err
	}
	if serr != nil {
		return nil, nil, serr
	}
	return c, PeerCred{CommonAuthInfo: credentials.CommonAuthInfo{SecurityLevel: credentials.NoSecurity},
		Pid: int(cred.Pid), Uid: int(cred.Uid), Gid: int(cred.Gid), Groups: groups}, nil
}

// peerGroups reads SO_PEERGROUPS: the kernel says how much room the list needs when the buffer is too small.
func peerGroups(fd uintptr) ([]int, error) {
	buf := make([]uint32, 32)
	for {
		n := uint32(len(buf) * 4)
		_, _, e := unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_SOCKET, unix.SO_PEERGROUPS,
			uintptr(unsafe.Pointer(&buf[0])), uintptr(unsafe.Pointer(&n)), 0)
		if e == unix.ERANGE && n/4 > uint32(len(buf)) {
			buf = make([]uint32, n/4)
			continue
		}
		if e != 0 {
			return nil, e
		}
		out := make([]int, n/4)
		for i := range out {
			out[i] = int(buf[i])
		}
		return out, nil
	}
}

func (peerCreds) ClientHandshake(context.Context, string, net.Conn) (net.Conn, credentials.AuthInfo, error) {
	return nil, nil, errors.New("api: server-only credentials")
}
func (peerCreds) Info() credentials.ProtocolInfo {
	return credentials.ProtocolInfo{SecurityProtocol: "peercred"}
}
func (peerCreds) Clone() credentials.TransportCredentials { return peerCreds{} }
func (peerCreds) OverrideServerName(string) error         { return nil }

// Caller returns the credentials of the caller of a call the control server serves.
func Caller(ctx context.Context) (PeerCred, bool) { return callerCred(ctx) }

// callerCred returns the credentials of the caller of ctx.
func callerCred(ctx context.Context) (PeerCred, bool) {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return PeerCred{}, false
	}
	pc, ok := p.AuthInfo.(PeerCred)
	return pc, ok
}
