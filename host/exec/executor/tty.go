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

// TTYReset is what TTYVHangup=, TTYReset= and TTYVTDisallocate= do to a unit's terminal (systemd's
// exec_context_tty_reset): the executor applies it before the process opens the terminal, and the core again when
// the unit has gone down, so that the next user of the terminal finds it sane, hung up and cleared.
type TTYReset struct {
	Path          string `json:"path"`
	VHangup       bool   `json:"vhangup,omitempty"`
	Reset         bool   `json:"reset,omitempty"`
	VTDisallocate bool   `json:"vt_disallocate,omitempty"`
}

// TTYResetOf is ec's terminal reset, nil when it asks for none.
func TTYResetOf(ec *Exec) *TTYReset {
	if !ec.TtyVhangup && !ec.TtyReset && !ec.TtyVtDisallocate {
		return nil
	}
	return &TTYReset{Path: ttyPathOf(ec), VHangup: ec.TtyVhangup, Reset: ec.TtyReset, VTDisallocate: ec.TtyVtDisallocate}
}

// Apply hangs up, resets and clears the terminal, in systemd's order. As there, each failure is handed to warn
// (with the directive's name) and the rest goes on.
func (r *TTYReset) Apply(warn func(key string, err error)) {
	if r.VHangup {
		if err := onTerminal(r.Path, func(fd int) error { return unix.IoctlSetInt(fd, unix.TIOCVHANGUP, 0) }); err != nil {
			warn("TTYVHangup=", err)
		}
	}
	if r.Reset {
		if err := onTerminal(r.Path, resetTerminal); err != nil {
			warn("TTYReset=", err)
		}
	}
	if r.VTDisallocate {
		if err := vtDisallocate(r.Path); err != nil {
			warn("TTYVTDisallocate=", err)
		}
	}
}

// prepareTTY applies the terminal reset before the terminal is opened as a standard stream. A failure is
// logged and the start goes on: opening the terminal, next, is what must work.
func (x *executor) prepareTTY() {
	if r := TTYResetOf(x.ec); r != nil {
		r.Apply(func(key string, err error) {
			fmt.Fprintf(os.Stderr, "sysmaster-executor: %s: %s: %v\n", key, r.Path, err)
		})
	}
}

// onTerminal runs fn on path opened without becoming its controlling terminal, and without waiting for a
// modem line's carrier (the core calls it from its loop).
func onTerminal(path string, fn func(fd int) error) error {
	fd, err := unix.Open(path, ttyOpenFlags|unix.O_NONBLOCK, 0)
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

var utmpModes = []entry[int16]{{"", utmp.InitProcess}, {"init", utmp.InitProcess}, {"login", utmp.LoginProcess}, {"user", utmp.UserProcess}}

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
	mode, _ := lookup(utmpModes, ec.UtmpMode)
	if err := utmp.PutInit(x.sp.UtmpFile, x.sp.WtmpFile, ec.UtmpIdentifier, os.Getpid(), sid, line, mode, user); err != nil {
		fmt.Fprintf(os.Stderr, "sysmaster-executor: UtmpIdentifier=%s: %v\n", ec.UtmpIdentifier, err)
	}
}
