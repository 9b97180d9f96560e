package system

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/test/harness"
)

// freePort returns a port on 127.0.0.1 that nothing listens on now, for network ("tcp" or "udp").
func freePort(t testing.TB, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// inRoot is path as the test sees it inside the system's mount namespace (its /run is a tmpfs of its own).
func inRoot(s *harness.System, path string) string {
	return filepath.Join("/proc", strconv.Itoa(s.InitPid), "root", path)
}

// get fetches url with a fresh connection and returns the body.
func get(url string) (string, error) {
	c := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	resp, err := c.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

// curl fetches url with curl, a client that is not ours.
func curl(t *testing.T, url string) string {
	t.Helper()
	out, err := exec.Command("curl", "-sS", "--max-time", "20", url).CombinedOutput()
	if err != nil {
		t.Fatalf("curl %s: %v: %s", url, err, out)
	}
	return string(out)
}

func mustSctl(t *testing.T, s *harness.System, args ...string) string {
	t.Helper()
	out, errs, code := s.Sctl(args...)
	if code != 0 {
		t.Fatalf("sctl %s: exit %d: %s%s", strings.Join(args, " "), code, out, errs)
	}
	return out
}

var pidField = regexp.MustCompile(`pid=(\d+)`)

// The first curl starts the service behind an idle socket, and the request is answered: a Go server using
// go-systemd's activation package, and a python3 server using socket.fromfd(3, …). The service gets the
// listener from fd 3 with LISTEN_FDS, LISTEN_PID and LISTEN_FDNAMES; when it stops, the socket listens again
// and the next curl starts it anew.
func TestSocketActivationFirstRequest(t *testing.T) {
	t.Parallel()
	goPort, pyPort := freePort(t, "tcp"), freePort(t, "tcp")
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"goweb.socket":  fmt.Sprintf("[Socket]\nListenStream=127.0.0.1:%d\n", goPort),
		"goweb.service": "[Service]\nExecStart=/etc/sysmaster/activated\n",
		"pyweb.socket":  fmt.Sprintf("[Socket]\nListenStream=127.0.0.1:%d\nFileDescriptorName=web\n", pyPort),
		"pyweb.service": "[Service]\nExecStart=/usr/bin/python3 /etc/sysmaster/pyweb.py\n",
	}})
	copyExecutable(t, harness.BuildPlugin(t, "test/system/testdata/activated", t.TempDir()), filepath.Join(s.Etc, "activated"))
	s.WriteFile("pyweb.py", `import http.server, os, socket
class Handler(http.server.BaseHTTPRequestHandler):
    def do_GET(self):
        body = ("python pid=%d listen_pid=%s fds=%s names=%s\n" % (os.getpid(), os.environ.get("LISTEN_PID"),
                os.environ.get("LISTEN_FDS"), os.environ.get("LISTEN_FDNAMES"))).encode()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
srv = http.server.HTTPServer(("127.0.0.1", 0), Handler, bind_and_activate=False)
srv.socket.close()
srv.socket = socket.fromfd(3, socket.AF_INET, socket.SOCK_STREAM)
srv.serve_forever()
`)
	mustSctl(t, s, "start", "goweb.socket", "pyweb.socket")
	for _, sock := range []string{"goweb.socket", "pyweb.socket"} {
		if st, sub := s.Show(sock, "ActiveState"), s.Show(sock, "SubState"); st != "active" || sub != "listening" {
			t.Fatalf("%s: %s/%s, want active/listening", sock, st, sub)
		}
	}
	if st := s.Show("goweb.service", "ActiveState"); st != "inactive" {
		t.Fatalf("goweb.service is %s before any connection", st)
	}
	if got, want := s.Show("goweb.socket", "Listen"), fmt.Sprintf("127.0.0.1:%d (Stream)", goPort); got != want {
		t.Errorf("Listen=%q, want %q", got, want)
	}
	if got := s.Show("goweb.socket", "Triggers"); got != "goweb.service" {
		t.Errorf("goweb.socket Triggers=%q", got)
	}
	if got := s.Show("goweb.service", "TriggeredBy"); got != "goweb.socket" {
		t.Errorf("goweb.service TriggeredBy=%q", got)
	}
	out := mustSctl(t, s, "list-sockets")
	for _, want := range []string{fmt.Sprintf("127.0.0.1:%d", goPort), "goweb.socket", "goweb.service", "2 sockets listed."} {
		if !strings.Contains(out, want) {
			t.Errorf("list-sockets lacks %q:\n%s", want, out)
		}
	}

	body := curl(t, fmt.Sprintf("http://127.0.0.1:%d/first", goPort))
	if !strings.HasPrefix(body, "activated pid=") || !strings.Contains(body, "fds=goweb.socket path=/first") {
		t.Fatalf("go server answered %q", body)
	}
	goPid := pidField.FindStringSubmatch(body)[1]
	if got := s.Show("goweb.service", "MainPID"); got != goPid {
		t.Errorf("goweb.service MainPID=%s, the answer came from %s", got, goPid)
	}
	if sub := s.Show("goweb.socket", "SubState"); sub != "running" {
		t.Errorf("goweb.socket SubState=%s while its service runs, want running", sub)
	}

	body = curl(t, fmt.Sprintf("http://127.0.0.1:%d/", pyPort))
	m := regexp.MustCompile(`^python pid=(\d+) listen_pid=(\d+) fds=1 names=web\n$`).FindStringSubmatch(body)
	if m == nil || m[1] != m[2] {
		t.Fatalf("python server answered %q (want LISTEN_PID = its pid, LISTEN_FDS=1, LISTEN_FDNAMES=web)", body)
	}

	// The service stops: the socket listens again and the next request starts a new process.
	mustSctl(t, s, "stop", "goweb.service")
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("goweb.socket", "SubState") == "listening" }) {
		t.Fatalf("goweb.socket is %s after its service stopped, want listening", s.Show("goweb.socket", "SubState"))
	}
	body = curl(t, fmt.Sprintf("http://127.0.0.1:%d/second", goPort))
	if m := pidField.FindStringSubmatch(body); m == nil || m[1] == goPid {
		t.Fatalf("after a stop the answer %q came from the old process %s", body, goPid)
	}
	if got := s.Show("goweb.socket", "NAccepted"); got != "0" {
		t.Errorf("Accept=no socket NAccepted=%s, want 0", got)
	}

	// Stopping the socket closes the listener: connections are refused.
	mustSctl(t, s, "stop", "goweb.service", "goweb.socket")
	if _, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", goPort), 5*time.Second); err == nil {
		t.Errorf("a stopped socket still accepts connections")
	}
}

// Accept=yes: each connection gets its own instance of the template service, which talks to the client over
// its stdin and stdout (StandardInput=socket); nc is the client.
func TestSocketAcceptYes(t *testing.T) {
	t.Parallel()
	port := freePort(t, "tcp")
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"echo.socket": fmt.Sprintf("[Socket]\nListenStream=127.0.0.1:%d\nAccept=yes\n", port),
		"echo@.service": "[Service]\nStandardInput=socket\n" +
			"ExecStart=/bin/sh -c 'read line; echo \"instance=%i pid=$$$$ got=$line\"'\n",
	}})
	mustSctl(t, s, "start", "echo.socket")
	pids := map[string]bool{}
	for i := 0; i < 3; i++ {
		cmd := exec.Command("nc", "-N", "-w", "20", "127.0.0.1", strconv.Itoa(port))
		cmd.Stdin = strings.NewReader(fmt.Sprintf("hello %d\n", i))
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("nc: %v: %s", err, out)
		}
		m := regexp.MustCompile(`^instance=(\d+)-127\.0\.0\.1:(\d+)-127\.0\.0\.1:\d+ pid=(\d+) got=hello (\d)\n$`).FindStringSubmatch(string(out))
		if m == nil {
			t.Fatalf("connection %d answered %q", i, out)
		}
		if m[1] != strconv.Itoa(i) || m[2] != strconv.Itoa(port) || m[4] != strconv.Itoa(i) {
			t.Errorf("connection %d: answer %q (want instance counter %d, local port %d)", i, out, i, port)
		}
		if pids[m[3]] {
			t.Errorf("connection %d served by pid %s again", i, m[3])
		}
		pids[m[3]] = true
	}
	if got := s.Show("echo.socket", "NAccepted"); got != "3" {
		t.Errorf("NAccepted=%s, want 3", got)
	}
	if !s.WaitFor(10*time.Second, func() bool { return s.Show("echo.socket", "NConnections") == "0" }) {
		t.Errorf("NConnections=%s after every instance ended, want 0", s.Show("echo.socket", "NConnections"))
	}
	if sub := s.Show("echo.socket", "SubState"); sub != "listening" {
		t.Errorf("Accept=yes socket SubState=%s, want listening", sub)
	}
}

// MaxConnections=: a connection beyond the limit is closed at once and counted in NRefused.
func TestSocketMaxConnections(t *testing.T) {
	t.Parallel()
	port := freePort(t, "tcp")
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"slow.socket": fmt.Sprintf("[Socket]\nListenStream=127.0.0.1:%d\nAccept=yes\nMaxConnections=1\n", port),
		"slow@.service": "[Service]\nStandardInput=socket\n" +
			"ExecStart=/bin/sh -c 'echo serving; read line; echo bye'\n",
	}})
	mustSctl(t, s, "start", "slow.socket")
	first, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer first.Close()
	first.SetDeadline(time.Now().Add(20 * time.Second))
	r := bufio.NewReader(first)
	if line, err := r.ReadString('\n'); err != nil || line != "serving\n" {
		t.Fatalf("first connection: %q, %v", line, err)
	}
	second, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", port), 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer second.Close()
	second.SetDeadline(time.Now().Add(20 * time.Second))
	if b, err := io.ReadAll(second); len(b) != 0 || err != nil {
		t.Errorf("second connection over MaxConnections=1 got %q, %v; want it closed at once", b, err)
	}
	if got := s.Show("slow.socket", "NRefused"); got != "1" {
		t.Errorf("NRefused=%s, want 1", got)
	}
	fmt.Fprintln(first, "done")
	if line, _ := r.ReadString('\n'); line != "bye\n" {
		t.Errorf("first connection's end: %q", line)
	}
}

// Every kind of listener activates its service: TCP, UDP, unix stream, unix datagram, seqpacket and an abstract
// socket. The service (python3) takes fd 3 as it is, reads one message, answers on connections, and records it.
func TestSocketKinds(t *testing.T) {
	t.Parallel()
	tcp, udp := freePort(t, "tcp"), freePort(t, "udp")
	abstract := fmt.Sprintf("sysmaster-test-%d", os.Getpid())
	kinds := []struct{ name, listen, network, addr string }{
		{"tcp", fmt.Sprintf("ListenStream=127.0.0.1:%d", tcp), "tcp", fmt.Sprintf("127.0.0.1:%d", tcp)},
		{"udp", fmt.Sprintf("ListenDatagram=127.0.0.1:%d", udp), "udp", fmt.Sprintf("127.0.0.1:%d", udp)},
		{"stream", "ListenStream=/run/kinds/stream.sock", "unix", "/run/kinds/stream.sock"},
		{"dgram", "ListenDatagram=/run/kinds/dgram.sock", "unixgram", "/run/kinds/dgram.sock"},
		{"seqpacket", "ListenSequentialPacket=/run/kinds/seqpacket.sock", "unixpacket", "/run/kinds/seqpacket.sock"},
		{"abstract", "ListenStream=@" + abstract, "unix", "@" + abstract},
	}
	units := map[string]string{}
	for _, k := range kinds {
		units[k.name+".socket"] = "[Socket]\n" + k.listen + "\n"
		units[k.name+".service"] = "[Service]\nExecStart=/usr/bin/python3 /etc/sysmaster/once.py " + k.name + "\n"
	}
	s := harness.Start(t, harness.Options{Units: units})
	s.WriteFile("once.py", `import socket, sys
s = socket.socket(fileno=3)
if s.type in (socket.SOCK_STREAM, socket.SOCK_SEQPACKET):
    c, _ = s.accept()
    data = c.recv(100)
    c.send(b"ok " + data)
    c.close()
else:
    data = s.recv(100)
open("/run/got-" + sys.argv[1], "wb").write(data)
`)
	for _, k := range kinds {
		mustSctl(t, s, "start", k.name+".socket")
	}
	for _, k := range kinds {
		t.Run(k.name, func(t *testing.T) {
			addr := k.addr
			if strings.HasPrefix(addr, "/") {
				addr = inRoot(s, addr)
			}
			c, err := net.DialTimeout(k.network, addr, 5*time.Second)
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			c.SetDeadline(time.Now().Add(20 * time.Second))
			msg := "ping-" + k.name
			if _, err := c.Write([]byte(msg)); err != nil {
				t.Fatal(err)
			}
			if k.network != "udp" && k.network != "unixgram" {
				b := make([]byte, 100)
				n, err := c.Read(b)
				if err != nil || string(b[:n]) != "ok "+msg {
					t.Errorf("answer %q, %v", b[:n], err)
				}
			}
			if !s.WaitFor(20*time.Second, func() bool {
				got, _ := s.ReadFile("/run/got-" + k.name)
				return got == msg
			}) {
				logs, _, _ := s.Sctl("status", k.name+".service", k.name+".socket")
				t.Fatalf("%s.service never recorded %q\n%s", k.name, msg, logs)
			}
			// The service ended after one message: the socket listens again.
			if !s.WaitFor(10*time.Second, func() bool { return s.Show(k.name+".socket", "SubState") == "listening" }) {
				t.Errorf("%s.socket is %s after its service ended", k.name, s.Show(k.name+".socket", "SubState"))
			}
		})
	}
}

// listenerFd finds the fd number under which process pid holds the TCP listener on 127.0.0.1:port, with its
// socket inode.
func listenerFd(t *testing.T, pid, port int) (fd int, inode string) {
	t.Helper()
	b, err := os.ReadFile("/proc/net/tcp")
	if err != nil {
		t.Fatal(err)
	}
	want := fmt.Sprintf("0100007F:%04X", port)
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) > 9 && f[1] == want && f[3] == "0A" { // 0A: LISTEN
			inode = f[9]
		}
	}
	if inode == "" {
		t.Fatalf("nothing listens on 127.0.0.1:%d", port)
	}
	dir := fmt.Sprintf("/proc/%d/fd", pid)
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		if target, _ := os.Readlink(filepath.Join(dir, e.Name())); target == "socket:["+inode+"]" {
			fd, _ = strconv.Atoi(e.Name())
			return fd, inode
		}
	}
	t.Fatalf("the core (pid %d) does not hold the listener on port %d (inode %s)", pid, port, inode)
	return 0, ""
}

// During a stream of connections the service is restarted and the socket plugin is SIGKILLed, twice each: no
// connection is refused, every request is answered, and the core holds the listener under the same fd number
// all along.
func TestSocketSurvivesRestartAndPluginKill(t *testing.T) {
	t.Parallel()
	port := freePort(t, "tcp")
	s := harness.Start(t, harness.Options{Units: map[string]string{
		"web.socket":  fmt.Sprintf("[Socket]\nListenStream=127.0.0.1:%d\n", port),
		"web.service": "[Service]\nExecStart=/etc/sysmaster/activated\n",
	}})
	copyExecutable(t, harness.BuildPlugin(t, "test/system/testdata/activated", t.TempDir()), filepath.Join(s.Etc, "activated"))
	mustSctl(t, s, "start", "web.socket")
	core := coreOf(t, s)
	fdBefore, inode := listenerFd(t, core, port)

	const requests = 400
	url := fmt.Sprintf("http://127.0.0.1:%d/", port)
	chaos := map[int]func(){
		60:  func() { mustSctl(t, s, "restart", "web.service") },
		140: func() { killPlugin(t, s, "socket") },
		220: func() { mustSctl(t, s, "restart", "web.service") },
		300: func() { killPlugin(t, s, "socket") },
	}
	var progress atomic.Int32 // requests done
	answered := 0
	servers := map[string]bool{}
	done := make(chan struct{})
	failures := make(chan string, requests)
	go func() {
		defer close(done)
		for i := 0; i < requests; i++ {
			body, err := get(url)
			progress.Add(1)
			if err != nil || !strings.HasPrefix(body, "activated pid=") {
				failures <- fmt.Sprintf("request %d: %q, %v", i, body, err)
				continue
			}
			answered++
			servers[pidField.FindStringSubmatch(body)[1]] = true
		}
	}()
	// The chaos happens while requests flow: each step when the client has come that far.
	for _, at := range []int{60, 140, 220, 300} {
		for int(progress.Load()) < at {
			select {
			case <-done:
				t.Fatalf("the client loop ended early")
			case <-time.After(2 * time.Millisecond):
			}
		}
		chaos[at]()
	}
	select {
	case <-done:
	case <-time.After(3 * time.Minute):
		t.Fatalf("the client loop did not finish")
	}
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	if answered != requests {
		logs, _, _ := s.Sctl("logs", "web.service", "web.socket")
		t.Errorf("%d of %d requests answered\n%s", answered, requests, logs)
	}
	if len(servers) < 2 {
		t.Errorf("answers came from %d server process(es), want several (the service was restarted)", len(servers))
	}
	if fdAfter, inodeAfter := listenerFd(t, core, port); fdAfter != fdBefore || inodeAfter != inode {
		t.Errorf("the core's listener moved: fd %d (inode %s) before, fd %d (inode %s) after", fdBefore, inode, fdAfter, inodeAfter)
	}
	if got := coreOf(t, s); got != core {
		t.Errorf("the core changed from pid %d to %d", core, got)
	}
}
