package pid1

import (
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// reap collects every exited child. The core's exit leads to its restart or to the final stage; every other one
// is numbered and kept for the core until it acknowledges it.
func (s *initd) reap() {
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		if err == unix.EINTR {
			continue
		}
		if err != nil || pid <= 0 {
			break
		}
		code, status, ok := exitOf(ws)
		if !ok {
			continue
		}
		if pid == s.core.pid {
			s.coreExited(code, status)
			continue
		}
		s.keepExit(pid, code, status)
	}
	s.flush()
}

// keepExit numbers an exit and keeps it for the core, dropping the oldest kept when there are too many.
func (s *initd) keepExit(pid, code, status int) {
	s.seq++
	if s.exits.push(initproto.Msg{Type: initproto.TypeExit, Pid: pid, Code: code, Status: status, Seq: s.seq}) &&
		(s.exits.dropped == 1 || s.exits.dropped%1000 == 0) {
		logf("no core acknowledges the exits: %d kept, %d dropped so far, oldest first", s.exits.len(), s.exits.dropped)
	}
}

// exitOf turns a wait status into the CLD_* code and status of initproto; ok is false for what is not an end.
func exitOf(ws unix.WaitStatus) (code, status int, ok bool) {
	switch {
	case ws.Exited():
		return initproto.CodeExited, ws.ExitStatus(), true
	case ws.Signaled() && ws.CoreDump():
		return initproto.CodeDumped, int(ws.Signal()), true
	case ws.Signaled():
		return initproto.CodeKilled, int(ws.Signal()), true
	}
	return 0, 0, false
}

// reapAll reaps until no child is left or timeout passes; it reports whether none is left.
func reapAll(timeout time.Duration) bool {
	deadline := time.Now().Add(timeout)
	for {
		var ws unix.WaitStatus
		pid, err := unix.Wait4(-1, &ws, unix.WNOHANG, nil)
		switch {
		case err == unix.ECHILD:
			return true
		case pid > 0 || err == unix.EINTR:
			continue
		case time.Now().After(deadline):
			return false
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// freeze is the end of a real boot that cannot power off: init must not exit (the kernel would panic), so it
// goes on reaping, forever.
func freeze() {
	for {
		var ws unix.WaitStatus
		if _, err := unix.Wait4(-1, &ws, 0, nil); err == unix.ECHILD {
			time.Sleep(time.Minute)
		}
	}
}
