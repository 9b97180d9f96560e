package notify

import (
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"

	"golang.org/x/sys/unix"
)

// DefaultPath is where the core binds its notify socket; services find it in $NOTIFY_SOCKET.
const DefaultPath = "/run/sysmaster/notify"

// receiveBuffer is the socket receive buffer the listener asks for, as systemd does for its notify socket:
// a burst of notifications from many services at boot must not be dropped by the kernel.
const receiveBuffer = 8 << 20

// A Listener is a bound notify socket. Its methods may be called from several goroutines at once.
type Listener struct {
	conn *net.UnixConn
	path string
	// maxFds is how many descriptors one datagram may carry; it sizes the control buffer. Tests lower it to
	// provoke truncated control data.
	maxFds int
}

// Listen binds a notify socket at path. A socket file left at path by an earlier process is removed first (any
// other kind of file is an error), and a missing parent directory is created with mode 0755. The socket is made
// world-writable (0777), like systemd's, so that services running as other users can notify; who may notify
// for which unit is decided from the credentials each datagram carries, not from the file's mode.
//
// Closing the Listener leaves the socket file in place, so that a listener handed over with File and FromFile
// keeps working at the same path.
func Listen(path string) (*Listener, error) {
	if err := removeStale(path); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC|unix.SOCK_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("notify: socket: %w", err)
	}
	f := os.NewFile(uintptr(fd), "notify:"+path)
	defer f.Close()
	// Credentials are asked for before the socket has a name, so that no datagram can arrive without them.
	if err := setOptions(fd); err != nil {
		return nil, err
	}
	if err := unix.Bind(fd, &unix.SockaddrUnix{Name: path}); err != nil {
		return nil, fmt.Errorf("notify: bind %s: %w", path, err)
	}
	if err := os.Chmod(path, 0o777); err != nil {
		os.Remove(path)
		return nil, fmt.Errorf("notify: %w", err)
	}
	l, err := fromSocket(f, path)
	if err != nil {
		os.Remove(path)
		return nil, err
	}
	return l, nil
}

// FromFile adopts a notify socket handed over by File (usually across an exec of the core). f must be a bound
// AF_UNIX datagram socket; it is duplicated, so the caller still owns f and should close it.
func FromFile(f *os.File) (*Listener, error) {
	fd := int(f.Fd())
	domain, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	if err != nil {
		return nil, fmt.Errorf("notify: adopt %s: %w", f.Name(), err)
	}
	typ, err := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_TYPE)
	if err != nil {
		return nil, fmt.Errorf("notify: adopt %s: %w", f.Name(), err)
	}
	if domain != unix.AF_UNIX || typ != unix.SOCK_DGRAM {
		return nil, fmt.Errorf("notify: adopt %s: not an AF_UNIX datagram socket", f.Name())
	}
	sa, err := unix.Getsockname(fd)
	if err != nil {
		return nil, fmt.Errorf("notify: adopt %s: %w", f.Name(), err)
	}
	ua, ok := sa.(*unix.SockaddrUnix)
	if !ok || ua.Name == "" {
		return nil, fmt.Errorf("notify: adopt %s: socket is not bound to a path", f.Name())
	}
	// The options are set again: an fd handed over by an older core may lack them, and setting them twice
	// does no harm.
	if err := setOptions(fd); err != nil {
		return nil, err
	}
	return fromSocket(f, ua.Name)
}

// fromSocket wraps a configured, bound socket in a Listener; net.FileConn duplicates f's descriptor, so f stays
// the caller's to close.
func fromSocket(f *os.File, path string) (*Listener, error) {
	c, err := net.FileConn(f)
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		c.Close()
		return nil, fmt.Errorf("notify: %s is not a unix socket", path)
	}
	return &Listener{conn: uc, path: path, maxFds: maxFdsPerMessage}, nil
}

// setOptions turns on SO_PASSCRED and enlarges the receive buffer. SO_RCVBUFFORCE needs CAP_NET_ADMIN; without
// it SO_RCVBUF is used, which the kernel caps at net.core.rmem_max. Neither buffer call is fatal.
func setOptions(fd int) error {
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		return fmt.Errorf("notify: SO_PASSCRED: %w", err)
	}
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, receiveBuffer); err != nil {
		_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, receiveBuffer)
	}
	return nil
}

// removeStale removes a socket left at path; a missing file is fine, any other kind of file is an error rather
// than something to delete.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	if fi.Mode().Type() != os.ModeSocket {
		return fmt.Errorf("notify: %s exists and is not a socket", path)
	}
	if err := os.Remove(path); err != nil {
		return fmt.Errorf("notify: remove stale socket: %w", err)
	}
	return nil
}

// Path is the file system path the socket is bound to: the value for $NOTIFY_SOCKET.
func (l *Listener) Path() string { return l.path }

// Close closes the socket; a Receive blocked in another goroutine returns an error wrapping net.ErrClosed.
// The socket file is not removed (see Listen).
func (l *Listener) Close() error {
	if err := l.conn.Close(); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	return nil
}

// File returns a duplicate of the socket's descriptor, for handing the socket over to the next core. The
// duplicate has close-on-exec set, as every descriptor the core opens does: pass it in exec.Cmd.ExtraFiles (which
// clears the flag in the child) or clear it before exec. The caller owns the returned file; the Listener stays
// open and usable.
func (l *Listener) File() (*os.File, error) {
	f, err := l.conn.File()
	if err != nil {
		return nil, fmt.Errorf("notify: %w", err)
	}
	return f, nil
}
