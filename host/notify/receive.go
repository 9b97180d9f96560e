package notify

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"

	"golang.org/x/sys/unix"
)

// MaxMessageSize is the largest datagram Receive accepts, in bytes. It is systemd's limit (PIPE_BUF, 4096): a
// datagram of 4096 bytes is received, one of 4097 or more is dropped whole, never truncated to its first fields.
const MaxMessageSize = 4096

// maxFdsPerMessage is the kernel's limit on descriptors in one message (SCM_MAX_FD), so that a control buffer of
// this size is truncated only by a sender that breaks the rules.
const maxFdsPerMessage = 253

// ErrBadMessage is wrapped by every error Receive returns for a datagram it dropped. The Listener is still
// usable after such an error: log it and call Receive again. The more precise errors below wrap it in turn.
var ErrBadMessage = errors.New("notify: bad message")

var (
	// ErrTooLarge: the datagram was longer than MaxMessageSize.
	ErrTooLarge = fmt.Errorf("%w: longer than %d bytes", ErrBadMessage, MaxMessageSize)
	// ErrNoCredentials: the datagram came without SCM_CREDENTIALS, or with a pid of 0, so its sender is unknown.
	ErrNoCredentials = fmt.Errorf("%w: no sender credentials", ErrBadMessage)
	// ErrControlTruncated: the control data did not fit (MSG_CTRUNC), so some descriptors were lost; the ones
	// that did arrive have been closed.
	ErrControlTruncated = fmt.Errorf("%w: control data truncated", ErrBadMessage)
	// ErrNulByte: the datagram contained a NUL byte, which no field may hold.
	ErrNulByte = fmt.Errorf("%w: contains a NUL byte", ErrBadMessage)
)

// A Message is one datagram received on the notify socket.
type Message struct {
	// Pid, Uid and Gid are the sender's, as the kernel vouches for them (SCM_CREDENTIALS), with the pid as seen
	// in the receiver's pid namespace.
	Pid, Uid, Gid int
	// Fields are the datagram's newline-separated lines ("READY=1", "STATUS=…") in the order sent, with empty
	// lines dropped; Parse interprets them.
	Fields []string
	// Fds are the descriptors passed with SCM_RIGHTS (FDSTORE=1), close-on-exec. The receiver owns them and
	// must close those it does not keep.
	Fds []*os.File
}

// Close closes every descriptor in m.Fds, for a receiver that keeps none of them.
func (m *Message) Close() {
	for _, f := range m.Fds {
		f.Close()
	}
	m.Fds = nil
}

// Receive waits for the next datagram and returns it. A datagram that is dropped (see ErrBadMessage) yields an
// error wrapping ErrBadMessage and the descriptors it carried are closed; any other error (a closed Listener
// gives one wrapping net.ErrClosed) means the Listener can no longer be used.
func (l *Listener) Receive() (Message, error) {
	rc, err := l.conn.SyscallConn()
	if err != nil {
		return Message{}, fmt.Errorf("notify: %w", err)
	}
	buf := make([]byte, MaxMessageSize)
	oob := make([]byte, unix.CmsgSpace(unix.SizeofUcred)+unix.CmsgSpace(4*l.maxFds))
	var n, oobn, flags int
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		for {
			// MSG_TRUNC makes n the datagram's real length, so an oversized one is known as such.
			n, oobn, flags, _, rerr = unix.Recvmsg(int(fd), buf, oob, unix.MSG_TRUNC|unix.MSG_CMSG_CLOEXEC|unix.MSG_DONTWAIT)
			if rerr != unix.EINTR {
				break
			}
		}
		return rerr != unix.EAGAIN
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return Message{}, fmt.Errorf("notify: receive: %w", err)
	}
	return decode(buf, n, oob[:oobn], flags)
}

// decode builds the Message from what recvmsg returned: n is the datagram's full length, which may exceed
// len(buf).
func decode(buf []byte, n int, oob []byte, flags int) (Message, error) {
	var m Message
	cred, fds := parseControl(oob)
	for _, fd := range fds {
		m.Fds = append(m.Fds, os.NewFile(uintptr(fd), fmt.Sprintf("notify-fd:%d", fd)))
	}
	from := "unknown sender"
	if cred != nil {
		from = fmt.Sprintf("pid %d uid %d", cred.Pid, cred.Uid)
	}
	drop := func(err error) (Message, error) {
		m.Close()
		return Message{}, err
	}
	switch {
	case flags&unix.MSG_CTRUNC != 0:
		return drop(fmt.Errorf("%w (from %s, %d descriptors arrived)", ErrControlTruncated, from, len(fds)))
	case cred == nil || cred.Pid <= 0:
		return drop(fmt.Errorf("%w (%d bytes)", ErrNoCredentials, n))
	case n > len(buf) || flags&unix.MSG_TRUNC != 0:
		return drop(fmt.Errorf("%w (%d bytes from %s)", ErrTooLarge, n, from))
	case bytes.IndexByte(buf[:n], 0) >= 0:
		return drop(fmt.Errorf("%w (from %s)", ErrNulByte, from))
	}
	m.Pid, m.Uid, m.Gid = int(cred.Pid), int(cred.Uid), int(cred.Gid)
	for line := range strings.SplitSeq(string(buf[:n]), "\n") {
		if line != "" {
			m.Fields = append(m.Fields, line)
		}
	}
	return m, nil
}

// parseControl collects the credentials and every descriptor in the control data. It never fails: the
// descriptors found before anything malformed must still be returned, to be closed if the message is dropped.
func parseControl(oob []byte) (*unix.Ucred, []int) {
	var cred *unix.Ucred
	var fds []int
	for len(oob) > 0 {
		hdr, data, rest, err := unix.ParseOneSocketControlMessage(oob)
		if err != nil {
			break
		}
		oob = rest
		if hdr.Level != unix.SOL_SOCKET {
			continue
		}
		m := unix.SocketControlMessage{Header: hdr, Data: data}
		switch hdr.Type {
		case unix.SCM_RIGHTS:
			if rights, err := unix.ParseUnixRights(&m); err == nil {
				fds = append(fds, rights...)
			}
		case unix.SCM_CREDENTIALS:
			if c, err := unix.ParseUnixCredentials(&m); err == nil && cred == nil {
				cred = c
			}
		}
	}
	return cred, fds
}
