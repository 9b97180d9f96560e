package system

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/utmp"
	"github.com/sysmaster/sysmaster/test/harness"
)

// Debian's getty@.service on a pseudo-terminal: agetty gets the terminal as its controlling one with $TERM,
// prints its prompt there, and the utmp records (systemd's INIT_PROCESS, then agetty's LOGIN_PROCESS) are
// there for who(1); the stop marks the entry dead.
func TestGettyOnPty(t *testing.T) {
	t.Parallel()
	unitFile, err := os.ReadFile("/lib/systemd/system/getty@.service")
	if err != nil {
		t.Fatalf("Debian's getty@.service: %v", err)
	}
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	line := "pts/" + strconv.Itoa(n)
	unitName := "getty@pts-" + strconv.Itoa(n) + ".service"
	s := harness.Start(t, harness.Options{Units: map[string]string{"getty@.service": string(unitFile)}})
	s.WaitActive("multi-user.target", "active", 10*time.Second)
	utmpFile := inSystem(s, "/run/utmp")
	if err := os.WriteFile(utmpFile, nil, 0o664); err != nil { // systemd-tmpfiles makes it at boot
		t.Fatal(err)
	}
	if _, errs, code := s.Sctl("start", unitName); code != 0 {
		t.Fatalf("start: %s\n%s", errs, unitLogs(s, unitName))
	}
	var screen bytes.Buffer
	buf := make([]byte, 4096)
	master.SetReadDeadline(time.Now().Add(20 * time.Second))
	for !strings.Contains(screen.String(), "login: ") {
		k, err := master.Read(buf)
		screen.Write(buf[:k])
		switch {
		case errors.Is(err, unix.EIO): // no one has the terminal open (yet, or after the hangup): poll again
			time.Sleep(10 * time.Millisecond)
		case err != nil:
			t.Fatalf("no login prompt: %v\n%q\n%s", err, screen.String(), unitLogs(s, unitName))
		}
	}
	pid, _ := strconv.Atoi(s.Show(unitName, "MainPID"))
	cmdline, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(hostPid(t, s, pid)), "cmdline"))
	if args := strings.Split(strings.TrimRight(string(cmdline), "\x00"), "\x00"); args[len(args)-1] != "vt220" {
		t.Errorf("agetty's $TERM argument: %q", args)
	}
	var found *utmp.Record
	recs, err := utmp.Read(utmpFile)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range recs {
		if r.Line == line {
			found = &recs[i]
		}
	}
	if found == nil || found.Type != utmp.LoginProcess || int(found.Pid) != pid || found.ID != line[len(line)-4:] {
		t.Fatalf("utmp: %+v (main pid %d)", found, pid)
	}
	out, err := exec.Command("who", "-l", utmpFile).Output()
	if err != nil || !strings.Contains(string(out), line) {
		t.Errorf("who -l: %q %v", out, err)
	}
	if _, errs, code := s.Sctl("stop", unitName); code != 0 {
		t.Fatalf("stop: %s", errs)
	}
	recs, _ = utmp.Read(utmpFile)
	for _, r := range recs {
		if r.Line == line && r.Type != utmp.DeadProcess {
			t.Errorf("after stop: %+v", r)
		}
	}
}

// TTYReset=, TTYVHangup= and TTYVTDisallocate= act again when the unit has gone down (systemd's
// exec_context_tty_reset at the end): a service that leaves its terminal raw leaves it sane, hung up and
// cleared for the next user.
func TestTTYResetAfterExit(t *testing.T) {
	t.Parallel()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave := "/dev/pts/" + strconv.Itoa(n)
	s := harness.Start(t, harness.Options{Units: map[string]string{"raw.service": "[Service]\nType=oneshot\n" +
		"TTYPath=" + slave + "\nTTYReset=yes\nTTYVHangup=yes\nTTYVTDisallocate=yes\n" +
		"ExecStart=/bin/sh -c 'stty -icanon -echo <" + slave + " && printf done >" + slave + " && read x <" + slave + "'\n"}})
	const clear = "\033[r\033[H\033[3J"
	var screen bytes.Buffer
	buf := make([]byte, 4096)
	master.SetReadDeadline(time.Now().Add(20 * time.Second))
	readUntil := func(want string) {
		t.Helper()
		for !strings.Contains(screen.String(), want) {
			k, err := master.Read(buf)
			screen.Write(buf[:k])
			switch {
			case errors.Is(err, unix.EIO): // nobody holds the terminal open (yet, or any more): poll again
				time.Sleep(10 * time.Millisecond)
			case err != nil:
				t.Fatalf("the terminal shows %q, want %q: %v\n%s", screen.String(), want, err, unitLogs(s, "raw.service"))
			}
		}
	}
	mustSctl(t, s, "start", "--no-block", "raw.service")
	readUntil(clear + "done") // cleared before the start; the service is now raw and waits for a line
	if _, err := master.Write([]byte("\n")); err != nil {
		t.Fatal(err)
	}
	waitState(t, s, "raw.service", "inactive/dead", 10*time.Second)
	// The terminal's settings are the slave's, also through the master.
	tio, err := unix.IoctlGetTermios(int(master.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	if tio.Lflag&unix.ICANON == 0 || tio.Lflag&unix.ECHO == 0 {
		t.Errorf("the terminal is left raw after the unit went down: lflag %#o\n%s", tio.Lflag, unitLogs(s, "raw.service"))
	}
	readUntil(clear + "done" + clear) // and cleared again after the exit
}
