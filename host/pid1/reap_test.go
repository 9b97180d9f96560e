package pid1

import (
	"os/exec"
	"syscall"
	"testing"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

func TestExitOf(t *testing.T) {
	for _, tc := range []struct {
		name         string
		ws           unix.WaitStatus
		code, status int
		ok           bool
	}{
		{"exit 0", 0x0000, initproto.CodeExited, 0, true},
		{"exit 3", 0x0300, initproto.CodeExited, 3, true},
		{"exit 255", 0xff00, initproto.CodeExited, 255, true},
		{"SIGTERM", 0x000f, initproto.CodeKilled, 15, true},
		{"SIGSEGV dumped", 0x008b, initproto.CodeDumped, 11, true},
		{"stopped", 0x137f, 0, 0, false},
		{"continued", 0xffff, 0, 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, status, ok := exitOf(tc.ws)
			if code != tc.code || status != tc.status || ok != tc.ok {
				t.Fatalf("exitOf(%#x) = %d, %d, %v; want %d, %d, %v", uint32(tc.ws), code, status, ok, tc.code, tc.status, tc.ok)
			}
		})
	}
}

// The same with statuses the kernel really produces.
func TestExitOfRealProcesses(t *testing.T) {
	for _, tc := range []struct {
		script       string
		code, status int
	}{
		{"exit 7", initproto.CodeExited, 7},
		{"kill -TERM $$", initproto.CodeKilled, int(syscall.SIGTERM)},
		{"kill -KILL $$", initproto.CodeKilled, int(syscall.SIGKILL)},
	} {
		cmd := exec.Command("/bin/sh", "-c", tc.script)
		_ = cmd.Run()
		ws := unix.WaitStatus(cmd.ProcessState.Sys().(syscall.WaitStatus))
		if code, status, ok := exitOf(ws); code != tc.code || status != tc.status || !ok {
			t.Errorf("%q: %d, %d, %v; want %d, %d", tc.script, code, status, ok, tc.code, tc.status)
		}
	}
}
