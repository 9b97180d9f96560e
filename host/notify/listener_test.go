package notify

import (
	"bytes"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/coreos/go-systemd/v22/daemon"

	sdknotify "github.com/sysmaster/sysmaster/sdk/notify"
	"golang.org/x/sys/unix"
)

// TestMain lets the test binary act as a service that notifies: re-executed with NOTIFY_TEST_CLIENT=sdnotify it
// sends $NOTIFY_TEST_STATE to $NOTIFY_SOCKET with go-systemd's client and exits.
func TestMain(m *testing.M) {
	if os.Getenv("NOTIFY_TEST_CLIENT") == "sdnotify" {
		sent, err := daemon.SdNotify(false, os.Getenv("NOTIFY_TEST_STATE"))
		if err != nil || !sent {
			os.Stderr.WriteString("sdnotify client: not sent\n")
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func listen(t *testing.T, dir string) *Listener {
	t.Helper()
	l, err := Listen(filepath.Join(dir, "notify"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// receive is Receive with a deadline, so that a lost datagram fails the test instead of hanging it.
func receive(t *testing.T, l *Listener) (Message, error) {
	t.Helper()
	type result struct {
		m   Message
		err error
	}
	ch := make(chan result, 1)
	go func() {
		m, err := l.Receive()
		ch <- result{m, err}
	}()
	select {
	case r := <-ch:
		return r.m, r.err
	case <-time.After(10 * time.Second):
		l.Close()
		t.Fatal("no datagram received within 10s")
		return Message{}, nil
	}
}

func mustReceive(t *testing.T, l *Listener) Message {
	t.Helper()
	m, err := receive(t, l)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// send writes one datagram to the socket at path, with fds attached by SCM_RIGHTS.
func send(t *testing.T, path string, data []byte, fds ...int) {
	t.Helper()
	fd, err := unix.Socket(unix.AF_UNIX, unix.SOCK_DGRAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer unix.Close(fd)
	var oob []byte
	if len(fds) > 0 {
		oob = unix.UnixRights(fds...)
	}
	if err := unix.Sendmsg(fd, data, oob, &unix.SockaddrUnix{Name: path}, 0); err != nil {
		t.Fatal(err)
	}
}

// openFds counts the process's open descriptors, to catch leaks.
func openFds(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(ents)
}

func TestGoSystemdClient(t *testing.T) {
	l := listen(t, t.TempDir())
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "NOTIFY_TEST_CLIENT=sdnotify", "NOTIFY_SOCKET="+l.Path(),
		"NOTIFY_TEST_STATE=READY=1\nSTATUS=hi")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("client: %v: %s", err, out)
	}
	m := mustReceive(t, l)
	if m.Pid != cmd.Process.Pid || m.Uid != os.Getuid() || m.Gid != os.Getgid() {
		t.Errorf("credentials pid %d uid %d gid %d, want %d %d %d", m.Pid, m.Uid, m.Gid,
			cmd.Process.Pid, os.Getuid(), os.Getgid())
	}
	if want := []string{"READY=1", "STATUS=hi"}; !slices.Equal(m.Fields, want) {
		t.Errorf("fields %q, want %q", m.Fields, want)
	}
	n, errs := sdknotify.Parse(m.Fields)
	if !n.Ready || n.Status == nil || *n.Status != "hi" || errs != nil {
		t.Errorf("parsed %+v, %v", n, errs)
	}
}

func TestPython(t *testing.T) {
	python, err := exec.LookPath("python3")
	if err != nil {
		t.Skip("no python3")
	}
	l := listen(t, t.TempDir())
	cmd := exec.Command(python, "-c", `import socket,os; s=socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM); `+
		`s.connect(os.environ["NOTIFY_SOCKET"]); s.send(b"READY=1\nMAINPID=42")`)
	cmd.Env = append(os.Environ(), "NOTIFY_SOCKET="+l.Path())
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("python: %v: %s", err, out)
	}
	m := mustReceive(t, l)
	if m.Pid != cmd.Process.Pid {
		t.Errorf("pid %d, want %d", m.Pid, cmd.Process.Pid)
	}
	if want := []string{"READY=1", "MAINPID=42"}; !slices.Equal(m.Fields, want) {
		t.Errorf("fields %q, want %q", m.Fields, want)
	}
	n, errs := sdknotify.Parse(m.Fields)
	if !n.Ready || n.MainPID == nil || *n.MainPID != 42 || errs != nil {
		t.Errorf("parsed %+v, %v", n, errs)
	}
}

func TestFdPassing(t *testing.T) {
	l := listen(t, t.TempDir())
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	send(t, l.Path(), []byte("FDSTORE=1\nFDNAME=pipe\n"), int(w.Fd()))
	w.Close() // the received copy must be the only write end left
	m := mustReceive(t, l)
	if m.Pid != os.Getpid() {
		t.Errorf("pid %d, want %d", m.Pid, os.Getpid())
	}
	if want := []string{"FDSTORE=1", "FDNAME=pipe"}; !slices.Equal(m.Fields, want) {
		t.Errorf("fields %q, want %q", m.Fields, want)
	}
	if len(m.Fds) != 1 {
		t.Fatalf("%d fds, want 1", len(m.Fds))
	}
	flags, err := unix.FcntlInt(m.Fds[0].Fd(), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("received fd flags %#x (%v), want FD_CLOEXEC", flags, err)
	}
	if _, err := m.Fds[0].Write([]byte("through the store")); err != nil {
		t.Fatal(err)
	}
	m.Close()
	got, err := io.ReadAll(r) // EOF only once the received write end is closed too
	if err != nil || string(got) != "through the store" {
		t.Errorf("read %q, %v", got, err)
	}
}

func TestOversizedAndGarbage(t *testing.T) {
	l := listen(t, t.TempDir())
	before := openFds(t)
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	send(t, l.Path(), bytes.Repeat([]byte("x"), MaxMessageSize+1), int(w.Fd()))
	r.Close()
	w.Close()
	_, err = receive(t, l)
	if !errors.Is(err, ErrTooLarge) || !errors.Is(err, ErrBadMessage) {
		t.Errorf("oversized: %v, want ErrTooLarge", err)
	}
	if after := openFds(t); after != before {
		t.Errorf("%d fds open after dropping a datagram with one, want %d", after, before)
	}

	// Exactly the limit is accepted.
	status := "STATUS=" + strings.Repeat("y", MaxMessageSize-len("STATUS="))
	send(t, l.Path(), []byte(status))
	if m := mustReceive(t, l); len(m.Fields) != 1 || m.Fields[0] != status {
		t.Errorf("message of %d bytes not received whole: %d fields", MaxMessageSize, len(m.Fields))
	}

	send(t, l.Path(), []byte("READY=1\x00junk"))
	if _, err := receive(t, l); !errors.Is(err, ErrNulByte) || !errors.Is(err, ErrBadMessage) {
		t.Errorf("NUL byte: %v, want ErrNulByte", err)
	}

	// Bytes that are not fields still arrive; Parse ignores what it does not know.
	send(t, l.Path(), []byte("\xff\xfe\n\n=\nREADY\n"))
	m := mustReceive(t, l)
	if want := []string{"\xff\xfe", "=", "READY"}; !slices.Equal(m.Fields, want) {
		t.Errorf("fields %q, want %q", m.Fields, want)
	}
	if _, errs := sdknotify.Parse(m.Fields); len(errs) != 1 || !errors.Is(errs[0], sdknotify.ErrNoValue) {
		t.Errorf("Parse errors %v, want one ErrNoValue", errs)
	}

	send(t, l.Path(), []byte("READY=1"))
	if m := mustReceive(t, l); !slices.Equal(m.Fields, []string{"READY=1"}) {
		t.Errorf("after bad datagrams: fields %q", m.Fields)
	}

	// An empty datagram is a message with no fields, not an error.
	send(t, l.Path(), nil)
	if m := mustReceive(t, l); m.Fields != nil || m.Pid != os.Getpid() {
		t.Errorf("empty datagram: pid %d fields %q", m.Pid, m.Fields)
	}
}

func TestControlTruncated(t *testing.T) {
	l := listen(t, t.TempDir())
	l.maxFds = 1
	r, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	before := openFds(t)
	// Room for one descriptor is, after alignment, room for two on 64-bit machines: send five.
	send(t, l.Path(), []byte("FDSTORE=1"), int(r.Fd()), int(w.Fd()), int(r.Fd()), int(w.Fd()), int(r.Fd()))
	_, err = receive(t, l)
	if !errors.Is(err, ErrControlTruncated) || !errors.Is(err, ErrBadMessage) {
		t.Errorf("got %v, want ErrControlTruncated", err)
	}
	if err == nil || strings.Contains(err.Error(), "5 descriptors arrived") || strings.Contains(err.Error(), " 0 descriptors") {
		t.Errorf("error %v: want some but not all five descriptors to have arrived", err)
	}
	if after := openFds(t); after != before {
		t.Errorf("%d fds open after a truncated datagram, want %d", after, before)
	}
	r.Close()
	w.Close()
	send(t, l.Path(), []byte("READY=1"))
	if m := mustReceive(t, l); !slices.Equal(m.Fields, []string{"READY=1"}) {
		t.Errorf("after truncated datagram: fields %q", m.Fields)
	}
}

func TestNoCredentials(t *testing.T) {
	// The kernel attaches credentials to every datagram once SO_PASSCRED is on, so a message without them
	// cannot be sent from here; decode is checked directly.
	_, err := decode([]byte("READY=1"), 7, nil, 0)
	if !errors.Is(err, ErrNoCredentials) || !errors.Is(err, ErrBadMessage) {
		t.Errorf("got %v, want ErrNoCredentials", err)
	}
}

func TestOtherUser(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root to run a sender as uid 65534")
	}
	// The sender, a copy of this test binary, and the socket live in a directory uid 65534 can enter.
	dir, err := os.MkdirTemp("", "notify-test-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(dir, "client")
	self, err := os.ReadFile(os.Args[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(bin, self, 0o755); err != nil {
		t.Fatal(err)
	}
	l := listen(t, dir)
	if fi, err := os.Lstat(l.Path()); err != nil || fi.Mode().Perm() != 0o777 {
		t.Fatalf("socket mode %v (%v), want 0777", fi.Mode(), err)
	}

	cmd := exec.Command(bin)
	cmd.Env = []string{"NOTIFY_TEST_CLIENT=sdnotify", "NOTIFY_SOCKET=" + l.Path(), "NOTIFY_TEST_STATE=READY=1"}
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("client as 65534: %v: %s", err, out)
	}
	m := mustReceive(t, l)
	if m.Pid != cmd.Process.Pid || m.Uid != 65534 || m.Gid != 65534 {
		t.Errorf("credentials pid %d uid %d gid %d, want %d 65534 65534", m.Pid, m.Uid, m.Gid, cmd.Process.Pid)
	}
	if !slices.Equal(m.Fields, []string{"READY=1"}) {
		t.Errorf("fields %q", m.Fields)
	}
}

func TestHandover(t *testing.T) {
	old := listen(t, t.TempDir())
	f, err := old.File()
	if err != nil {
		t.Fatal(err)
	}
	flags, err := unix.FcntlInt(f.Fd(), unix.F_GETFD, 0)
	if err != nil || flags&unix.FD_CLOEXEC == 0 {
		t.Errorf("File: fd flags %#x (%v), want FD_CLOEXEC", flags, err)
	}
	l, err := FromFile(f)
	f.Close()
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	// The old listener is untouched by File until it is closed.
	send(t, old.Path(), []byte("STATUS=still here"))
	if m := mustReceive(t, old); !slices.Equal(m.Fields, []string{"STATUS=still here"}) {
		t.Errorf("old listener after File: fields %q", m.Fields)
	}
	if l.Path() != old.Path() {
		t.Errorf("adopted path %q, want %q", l.Path(), old.Path())
	}
	if err := old.Close(); err != nil {
		t.Fatal(err)
	}
	send(t, l.Path(), []byte("READY=1"))
	m := mustReceive(t, l)
	if m.Pid != os.Getpid() || !slices.Equal(m.Fields, []string{"READY=1"}) {
		t.Errorf("after handover: pid %d fields %q", m.Pid, m.Fields)
	}
}

func TestFromFileRefuses(t *testing.T) {
	reg, err := os.CreateTemp(t.TempDir(), "regular")
	if err != nil {
		t.Fatal(err)
	}
	defer reg.Close()
	if _, err := FromFile(reg); err == nil {
		t.Error("FromFile adopted a regular file")
	}
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	stream := os.NewFile(uintptr(fds[0]), "stream")
	defer stream.Close()
	defer unix.Close(fds[1])
	if _, err := FromFile(stream); err == nil {
		t.Error("FromFile adopted a stream socket")
	}
}

func TestCloseUnblocksReceive(t *testing.T) {
	l := listen(t, t.TempDir())
	done := make(chan error, 1)
	go func() {
		_, err := l.Receive()
		done <- err
	}()
	time.Sleep(50 * time.Millisecond)
	l.Close()
	select {
	case err := <-done:
		if !errors.Is(err, net.ErrClosed) || errors.Is(err, ErrBadMessage) {
			t.Errorf("Receive after Close: %v, want net.ErrClosed", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Receive still blocked after Close")
	}
}

func TestListenStale(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "notify")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	if _, err := os.Lstat(path); err != nil {
		t.Fatalf("Close removed the socket file: %v", err)
	}
	l, err = Listen(path) // over the stale socket
	if err != nil {
		t.Fatal(err)
	}
	send(t, path, []byte("READY=1"))
	mustReceive(t, l)
	l.Close()

	notSocket := filepath.Join(dir, "file")
	if err := os.WriteFile(notSocket, []byte("keep"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(notSocket); err == nil {
		t.Error("Listen replaced a regular file")
	}
	if b, err := os.ReadFile(notSocket); err != nil || string(b) != "keep" {
		t.Errorf("regular file changed: %q, %v", b, err)
	}
}
