package uevent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	udevnl "github.com/pilebones/go-udev/netlink"
	"golang.org/x/sys/unix"
)

// Netlink multicast groups of NETLINK_KOBJECT_UEVENT.
const (
	GroupKernel = uint32(udevnl.KernelEvent)
	GroupUdev   = uint32(udevnl.UdevEvent)
)

// ReceiveBuffer is the receive buffer udevd asks for (SO_RCVBUFFORCE), as systemd-udevd's 128 MiB: a burst of
// uevents waits in the kernel while the queue is full, instead of being dropped.
const ReceiveBuffer = 128 << 20

// maxMessage bounds one uevent (the kernel's UEVENT_BUFFER_SIZE is 2 KiB; libudev messages may be larger).
const maxMessage = 16 << 10

// Conn is a NETLINK_KOBJECT_UEVENT socket. It wraps go-udev's connection, which also takes an inherited fd.
type Conn struct {
	nl udevnl.UEventConn
	// group is the multicast group joined (0 for a sender only).
	group uint32
	buf   []byte
	oob   []byte
	// poll is a duplicate of the socket registered with the runtime's poller, once Wait was called.
	poll *os.File
}

// Open returns a socket joined to group (GroupKernel, GroupUdev, or 0 for sending only), with SO_PASSCRED set so
// that senders can be checked.
func Open(group uint32) (*Conn, error) {
	c := &Conn{group: group}
	if err := c.nl.Connect(udevnl.Mode(group)); err != nil {
		return nil, fmt.Errorf("uevent: netlink socket: %w", err)
	}
	if err := c.setup(); err != nil {
		c.Close()
		return nil, err
	}
	return c, nil
}

// FromFD adopts an inherited socket (socket activation: the host's ListenNetlink=kobject-uevent 1). It checks that
// fd is a NETLINK_KOBJECT_UEVENT socket.
func FromFD(fd int) (*Conn, error) {
	if !IsUeventSocket(fd) {
		return nil, fmt.Errorf("uevent: fd %d is not a NETLINK_KOBJECT_UEVENT socket", fd)
	}
	c := &Conn{group: GroupKernel}
	c.nl.Fd = fd
	sa, err := unix.Getsockname(fd)
	if nl, ok := sa.(*unix.SockaddrNetlink); err == nil && ok && nl.Groups == 0 {
		// Not bound to the kernel's group yet: join it.
		if err := unix.SetsockoptInt(fd, unix.SOL_NETLINK, unix.NETLINK_ADD_MEMBERSHIP, int(GroupKernel)); err != nil {
			return nil, fmt.Errorf("uevent: fd %d: joining group 1: %w", fd, err)
		}
	}
	unix.CloseOnExec(fd)
	return c, c.setup()
}

func (c *Conn) setup() error {
	fd := c.nl.Fd
	if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PASSCRED, 1); err != nil {
		return fmt.Errorf("uevent: SO_PASSCRED: %w", err)
	}
	if c.group != 0 {
		// A larger buffer than the kernel's default; SO_RCVBUFFORCE needs CAP_NET_ADMIN, SO_RCVBUF is capped.
		if err := unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUFFORCE, ReceiveBuffer); err != nil {
			_ = unix.SetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_RCVBUF, ReceiveBuffer)
		}
	}
	c.buf = make([]byte, maxMessage)
	c.oob = make([]byte, unix.CmsgSpace(unix.SizeofUcred))
	return nil
}

// FD is the socket's descriptor.
func (c *Conn) FD() int { return c.nl.Fd }

// Close closes the socket.
func (c *Conn) Close() error {
	if c.poll != nil {
		c.poll.Close()
	}
	return c.nl.Close()
}

// ErrUntrusted is returned for a message from a sender that is not trusted for the group: kernel events must
// come from the kernel (port 0), udev events from a process running as root.
var ErrUntrusted = errors.New("uevent: message from an untrusted sender")

// Receive waits for the next message and parses it. A message that is malformed or untrusted comes back as an
// error wrapping ErrMalformed or ErrUntrusted; the caller goes on receiving.
func (c *Conn) Receive() (*Message, error) { return c.receive(0) }

// Peek is Receive that leaves the message in the socket (MSG_PEEK): the next Peek or Receive returns it again,
// until Discard. A reader that must not lose a message it took (udevd's spool) peeks, keeps it, then discards.
func (c *Conn) Peek() (*Message, error) { return c.receive(unix.MSG_PEEK) }

// Discard drops the next message of the socket, the one Peek returned.
func (c *Conn) Discard() error {
	var b [1]byte
	_, _, err := unix.Recvfrom(c.nl.Fd, b[:], unix.MSG_TRUNC)
	for err == unix.EINTR {
		_, _, err = unix.Recvfrom(c.nl.Fd, b[:], unix.MSG_TRUNC)
	}
	return err
}

func (c *Conn) receive(peek int) (*Message, error) {
	n, oobn, flags, from, err := unix.Recvmsg(c.nl.Fd, c.buf, c.oob, peek)
	for err == unix.EINTR {
		n, oobn, flags, from, err = unix.Recvmsg(c.nl.Fd, c.buf, c.oob, peek)
	}
	if err != nil {
		return nil, err
	}
	if flags&unix.MSG_TRUNC != 0 {
		return nil, fmt.Errorf("%w: truncated", ErrMalformed)
	}
	nl, ok := from.(*unix.SockaddrNetlink)
	if !ok {
		return nil, fmt.Errorf("%w: not a netlink sender", ErrUntrusted)
	}
	uid := -1
	if cmsgs, err := unix.ParseSocketControlMessage(c.oob[:oobn]); err == nil {
		for _, m := range cmsgs {
			if cred, err := unix.ParseUnixCredentials(&m); err == nil {
				uid = int(cred.Uid)
			}
		}
	}
	if uid != 0 {
		return nil, fmt.Errorf("%w: no root credentials", ErrUntrusted)
	}
	b := c.buf[:n]
	switch c.group {
	case GroupKernel:
		if nl.Pid != 0 || IsLibudev(b) {
			return nil, fmt.Errorf("%w: kernel group message from port %d", ErrUntrusted, nl.Pid)
		}
		return ParseKernel(b)
	default:
		if nl.Groups != GroupUdev {
			return nil, fmt.Errorf("%w: not sent to the udev group", ErrUntrusted)
		}
		return ParseLibudev(b)
	}
}

// Broadcast sends m in libudev's format to the udev group. No listener is not an error.
func (c *Conn) Broadcast(m *Message) error {
	err := unix.Sendto(c.nl.Fd, m.Libudev(), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK, Groups: GroupUdev})
	if errors.Is(err, unix.ECONNREFUSED) {
		return nil
	}
	return err
}

// Wait waits until a message can be received, on the Go runtime's poller: no thread is blocked in the kernel
// and nothing wakes up while no message arrives (an idle udevd costs nothing). It returns ctx.Err() once ctx
// ends. The socket becomes non-blocking, so Receive may then return EAGAIN; the flag belongs to the open file,
// so a socket shared with the host is non-blocking there too, where it is only watched with epoll. One goroutine
// at a time may call it.
func (c *Conn) Wait(ctx context.Context) error {
	if c.poll == nil {
		if err := c.startPoll(); err != nil {
			return err
		}
	}
	stop := context.AfterFunc(ctx, func() { _ = c.poll.SetReadDeadline(time.Unix(1, 0)) })
	defer stop()
	rc, err := c.poll.SyscallConn()
	if err != nil {
		return err
	}
	err = rc.Read(func(uintptr) bool {
		p, err := c.Pending()
		return p || err != nil
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// startPoll puts a duplicate of the socket under the runtime's poller (os.NewFile registers a non-blocking
// descriptor there); Receive and Pending go on using the original, which shares its open file and so its readiness.
func (c *Conn) startPoll() error {
	if err := unix.SetNonblock(c.nl.Fd, true); err != nil {
		return fmt.Errorf("uevent: %w", err)
	}
	fd, err := unix.FcntlInt(uintptr(c.nl.Fd), unix.F_DUPFD_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("uevent: %w", err)
	}
	c.poll = os.NewFile(uintptr(fd), "uevent")
	return nil
}

// Pending says whether a message waits in the socket's receive queue.
func (c *Conn) Pending() (bool, error) {
	fds := []unix.PollFd{{Fd: int32(c.nl.Fd), Events: unix.POLLIN}}
	n, err := unix.Poll(fds, 0)
	return n > 0 && fds[0].Revents&unix.POLLIN != 0, err
}

// ListenFDs returns the descriptors passed by socket activation (sd_listen_fds: LISTEN_PID is this process,
// LISTEN_FDS counts descriptors from 3), none otherwise. The variables are removed so children do not see them.
func ListenFDs() []int {
	defer os.Unsetenv("LISTEN_PID")
	defer os.Unsetenv("LISTEN_FDS")
	defer os.Unsetenv("LISTEN_FDNAMES")
	if os.Getenv("LISTEN_PID") != fmt.Sprint(os.Getpid()) {
		return nil
	}
	var n int
	if _, err := fmt.Sscan(os.Getenv("LISTEN_FDS"), &n); err != nil || n < 1 {
		return nil
	}
	fds := make([]int, n)
	for i := range fds {
		fds[i] = 3 + i
	}
	return fds
}

// IsUeventSocket says whether fd is a NETLINK_KOBJECT_UEVENT socket.
func IsUeventSocket(fd int) bool {
	dom, err1 := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_DOMAIN)
	proto, err2 := unix.GetsockoptInt(fd, unix.SOL_SOCKET, unix.SO_PROTOCOL)
	return err1 == nil && err2 == nil && dom == unix.AF_NETLINK && proto == unix.NETLINK_KOBJECT_UEVENT
}
