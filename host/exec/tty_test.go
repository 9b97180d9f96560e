package exec

import (
	"bytes"
	"os"
	osexec "os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/reaper"
	"github.com/sysmaster/sysmaster/pkg/utmp"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// openPty returns a pseudo-terminal's master and the path of its slave.
func openPty(t *testing.T) (*os.File, string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	return m, "/dev/pts/" + strconv.Itoa(n)
}

// A getty's terminal settings as the process sees them: the terminal on the standard streams and controlling
// it, reset to sane settings, sized by TTYRows=/TTYColumns=, cleared by TTYVTDisallocate= (not a VT), and the
// utmp records of UtmpIdentifier=/UtmpMode=user that who(1) reads, dead after the exit.
func TestTTYAndUtmp(t *testing.T) {
	master, slave := openPty(t)
	// Raw first, so that the reset shows.
	st, err := unix.IoctlGetTermios(int(master.Fd()), unix.TCGETS)
	if err != nil {
		t.Fatal(err)
	}
	st.Lflag &^= unix.ICANON | unix.ECHO
	unix.IoctlSetTermios(int(master.Fd()), unix.TCSETS, st)
	dir := t.TempDir()
	os.Chmod(dir, 0o755)
	os.Chmod(filepath.Dir(dir), 0o755) // the test's temporary directory: daemon reads utmp below it
	UtmpFile, WtmpFile = filepath.Join(dir, "utmp"), filepath.Join(dir, "wtmp")
	defer func() { UtmpFile, WtmpFile = utmp.UtmpPath, utmp.WtmpPath }()
	os.WriteFile(UtmpFile, nil, 0o644)
	os.WriteFile(WtmpFile, nil, 0o644)
	line := strings.TrimPrefix(slave, "/dev/")
	r := run(t, probe(`
import fcntl, struct, subprocess, termios
assert os.isatty(0) and os.ttyname(0) == "`+slave+`" and os.ttyname(1) == "`+slave+`", os.ttyname(0)
assert os.tcgetpgrp(0) == os.getpgrp() == os.getsid(0) == os.getpid()
rows, cols = struct.unpack("HHHH", fcntl.ioctl(0, termios.TIOCGWINSZ, b"\0" * 8))[:2]
assert (rows, cols) == (40, 100), (rows, cols)
lflag = termios.tcgetattr(0)[3]
assert lflag & termios.ICANON and lflag & termios.ECHO, lflag
who = subprocess.run(["who", "`+UtmpFile+`"], capture_output=True, text=True).stdout
assert who.startswith("daemon   `+line+`"), who
print("probe done")
`, &pb.ExecContext{User: "daemon", Setsid: true, TtyPath: slave, StandardInput: "tty", StandardOutput: "tty", StandardError: "tty",
		TtyReset: true, TtyVhangup: true, TtyVtDisallocate: true, TtyRows: 40, TtyColumns: 100,
		UtmpIdentifier: "tst1", UtmpMode: "user"}), Options{})
	// What the process wrote stays in the terminal until read, also once it is gone (then EIO ends it).
	var screen bytes.Buffer
	buf := make([]byte, 4096)
	for {
		n, err := master.Read(buf)
		screen.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if r.exit.Status != 0 {
		t.Fatalf("%s\n%s", describe(r), screen.String())
	}
	if !strings.HasPrefix(screen.String(), "\033[r\033[H\033[3J") {
		t.Errorf("TTYVTDisallocate= did not clear the terminal: %q", screen.String())
	}
	// Nobody is logged in after the exit: the record is dead. (Read directly: running who(1) here could race
	// with the reaper another test of this package leaves waiting for every child.)
	live, _ := utmp.Read(UtmpFile)
	for _, rec := range live {
		if rec.Type == utmp.UserProcess || rec.Type == utmp.LoginProcess || rec.Type == utmp.InitProcess {
			t.Errorf("utmp after the exit has a live record: %+v", rec)
		}
	}
	recs, _ := utmp.Read(WtmpFile)
	var types []int16
	for _, rec := range recs {
		types = append(types, rec.Type)
	}
	if len(types) != 4 || types[0] != utmp.InitProcess || types[2] != utmp.UserProcess || types[3] != utmp.DeadProcess {
		t.Errorf("wtmp record types %v", types)
	}
}

// StandardInput=tty waits while another session has the terminal (systemd's acquire_terminal with
// ACQUIRE_TERMINAL_WAIT) and takes it once that session is gone; tty-fail fails at once meanwhile.
func TestStandardInputTTYWaitsForTheTerminal(t *testing.T) {
	_, slave := openPty(t) // the master stays open until the test ends
	holderTTY, err := os.OpenFile(slave, os.O_RDWR|unix.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	// The holder: a session of its own whose controlling terminal is the pty. This package's reaper reaps it.
	holder := osexec.Command("sleep", "1000")
	holder.Stdin = holderTTY
	holder.SysProcAttr = &syscall.SysProcAttr{Setsid: true, Setctty: true, Ctty: 0}
	if err := holder.Start(); err != nil {
		t.Fatal(err)
	}
	holderTTY.Close()
	ec := func(input string) *pb.ExecContext {
		return &pb.ExecContext{Setsid: true, TtyPath: slave, StandardInput: input, StandardOutput: "tty", StandardError: "tty"}
	}
	if r := run(t, probe(`print("took it")`, ec("tty-fail")), Options{}); r.failure == nil || r.failure.Step != "STDIN" ||
		!strings.Contains(r.failure.Message, "operation not permitted") {
		t.Fatalf("tty-fail while another session has the terminal: %s", describe(r))
	}
	exits := make(chan reaper.Exit, 1)
	var failure *Failure
	pid, err := Start(testReaper, probe(`
assert os.ttyname(0) == "`+slave+`" and os.tcgetpgrp(0) == os.getpid()
print("took it")
`, ec("tty")), func(e reaper.Exit) { exits <- e }, Options{OnFailure: func(f *Failure) { failure = f }})
	if err != nil {
		t.Fatal(err)
	}
	// It waits: an inotify watch on the terminal is in place and the process is still the executor.
	deadline := time.Now().Add(10 * time.Second)
	for !hasInotifyWatch(pid) {
		select {
		case e := <-exits:
			t.Fatalf("StandardInput=tty did not wait: exit %+v, %v", e, failure)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("the executor never watched the terminal")
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := holder.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-exits:
		if e.Code != reaper.Exited || e.Status != 0 || failure != nil {
			t.Fatalf("after the other session ended: exit %+v, %v", e, failure)
		}
	case <-time.After(20 * time.Second):
		unix.Kill(pid, unix.SIGKILL)
		t.Fatal("StandardInput=tty still waits after the other session ended")
	}
}

// hasInotifyWatch reports whether pid holds an inotify descriptor with a watch.
func hasInotifyWatch(pid int) bool {
	dir := "/proc/" + strconv.Itoa(pid) + "/fdinfo"
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if strings.Contains(string(b), "inotify wd:") {
			return true
		}
	}
	return false
}
