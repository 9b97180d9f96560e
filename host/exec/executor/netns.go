package executor

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// otherNamespaces applies PrivateNetwork=, PrivateIPC= and ProtectHostname= to the calling thread (locked; it
// execs). The network and IPC namespaces are shared by the processes of one invocation, as systemd shares them:
// the first process makes them and bind-mounts them under SharedNamespaceDir, the others join them; the host
// removes them with RemovePrivateTmp when the unit is down. Without an invocation ID each process gets its own.
func otherNamespaces(sb *Sandbox, unit, invocationID string) *Failure {
	if sb == nil {
		return nil
	}
	if sb.PrivateNetwork {
		if err := sharedNamespace(unix.CLONE_NEWNET, "net", unit, invocationID, loopbackUp); err != nil {
			return fail("NETWORK", "PrivateNetwork=: %v", err)
		}
	}
	if sb.PrivateIpc {
		if err := sharedNamespace(unix.CLONE_NEWIPC, "ipc", unit, invocationID, nil); err != nil {
			return fail("NAMESPACE", "PrivateIPC=: %v", err)
		}
	}
	if sb.ProtectHostname {
		if err := unix.Unshare(unix.CLONE_NEWUTS); err != nil {
			return fail("NAMESPACE", "ProtectHostname=: unshare: %v", err)
		}
	}
	return nil
}

// SharedNamespaceDir holds the network and IPC namespaces of the invocations that have them, as bind mounts of
// nsfs files named <invocation>-<unit>.<kind>.
const SharedNamespaceDir = "/run/sysmaster/namespaces"

// SharedNamespaceFile is the bind mount that keeps the invocation's namespace of kind ("net", "ipc").
func SharedNamespaceFile(unit, invocationID, kind string) string {
	return filepath.Join(SharedNamespaceDir, invocationID+"-"+strings.ReplaceAll(unit, "/", "_")+"."+kind)
}

// sharedNamespace joins the invocation's namespace of the kind, or makes it (unshare, then setup) and keeps it.
func sharedNamespace(flag int, kind, unit, invocationID string, setup func() error) error {
	var file string
	if invocationID != "" {
		file = SharedNamespaceFile(unit, invocationID, kind)
		if fd, err := unix.Open(file, unix.O_RDONLY|unix.O_CLOEXEC, 0); err == nil {
			err = unix.Setns(fd, flag)
			unix.Close(fd)
			if err == nil {
				return nil
			}
			// Not (yet) a namespace: another process of the invocation is making it; this one gets its own.
		}
	}
	if err := unix.Unshare(flag); err != nil {
		return fmt.Errorf("unshare: %w", err)
	}
	if setup != nil {
		if err := setup(); err != nil {
			return err
		}
	}
	if file == "" {
		return nil
	}
	if err := os.MkdirAll(SharedNamespaceDir, 0o700); err != nil {
		return err
	}
	fd, err := unix.Open(file, unix.O_CREAT|unix.O_EXCL|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		if errors.Is(err, unix.EEXIST) {
			return nil // made by another process meanwhile; this one keeps its own
		}
		return err
	}
	unix.Close(fd)
	// thread-self: the namespace is this thread's.
	if err := unix.Mount("/proc/thread-self/ns/"+kind, file, "", unix.MS_BIND, ""); err != nil {
		os.Remove(file)
		return fmt.Errorf("keep the namespace: %w", err)
	}
	return nil
}

// removeSharedNamespaces unmounts and removes the namespaces kept for an invocation.
func removeSharedNamespaces(unit, invocationID string) error {
	var first error
	for _, kind := range []string{"net", "ipc"} {
		file := SharedNamespaceFile(unit, invocationID, kind)
		if err := unix.Unmount(file, unix.MNT_DETACH); err != nil && err != unix.EINVAL && err != unix.ENOENT && first == nil {
			first = fmt.Errorf("unmount %s: %w", file, err)
		}
		if err := os.Remove(file); err != nil && !os.IsNotExist(err) && first == nil {
			first = err
		}
	}
	return first
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
