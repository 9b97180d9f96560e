package exec

import (
	"fmt"

	"golang.org/x/sys/unix"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// otherNamespaces applies PrivateNetwork=, PrivateIPC= and ProtectHostname= to the calling thread (locked; it
// execs). Each process gets namespaces of its own: processes of one unit do not share them (systemd's do; see
// docs/sandboxing.md).
func otherNamespaces(sb *pb.Sandbox) *Failure {
	if sb == nil {
		return nil
	}
	if sb.PrivateNetwork {
		if err := unix.Unshare(unix.CLONE_NEWNET); err != nil {
			return fail("NETWORK", "PrivateNetwork=: unshare: %v", err)
		}
		if err := loopbackUp(); err != nil {
			return fail("NETWORK", "PrivateNetwork=: %v", err)
		}
	}
	if sb.PrivateIpc {
		if err := unix.Unshare(unix.CLONE_NEWIPC); err != nil {
			return fail("NAMESPACE", "PrivateIPC=: unshare: %v", err)
		}
	}
	if sb.ProtectHostname {
		if err := unix.Unshare(unix.CLONE_NEWUTS); err != nil {
			return fail("NAMESPACE", "ProtectHostname=: unshare: %v", err)
		}
	}
	return nil
}

// loopbackUp sets lo up in the new network namespace (the kernel then gives it 127.0.0.1 and ::1). An ioctl
// on a datagram socket does it without netlink message building, and without the ip binary.
func loopbackUp() error {
	fd, err := unix.Socket(unix.AF_INET, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("socket: %w", err)
	}
	defer unix.Close(fd)
	ifr, err := unix.NewIfreq("lo")
	if err != nil {
		return err
	}
	if err := unix.IoctlIfreq(fd, unix.SIOCGIFFLAGS, ifr); err != nil {
		return fmt.Errorf("lo flags: %w", err)
	}
	ifr.SetUint16(ifr.Uint16() | unix.IFF_UP)
	if err := unix.IoctlIfreq(fd, unix.SIOCSIFFLAGS, ifr); err != nil {
		return fmt.Errorf("lo up: %w", err)
	}
	return nil
}
