package exec

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"

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
	if out, err := exec.Command("who", UtmpFile).Output(); err != nil || len(out) != 0 {
		t.Errorf("who after the exit: %q %v", out, err)
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
