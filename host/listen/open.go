package listen

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
	"golang.org/x/sys/unix"
)

var errNoSpec = errors.New("no socket spec")

// Open creates, binds and, for stream and seqpacket sockets, listens a socket as s says, or creates and opens a
// FIFO. The returned file is close-on-exec and in blocking mode; the caller owns it. Errors read like
// "bind 127.0.0.1:80: address already in use" or "SocketMode=999: not an octal file mode", fit for a user. On
// error nothing is left behind: no fd, no socket file, no symlink (parent directories made stay).
func Open(s *pb.OpenSocket) (*os.File, error) {
	if s == nil {
		return nil, errNoSpec
	}
	a, err := parseAddress(s.Family, s.Type, s.Address, ipv6Supported())
	if err != nil {
		return nil, err
	}
	o, err := parseOptions(s.Options)
	if err != nil {
		return nil, err
	}
	if len(o.symlinks) > 0 && !a.isFile() {
		return nil, fmt.Errorf("Symlinks= needs a socket in the file system or a FIFO, not %s", a)
	}

	var (
		fd      int
		created bool // the file at a.path is ours to remove if a later step fails
	)
	if a.family == familyFIFO {
		fd, created, err = openFIFO(a, &o)
	} else {
		fd, created, err = openSocket(a, &o)
	}
	if err != nil {
		return nil, err
	}
	if a.isFile() {
		err = setOwner(a, &o)
		if err == nil {
			err = makeSymlinks(a.path, &o)
		}
		if err != nil {
			unix.Close(fd)
			if created {
				os.Remove(a.path)
			}
			return nil, err
		}
	}
	return os.NewFile(uintptr(fd), a.String()), nil
}

// openSocket returns a bound (and listening) socket fd; created reports that it made the socket file.
func openSocket(a *address, o *options) (fd int, created bool, err error) {
	sa, err := a.sockaddr()
	if err != nil {
		return -1, false, err
	}
	fd, err = unix.Socket(a.domain(), a.sotype|unix.SOCK_CLOEXEC, a.proto)
	if err != nil {
		return -1, false, fmt.Errorf("socket %s (%s): %w", a, a.family, err)
	}
	defer func() {
		if err != nil {
			unix.Close(fd)
			if created {
				os.Remove(a.path)
				created = false
			}
		}
	}()
	for _, so := range socketOptions(a, o) {
		if err = so.set(fd); err != nil {
			return fd, false, err
		}
	}
	if a.path != "" {
		if err = mkdirParents(a.path, o.directoryMode); err != nil {
			return fd, false, err
		}
	}
	if err = bind(fd, sa, a); err != nil {
		return fd, false, err
	}
	created = a.path != ""
	if created {
		// Set exactly SocketMode=, not it less the umask (which is process-wide in Go, so not ours to change).
		// A stream socket takes no connection before listen, so none gets in under the default mode.
		if err = unix.Fchmodat(unix.AT_FDCWD, a.path, o.socketMode, 0); err != nil {
			return fd, created, fmt.Errorf("SocketMode=%04o: chmod %s: %w", o.socketMode, a.path, err)
		}
	}
	if a.sotype == unix.SOCK_STREAM || a.sotype == unix.SOCK_SEQPACKET {
		if err = unix.Listen(fd, o.backlog); err != nil {
			return fd, created, fmt.Errorf("listen %s: %w", a, err)
		}
	}
	return fd, created, nil
}

// bind binds, replacing a stale socket file at a unix path as systemd does: a socket file in the way is taken to
// be left over from an earlier run and removed; any other file in the way is an error.
func bind(fd int, sa unix.Sockaddr, a *address) error {
	err := unix.Bind(fd, sa)
	if errors.Is(err, unix.EADDRINUSE) && a.path != "" {
		if st, lerr := os.Lstat(a.path); lerr == nil && st.Mode().Type() == fs.ModeSocket {
			if rerr := os.Remove(a.path); rerr == nil {
				err = unix.Bind(fd, sa)
			}
		} else if lerr == nil {
			return fmt.Errorf("bind %s: %w (a %s is in the way)", a, err, fileKind(st.Mode()))
		}
	}
	if err != nil {
		return fmt.Errorf("bind %s: %w", a, err)
	}
	return nil
}

// openFIFO makes the FIFO (or reuses one that is there) and opens it read-write, so that it never reports
// end-of-file while no writer has it open.
func openFIFO(a *address, o *options) (fd int, created bool, err error) {
	if err := mkdirParents(a.path, o.directoryMode); err != nil {
		return -1, false, err
	}
	if err := unix.Mkfifo(a.path, o.socketMode); err == nil {
		created = true
	} else if !errors.Is(err, unix.EEXIST) {
		return -1, false, fmt.Errorf("mkfifo %s: %w", a.path, err)
	}
	fail := func(err error) (int, bool, error) {
		if fd >= 0 {
			unix.Close(fd)
		}
		if created {
			os.Remove(a.path)
		}
		return -1, false, err
	}
	// O_NONBLOCK only for the open itself; the fd is made blocking below. O_NOFOLLOW: a symlink planted at the
	// path must not make us open (and chmod) something else.
	fd, err = unix.Open(a.path, unix.O_RDWR|unix.O_CLOEXEC|unix.O_NOCTTY|unix.O_NONBLOCK|unix.O_NOFOLLOW, 0)
	if err != nil {
		fd = -1
		return fail(fmt.Errorf("open %s: %w", a.path, err))
	}
	var st unix.Stat_t
	if err := unix.Fstat(fd, &st); err != nil {
		return fail(fmt.Errorf("stat %s: %w", a.path, err))
	}
	if st.Mode&unix.S_IFMT != unix.S_IFIFO {
		return fail(fmt.Errorf("%s exists and is not a FIFO", a.path))
	}
	if err := unix.Fchmod(fd, o.socketMode); err != nil {
		return fail(fmt.Errorf("SocketMode=%04o: chmod %s: %w", o.socketMode, a.path, err))
	}
	if err := unix.SetNonblock(fd, false); err != nil {
		return fail(fmt.Errorf("%s: %w", a.path, err))
	}
	return fd, created, nil
}

// setOwner applies SocketUser= and SocketGroup= to the socket file or FIFO.
func setOwner(a *address, o *options) error {
	uid, gid, err := o.owner()
	if err != nil || uid < 0 && gid < 0 {
		return err
	}
	if err := os.Lchown(a.path, uid, gid); err != nil {
		return fmt.Errorf("SocketUser=/SocketGroup=: %w", err)
	}
	return nil
}

// makeSymlinks creates Symlinks= pointing at target. A link that is there already and points at target is
// fine; anything else at a link's path is an error (systemd only warns, but here no one would see a warning).
// On error, the links made so far are removed.
func makeSymlinks(target string, o *options) error {
	var made []string
	for _, l := range o.symlinks {
		err := mkdirParents(l, o.directoryMode)
		if err == nil {
			err = os.Symlink(target, l)
		}
		if errors.Is(err, fs.ErrExist) {
			if cur, rerr := os.Readlink(l); rerr == nil && cur == target {
				continue
			}
			err = fmt.Errorf("%s exists and is not a symlink to %s", l, target)
		}
		if err != nil {
			for _, m := range made {
				os.Remove(m)
			}
			return fmt.Errorf("Symlinks=: %w", err)
		}
		made = append(made, l)
	}
	return nil
}

// mkdirParents creates the directories above p with DirectoryMode= (less the umask, as systemd's mkdir_parents).
func mkdirParents(p string, mode uint32) error {
	dir := filepath.Dir(p)
	if err := os.MkdirAll(dir, fs.FileMode(mode)&fs.ModePerm); err != nil {
		return fmt.Errorf("DirectoryMode=%04o: %w", mode, err)
	}
	return nil
}

func fileKind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "directory"
	case m.IsRegular():
		return "regular file"
	case m&fs.ModeSymlink != 0:
		return "symlink"
	case m&fs.ModeNamedPipe != 0:
		return "FIFO"
	}
	return "file that is not a socket"
}
