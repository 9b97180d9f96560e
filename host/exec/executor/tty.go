package executor

import (
	"fmt"
	"os"
	"strconv"
	"strings"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/utmp"
)

// The ioctls of the Linux console that terminal reset and VT disallocation use.
const (
	kdSetMode    = 0x4B3A // KDSETMODE
	kdText       = 0      // KD_TEXT
	kdSkbMode    = 0x4B45 // KDSKBMODE
	kUnicode     = 3      // K_UNICODE
	vtDisalloc   = 0x5608 // VT_DISALLOCATE
	tcioflush    = 2      // TCIOFLUSH
	ttyOpenFlags = unix.O_RDWR | unix.O_NOCTTY | unix.O_CLOEXEC
)

// ttyPathOf is the terminal of TTYPath= and StandardInput=tty*: /dev/console when unset.
func ttyPathOf(ec *Exec) string {
	if ec.TtyPath != "" {
		return ec.TtyPath
	}
	return "/dev/console"
}

// prepareTTY applies TTYVHangup=, TTYReset= and TTYVTDisallocate= to the terminal before it is opened as a
// standard stream, in systemd's order (exec_context_tty_reset). As there, a failure is logged and the start goes
// on: opening the terminal, next, is what must work.
func (x *executor) prepareTTY() {
	ec := x.ec
	path := ttyPathOf(ec)
	warn := func(key string, err error) {
		if err != nil {
			fmt.Fprintf(os.Stderr, "sysmaster-executor: %s: %s: %v\n", key, path, err)
		}
	}
	if ec.TtyVhangup {
		warn("TTYVHangup=", onTerminal(path, func(fd int) error { return unix.IoctlSetInt(fd, unix.TIOCVHANGUP, 0) }))
	}
	if ec.TtyReset {
		warn("TTYReset=", onTerminal(path, resetTerminal))
	}
	if ec.TtyVtDisallocate {
		warn("TTYVTDisallocate=", vtDisallocate(path))
	}
}

func onTerminal(path string, fn func(fd int) error) error {
	fd, err := unix.Open(path, ttyOpenFlags, 0)
	if err != nil {
		return err
	}
	defer unix.Close(fd)
	return fn(fd)
}

// resetTerminal is systemd's reset_terminal_fd: exclusive mode off, a VT back to text and Unicode, the line
// discipline to sane settings, pending input and output dropped.
func resetTerminal(fd int) error {
	_ = unix.IoctlSetInt(fd, unix.TIOCNXCL, 0)
	_ = unix.IoctlSetInt(fd, kdSkbMode, kUnicode) // not a VT: nothing to do
	_ = unix.IoctlSetInt(fd, kdSetMode, kdText)
	t, err := unix.IoctlGetTermios(fd, unix.TCGETS)
	if err != nil {
		return err
	}
	t.Iflag &^= unix.IGNBRK | unix.BRKINT | unix.ISTRIP | unix.INLCR | unix.IGNCR | unix.IUCLC
	t.Iflag |= unix.ICRNL | unix.IMAXBEL | unix.IUTF8
	t.Oflag |= unix.ONLCR | unix.OPOST
	t.Cflag |= unix.CREAD
	t.Lflag = unix.ISIG | unix.ICANON | unix.IEXTEN | unix.ECHO | unix.ECHOE | unix.ECHOK | unix.ECHOCTL | unix.ECHOKE
	for i, c := range map[int]uint8{unix.VINTR: 0o3, unix.VQUIT: 0o34, unix.VERASE: 0o177, unix.VKILL: 0o25,
		unix.VEOF: 0o4, unix.VSTART: 0o21, unix.VSTOP: 0o23, unix.VSUSP: 0o32, unix.VLNEXT: 0o26, unix.VWERASE: 0o27,
		unix.VREPRINT: 0o22, unix.VEOL: 0, unix.VEOL2: 0, unix.VTIME: 0, unix.VMIN: 1} {
		t.Cc[i] = c
	}
	if err := unix.IoctlSetTermios(fd, unix.TCSETS, t); err != nil {
		return err
	}
	return unix.IoctlSetInt(fd, unix.TCFLSH, tcioflush)
}

// vtNumber is the number of a virtual console's path (/dev/ttyN), or 0 for another terminal. (No regexp: the
// executor's start pays for every package initialiser it links.)
func vtNumber(path string) int {
	s, ok := strings.CutPrefix(path, "/dev/tty")
	if !ok || s == "" || strings.Trim(s, "0123456789") != "" {
		return 0
	}
	n, _ := strconv.Atoi(s)
	return n
}

// vtDisallocate is systemd's vt_disallocate: a virtual console that is not the active one is deallocated;
// the active one, or another terminal, is cleared with its scrollback.
func vtDisallocate(path string) error {
	if n := vtNumber(path); n > 0 {
		err := onTerminal("/dev/tty0", func(fd int) error { return unix.IoctlSetInt(fd, vtDisalloc, n) })
		if err == nil {
			return nil
		}
		if err != unix.EBUSY {
			return err
		}
	}
	return onTerminal(path, func(fd int) error { return writeAll(fd, []byte("\033[r\033[H\033[3J")) })
}

// ttySize applies TTYRows= and TTYColumns= to the terminal on fd 0 (a size left 0 keeps the current one); a
// failure is logged, as systemd ignores it.
func (x *executor) ttySize() {
	ec := x.ec
	if ec.TtyRows == 0 && ec.TtyColumns == 0 || !strings.HasPrefix(inputKind(ec.StandardInput), "tty") {
		return
	}
	ws, err := unix.IoctlGetWinsize(0, unix.TIOCGWINSZ)
	if err == nil {
		if ec.TtyRows > 0 {
			ws.Row = uint16(ec.TtyRows)
		}
		if ec.TtyColumns > 0 {
			ws.Col = uint16(ec.TtyColumns)
		}
		err = unix.IoctlSetWinsize(0, unix.TIOCSWINSZ, ws)
	}
	if err != nil {
		fmt.Fprintf(os.Stderr, "sysmaster-executor: TTYRows=/TTYColumns=: %v\n", err)
	}
}

var utmpModes = map[string]int16{"": utmp.InitProcess, "init": utmp.InitProcess, "login": utmp.LoginProcess, "user": utmp.UserProcess}

// utmpInit writes UtmpIdentifier='s records for this process, as systemd's utmp_put_init_process; a failure is
// logged, as in systemd, and not fatal.
func (x *executor) utmpInit() {
	ec := x.ec
	if ec.UtmpIdentifier == "" {
		return
	}
	line := ""
	if ec.TtyPath != "" {
		line = strings.TrimPrefix(ec.TtyPath, "/dev/")
	}
	user := "root"
	if x.user != nil {
		user = x.user.name
	}
	sid, _ := unix.Getsid(0)
	if err := utmp.PutInit(x.sp.UtmpFile, x.sp.WtmpFile, ec.UtmpIdentifier, os.Getpid(), sid, line, utmpModes[ec.UtmpMode], user); err != nil {
		fmt.Fprintf(os.Stderr, "sysmaster-executor: UtmpIdentifier=%s: %v\n", ec.UtmpIdentifier, err)
	}
}
