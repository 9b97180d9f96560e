package executor

import (
	"fmt"
	"strings"

	"golang.org/x/sys/unix"
)

// inputKind classifies StandardInput=.
func inputKind(spec string) string {
	switch {
	case spec == "":
		return "null"
	case strings.HasPrefix(spec, "file:"):
		return "file"
	case strings.HasPrefix(spec, "fd:"):
		return "fd"
	}
	return spec
}

// outputKind classifies StandardOutput=/StandardError=; journal, kmsg, syslog and their +console forms all go to
// the host's capture.
func outputKind(spec string, stderr bool) string {
	switch {
	case spec == "" && stderr:
		return "inherit"
	case spec == "", spec == "journal", spec == "kmsg", spec == "syslog",
		spec == "journal+console", spec == "kmsg+console", spec == "syslog+console":
		return "journal"
	case strings.HasPrefix(spec, "file:"):
		return "file"
	case strings.HasPrefix(spec, "append:"):
		return "append"
	case strings.HasPrefix(spec, "truncate:"):
		return "truncate"
	case strings.HasPrefix(spec, "fd:"):
		return "fd"
	}
	return spec
}

func fdName(names []string, i int) string {
	if i < len(names) && names[i] != "" {
		return names[i]
	}
	return "unknown"
}

func fdByName(names []string, n int, name string) int {
	for i := 0; i < n; i++ {
		if fdName(names, i) == name {
			return 3 + i
		}
	}
	return -1
}

// checkStdio refuses, before fork, standard streams that cannot work whatever the machine.
func checkStdio(ec *Exec, names []string, nfds int) *Failure {
	switch k := inputKind(ec.StandardInput); k {
	case "null", "tty", "tty-force", "tty-fail", "file", "data":
	case "socket":
		if nfds != 1 {
			return fail("STDIN", "StandardInput=socket needs exactly one socket passed, have %d", nfds)
		}
	case "fd":
		if fdByName(names, nfds, ec.StandardInput[3:]) < 0 {
			return fail("STDIN", "StandardInput=%s: no fd of that name is passed", ec.StandardInput)
		}
	default:
		return fail("STDIN", "unknown StandardInput=%s", ec.StandardInput)
	}
	for i, spec := range []string{ec.StandardOutput, ec.StandardError} {
		step := []string{"STDOUT", "STDERR"}[i]
		switch outputKind(spec, i == 1) {
		case "inherit", "null", "tty", "journal", "file", "append", "truncate":
		case "socket":
			if nfds != 1 {
				return fail(step, "socket output needs exactly one socket passed, have %d", nfds)
			}
		case "fd":
			if fdByName(names, nfds, spec[3:]) < 0 {
				return fail(step, "%s: no fd of that name is passed", spec)
			}
		default:
			return fail(step, "unknown output %q", spec)
		}
	}
	return nil
}

// openCloexec opens path with O_CLOEXEC|O_NOCTTY added.
func openCloexec(path string, flags int, mode uint32) (int, error) {
	fd, err := unix.Open(path, flags|unix.O_CLOEXEC|unix.O_NOCTTY, mode)
	if err != nil {
		return -1, fmt.Errorf("%s: %w", path, err)
	}
	return fd, nil
}

func dupCloexec(fd int) (int, error) {
	return unix.FcntlInt(uintptr(fd), unix.F_DUPFD_CLOEXEC, 3)
}

// setupStdio opens the three standard streams and moves them onto fds 0, 1 and 2.
func (x *executor) setupStdio() *Failure {
	ec := x.ec
	tty := ec.TtyPath
	if tty == "" {
		tty = "/dev/console"
	}
	ik := inputKind(ec.StandardInput)
	var in int
	var err error
	switch ik {
	case "null":
		in, err = openCloexec("/dev/null", unix.O_RDWR, 0)
	case "tty", "tty-force", "tty-fail":
		if ec.Setsid {
			in, err = acquireTerminal(tty, ik)
		} else {
			in, err = openCloexec(tty, unix.O_RDWR, 0)
		}
	case "socket":
		in, err = dupCloexec(3)
	case "fd":
		in, err = dupCloexec(fdByName(x.sp.FdNames, x.sp.Fds, ec.StandardInput[3:]))
	case "file":
		in, err = openCloexec(ec.StandardInput[5:], unix.O_RDONLY, 0)
	case "data":
		in, err = unix.MemfdCreate("sysmaster-stdin", unix.MFD_CLOEXEC)
		if err == nil {
			if err = writeAll(in, ec.StandardInputData); err == nil {
				_, err = unix.Seek(in, 0, 0)
			}
		}
	}
	if err != nil {
		return fail("STDIN", "%v", err)
	}
	out, f := x.openOutput(ec.StandardOutput, false, ik, in, -1, tty)
	if f != nil {
		return f
	}
	errfd, f := x.openOutput(ec.StandardError, true, ik, in, out, tty)
	if f != nil {
		return f
	}
	for i, fd := range []int{in, out, errfd} {
		if err := unix.Dup3(fd, i, 0); err != nil {
			return fail([]string{"STDIN", "STDOUT", "STDERR"}[i], "dup to fd %d: %v", i, err)
		}
	}
	return nil
}

// openOutput opens what spec names. in is the new standard input, out the new standard output (-1 while
// opening it).
func (x *executor) openOutput(spec string, stderr bool, ik string, in, out int, tty string) (int, *Failure) {
	step, capture := "STDOUT", x.journalOut
	if stderr {
		step, capture = "STDERR", x.journalErr
	}
	var fd int
	var err error
	switch outputKind(spec, stderr) {
	case "inherit":
		switch {
		case stderr:
			fd, err = dupCloexec(out)
		case ik != "null" && ik != "data":
			fd, err = dupCloexec(in)
		default:
			fd, err = openCloexec("/dev/null", unix.O_WRONLY, 0)
		}
	case "null":
		fd, err = openCloexec("/dev/null", unix.O_WRONLY, 0)
	case "tty":
		if strings.HasPrefix(ik, "tty") {
			fd, err = dupCloexec(in)
		} else {
			fd, err = openCloexec(tty, unix.O_WRONLY, 0)
		}
	case "journal":
		fd, err = dupCloexec(capture)
	case "socket":
		fd, err = dupCloexec(3)
	case "fd":
		fd, err = dupCloexec(fdByName(x.sp.FdNames, x.sp.Fds, spec[3:]))
	case "file", "append", "truncate":
		if stderr && spec == x.ec.StandardOutput {
			fd, err = dupCloexec(out)
			break
		}
		path := spec[strings.IndexByte(spec, ':')+1:]
		flags := unix.O_WRONLY | unix.O_CREAT
		switch {
		case strings.HasPrefix(spec, "append:"):
			flags |= unix.O_APPEND
		case strings.HasPrefix(spec, "truncate:"):
			flags |= unix.O_TRUNC
		}
		fd, err = openCloexec(path, flags, 0o666)
	}
	if err != nil {
		return -1, fail(step, "%v", err)
	}
	return fd, nil
}

func writeAll(fd int, b []byte) error {
	for len(b) > 0 {
		n, err := unix.Write(fd, b)
		if err == unix.EINTR {
			continue
		}
		if err != nil {
			return err
		}
		b = b[n:]
	}
	return nil
}

// acquireTerminal opens path and makes it the controlling terminal of this process's new session, as systemd's
// acquire_terminal: "tty-force" takes it from the session that has it, "tty-fail" fails when another session has
// it, and "tty" waits until that session lets it go. The wait is on inotify's IN_CLOSE of the terminal (someone
// closed it: the session may have ended), and, as a session leader's exit closes its descriptors before the kernel
// detaches its terminal, a look every second besides.
func acquireTerminal(path, kind string) (int, error) {
	notify := -1
	if kind == "tty" {
		var err error
		if notify, err = unix.InotifyInit1(unix.IN_CLOEXEC | unix.IN_NONBLOCK); err != nil {
			return -1, fmt.Errorf("inotify: %w", err)
		}
		defer unix.Close(notify)
		if _, err := unix.InotifyAddWatch(notify, path, unix.IN_CLOSE); err != nil {
			return -1, fmt.Errorf("%s: %w", path, err)
		}
	}
	force := 0
	if kind == "tty-force" {
		force = 1
	}
	buf := make([]byte, 4096)
	for {
		if notify >= 0 {
			for { // the closes seen so far are answered by the attempt below
				if n, _ := unix.Read(notify, buf); n <= 0 {
					break
				}
			}
		}
		fd, err := openCloexec(path, unix.O_RDWR, 0)
		if err != nil {
			return -1, err
		}
		err = unix.IoctlSetInt(fd, unix.TIOCSCTTY, force)
		if err == nil {
			return fd, nil
		}
		unix.Close(fd)
		if err != unix.EPERM || notify < 0 {
			return -1, fmt.Errorf("make %s the controlling terminal: %w", path, err)
		}
		_, _ = unix.Poll([]unix.PollFd{{Fd: int32(notify), Events: unix.POLLIN}}, 1000)
	}
}
