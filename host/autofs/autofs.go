// Package autofs speaks the kernel's autofs protocol, version 5, for the core (man systemd.automount; the
// kernel's Documentation/filesystems/autofs.rst): it mounts a direct autofs file system whose pipe the core
// holds, reads the kernel's requests from that pipe, and answers them, or asks for an expire, through the
// /dev/autofs control device, which reaches the autofs mount by its path and device number even when a file
// system is mounted over it.
//
// The process group that mounts the autofs is its daemon: its accesses to the mount point never trigger. Every
// other access to the point waits until the daemon answers the request's token.
package autofs

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"strings"
	"unsafe"

	"golang.org/x/sys/unix"
)

// Point is one autofs mount: where it is and its device number, which finds it again through /dev/autofs, and
// the process group the kernel takes for its daemon (0 in a checkpoint of a release that did not note it).
type Point struct {
	Where string `json:"where"`
	Dev   uint64 `json:"dev"`
	Pgrp  int    `json:"pgrp,omitempty"`
}

// Mount mounts a direct autofs at where (making the directory and its parents with mode), and returns the read
// end of its pipe, non-blocking, with the point. timeoutSec is the idle time after which an expire unmounts what
// is mounted there (0: never); extra are more mount options.
func Mount(where string, mode os.FileMode, timeoutSec uint64, extra string) (*os.File, Point, error) {
	if err := os.MkdirAll(where, mode); err != nil {
		return nil, Point{}, fmt.Errorf("autofs: %w", err)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		return nil, Point{}, fmt.Errorf("autofs: pipe: %w", err)
	}
	data := fmt.Sprintf("fd=%d,pgrp=%d,minproto=5,maxproto=5,direct", p[1], unix.Getpgrp())
	if extra != "" {
		data += "," + extra
	}
	err := unix.Mount("sysmaster", where, "autofs", 0, data)
	unix.Close(p[1]) // the kernel holds its own reference
	if err != nil {
		unix.Close(p[0])
		return nil, Point{}, fmt.Errorf("autofs: mounting at %s: %w", where, err)
	}
	var st unix.Stat_t
	if err := unix.Stat(where, &st); err != nil {
		unix.Close(p[0])
		Unmount(where)
		return nil, Point{}, fmt.Errorf("autofs: %w", err)
	}
	pt := Point{Where: where, Dev: st.Dev, Pgrp: unix.Getpgrp()}
	if err := pt.setTimeout(timeoutSec); err != nil {
		unix.Close(p[0])
		Unmount(where)
		return nil, Point{}, err
	}
	if err := unix.SetNonblock(p[0], true); err != nil {
		unix.Close(p[0])
		Unmount(where)
		return nil, Point{}, fmt.Errorf("autofs: %w", err)
	}
	return os.NewFile(uintptr(p[0]), "autofs:"+where), pt, nil
}

// Unmount takes the autofs at where away with whatever is mounted over it, lazily (systemd's repeat_unmount).
func Unmount(where string) error {
	for i := 0; ; i++ {
		err := unix.Unmount(where, unix.MNT_DETACH|unix.UMOUNT_NOFOLLOW)
		if err == unix.EINVAL && i > 0 {
			return nil // nothing mounted there any more
		}
		if err != nil {
			return fmt.Errorf("autofs: unmounting %s: %w", where, err)
		}
	}
}

// Packet is one request of the kernel (struct autofs_v5_packet).
type Packet struct {
	Token  uint32
	Expire bool
	Pid    int32
	Name   string
}

// The packet types of protocol 5 (linux/auto_fs.h).
const (
	ptypeMissingIndirect = 3
	ptypeExpireIndirect  = 4
	ptypeMissingDirect   = 5
	ptypeExpireDirect    = 6
)

// packetSize is sizeof(struct autofs_v5_packet) on a 64-bit kernel: the header, the token, dev, ino, uid, gid,
// pid, tgid, len and a name of NAME_MAX+1 bytes, padded to 8.
const packetSize = 304

// ReadPackets reads every whole request waiting in the pipe f (non-blocking); it returns io's EOF-like error
// only when the pipe is closed.
func ReadPackets(f *os.File) ([]Packet, error) {
	var out []Packet
	buf := make([]byte, packetSize*8)
	for {
		n, err := unix.Read(int(f.Fd()), buf)
		if err == unix.EAGAIN || err == unix.EINTR {
			return out, nil
		}
		if err != nil {
			return out, fmt.Errorf("autofs: reading the pipe: %w", err)
		}
		if n == 0 {
			return out, errors.New("autofs: the pipe is closed")
		}
		for b := buf[:n]; len(b) >= packetSize; b = b[packetSize:] {
			if p, ok := parsePacket(b[:packetSize]); ok {
				out = append(out, p)
			}
		}
	}
}

func parsePacket(b []byte) (Packet, bool) {
	le := binary.LittleEndian
	typ := le.Uint32(b[4:])
	p := Packet{Token: le.Uint32(b[8:]), Pid: int32(le.Uint32(b[32:]))}
	n := le.Uint32(b[40:])
	if n > 255 {
		n = 255
	}
	p.Name = strings.TrimRight(string(b[44:44+n]), "\x00")
	switch typ {
	case ptypeMissingDirect, ptypeMissingIndirect:
	case ptypeExpireDirect, ptypeExpireIndirect:
		p.Expire = true
	default:
		return p, false
	}
	return p, true
}

// Ready tells the kernel that the request token is done: the accesses waiting on it go on.
func (pt Point) Ready(token uint32) error {
	return pt.command(cmdReady, token, 0)
}

// Fail fails the request token with the negative errno status: the accesses waiting on it get it.
func (pt Point) Fail(token uint32, status int32) error {
	return pt.command(cmdFail, token, uint32(status))
}

// Expire asks the kernel to expire what is mounted on the point if it was idle for the timeout: the kernel
// then sends an expire request and waits for its answer before Expire returns. It blocks: run it off any loop.
// It returns unix.EAGAIN when nothing was idle.
func (pt Point) Expire() error {
	return pt.command(cmdExpire, 0, 0)
}

// Reconnect makes the caller's process group the autofs's daemon again, with a new pipe whose read end it
// returns (non-blocking), as an automount daemon reconnects after a restart: the mount is made catatonic (the
// kernel lets go of its pipe and fails the accesses that wait with ENOENT), then given the new pipe, which also
// names the caller's process group as the daemon's. A core that came back after a crash has a new process group,
// and the kernel would otherwise take its mount(8) for an ordinary access that waits for itself.
func (pt *Point) Reconnect() (*os.File, error) {
	ctl, err := unix.Open("/dev/autofs", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return nil, fmt.Errorf("autofs: %w", err)
	}
	defer unix.Close(ctl)
	mfd, err := devCall(ctl, cmdOpenMount, -1, uint32(pt.Dev), 0, pt.Where)
	if err != nil {
		return nil, fmt.Errorf("autofs: opening the mount at %s: %w", pt.Where, err)
	}
	defer unix.Close(int(mfd.IoctlFd))
	if _, err := devCall(ctl, cmdCatatonic, mfd.IoctlFd, 0, 0, ""); err != nil {
		return nil, fmt.Errorf("autofs: making %s catatonic: %w", pt.Where, err)
	}
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC|unix.O_NONBLOCK); err != nil {
		return nil, fmt.Errorf("autofs: pipe: %w", err)
	}
	_, err = devCall(ctl, cmdSetPipefd, mfd.IoctlFd, uint32(p[1]), 0, "")
	unix.Close(p[1]) // the kernel holds its own reference
	if err != nil {
		unix.Close(p[0])
		return nil, fmt.Errorf("autofs: giving %s a new pipe: %w", pt.Where, err)
	}
	pt.Pgrp = unix.Getpgrp()
	return os.NewFile(uintptr(p[0]), "autofs:"+pt.Where), nil
}

func (pt Point) setTimeout(sec uint64) error {
	return pt.command(cmdTimeout, uint32(sec), uint32(sec>>32))
}

// The /dev/autofs commands (linux/auto_dev-ioctl.h).
const (
	cmdOpenMount = 0x74
	cmdReady     = 0x76
	cmdFail      = 0x77
	cmdSetPipefd = 0x78
	cmdCatatonic = 0x79
	cmdTimeout   = 0x7a
	cmdExpire    = 0x7c
)

// devIoctl is struct autofs_dev_ioctl without its trailing path: the version, its size with the path, the
// ioctl fd of the mount and an 8-byte union of arguments.
type devIoctl struct {
	VerMajor, VerMinor uint32
	Size               uint32
	IoctlFd            int32
	Arg1, Arg2         uint32
}

const devIoctlSize = 24

// ioctlNumber is _IOWR(0x93, cmd, struct autofs_dev_ioctl).
func ioctlNumber(cmd uint32) uint {
	return uint(3<<30 | devIoctlSize<<16 | 0x93<<8 | cmd)
}

// command runs cmd on the point's mount, which it opens through /dev/autofs for the call.
func (pt Point) command(cmd, arg1, arg2 uint32) error {
	ctl, err := unix.Open("/dev/autofs", unix.O_RDONLY|unix.O_CLOEXEC, 0)
	if err != nil {
		return fmt.Errorf("autofs: %w", err)
	}
	defer unix.Close(ctl)
	mfd, err := devCall(ctl, cmdOpenMount, -1, uint32(pt.Dev), 0, pt.Where)
	if err != nil {
		return fmt.Errorf("autofs: opening the mount at %s: %w", pt.Where, err)
	}
	defer unix.Close(int(mfd.IoctlFd))
	if _, err := devCall(ctl, cmd, mfd.IoctlFd, arg1, arg2, ""); err != nil {
		return err
	}
	return nil
}

// devCall sends one command to /dev/autofs and returns the answered header.
func devCall(ctl int, cmd uint32, ioctlFd int32, arg1, arg2 uint32, path string) (devIoctl, error) {
	size := devIoctlSize
	if path != "" {
		size += len(path) + 1
	}
	buf := make([]byte, size)
	d := (*devIoctl)(unsafe.Pointer(&buf[0]))
	*d = devIoctl{VerMajor: 1, VerMinor: 0, Size: uint32(size), IoctlFd: ioctlFd, Arg1: arg1, Arg2: arg2}
	copy(buf[devIoctlSize:], path)
	_, _, errno := unix.Syscall(unix.SYS_IOCTL, uintptr(ctl), uintptr(ioctlNumber(cmd)), uintptr(unsafe.Pointer(&buf[0])))
	if errno != 0 {
		return *d, errno
	}
	return *d, nil
}
