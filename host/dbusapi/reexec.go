package dbusapi

import (
	"errors"
	"net"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// A re-execution of the core (daemon-reexec) keeps the private connections open across the exec, as systemd's
// bus_fdset_add_all passes its bus descriptors to the next image: Reexecute is never answered, and the client that
// called it (Debian's `systemctl daemon-reexec`) returns when its connection ends, which the next image makes
// happen once it serves again. A client's next call then finds the new core. The bus connection is not kept: the
// next image connects anew, and a caller of Reexecute on the bus is answered before the exec.

// heldFdsEnv names, in the environment of the next image, the descriptors of the private connections the previous
// one kept for it.
const heldFdsEnv = "SYSMASTER_DBUS_HELD_FDS"

// errNoReply is a handler's way to leave a call unanswered.
var errNoReply = errors.New("dbusapi: no reply")

// HandOver stops the server as Stop does, for a re-execution: each private connection's descriptor is duplicated
// without close-on-exec, so that it stays open in the next image, and the numbers are put in the environment.
func (s *Server) HandOver() {
	var fds []string
	for _, c := range s.connections() {
		if c.bus != nil {
			continue
		}
		uc, ok := c.nc.(*net.UnixConn)
		if !ok {
			continue
		}
		if fd, err := dupForExec(uc); err == nil {
			fds = append(fds, strconv.Itoa(fd))
		}
	}
	os.Setenv(heldFdsEnv, strings.Join(fds, ","))
	s.Stop()
}

// dupForExec duplicates nc's descriptor; dup(2) leaves close-on-exec off on the copy.
func dupForExec(nc *net.UnixConn) (int, error) {
	raw, err := nc.SyscallConn()
	if err != nil {
		return -1, err
	}
	fd, derr := -1, error(nil)
	if err := raw.Control(func(f uintptr) { fd, derr = syscall.Dup(int(f)) }); err != nil {
		return -1, err
	}
	return fd, derr
}

// releaseHeld closes the connections the previous image kept (heldFdsEnv) once the core answers: their clients,
// a `systemctl daemon-reexec` among them, see them end when the new core serves.
func (s *Server) releaseHeld() {
	list := os.Getenv(heldFdsEnv)
	os.Unsetenv(heldFdsEnv)
	if list == "" {
		return
	}
	var fds []int
	for _, f := range strings.Split(list, ",") {
		if fd, err := strconv.Atoi(f); err == nil && fd > 2 {
			syscall.CloseOnExec(fd) // not to be passed to what the core starts meanwhile
			fds = append(fds, fd)
		}
	}
	go func() {
		_, _ = s.core.ListJobs(s.ctx) // answered once the loop runs
		for _, fd := range fds {
			syscall.Close(fd)
		}
		s.log.Info("closed the D-Bus connections kept across the re-execution", "count", len(fds))
	}()
}
