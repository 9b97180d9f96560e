package daemon

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/udevd/control"
	"github.com/sysmaster/sysmaster/udevd/uevent"
)

// syncBuffer collects udevd's log for the test to read while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

type testDaemon struct {
	cfg  Config
	log  *syncBuffer
	stop func() error
	done chan error
}

// startDaemon runs udevd in this process with the given rules files (name → text) and waits until its control
// socket answers.
func startDaemon(t *testing.T, rulesFiles map[string]string, timeout time.Duration) *testDaemon {
	t.Helper()
	dir := t.TempDir()
	rd := filepath.Join(dir, "rules.d")
	if err := os.MkdirAll(rd, 0o755); err != nil {
		t.Fatal(err)
	}
	for n, text := range rulesFiles {
		if err := os.WriteFile(filepath.Join(rd, n), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	td := &testDaemon{log: &syncBuffer{}}
	// /run/udev itself (a tmpfs of this test's mount namespace): libudev monitors stay silent unless
	// /run/udev/control exists.
	if err := os.RemoveAll("/run/udev"); err != nil {
		t.Fatal(err)
	}
	td.cfg = Config{RulesDirs: []string{rd}, RunDir: "/run/udev", Timeout: timeout, LogLevel: 7,
		Log: td.log, ModulesDevname: filepath.Join(dir, "modules.devname")}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	td.done = done
	go func() { done <- Run(ctx, td.cfg) }()
	var once sync.Once
	var runErr error
	td.stop = func() error {
		once.Do(func() {
			cancel()
			runErr = <-done
		})
		return runErr
	}
	t.Cleanup(func() {
		if err := td.stop(); err != nil {
			t.Errorf("udevd: %v", err)
		}
		if t.Failed() {
			t.Logf("udevd log:\n%s", td.log.String())
		}
	})
	sock := filepath.Join(td.cfg.RunDir, "control")
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, c := context.WithTimeout(context.Background(), time.Second)
		err := control.Send(ctx, sock, "ping", "")
		c()
		if err == nil {
			return td
		}
		select {
		case err := <-done:
			t.Fatalf("udevd exited: %v\n%s", err, td.log.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("udevd's control socket does not answer: %v", err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func changeLo(t *testing.T) {
	t.Helper()
	if err := os.WriteFile("/sys/class/net/lo/uevent", []byte("change"), 0); err != nil {
		t.Fatal(err)
	}
}

// monitor listens on the udev group like a libudev client.
func monitor(t *testing.T) *uevent.Conn {
	t.Helper()
	c, err := uevent.Open(uevent.GroupUdev)
	if err != nil {
		t.Fatal(err)
	}
	// A receive timeout, so that readers can check whether to stop (receiveUntil).
	tv := unix.NsecToTimeval((200 * time.Millisecond).Nanoseconds())
	if err := unix.SetsockoptTimeval(c.FD(), unix.SOL_SOCKET, unix.SO_RCVTIMEO, &tv); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

// TestRulesAndDatabase: a change of lo runs the rules; the database entry (as Debian's udevadm info reads it), the
// tag index and the broadcast carry what they set; a malformed rules file is reported with file:line and the other files still apply.
func TestRulesAndDatabase(t *testing.T) {
	td := startDaemon(t, map[string]string{
		"00-bad.rules":  "SUBSYSTEM==\"net\", ENV{BAD_BEFORE}=\"1\"\nTHIS IS NOT A RULE\nKERNEL==\"lo\", BOGUS{x}=\"y\"\n",
		"10-good.rules": "SUBSYSTEM==\"net\", KERNEL==\"lo\", ENV{UDEVD_TEST}=\"good\", TAG+=\"udevdtest\"\n",
	}, 0)
	mon := monitor(t)
	changeLo(t)
	m := receiveFor(t, mon, "/devices/virtual/net/lo")
	if m.Get("UDEVD_TEST") != "good" || m.Get("BAD_BEFORE") != "1" || m.Get("TAGS") != ":udevdtest:" ||
		m.Get("USEC_INITIALIZED") == "" {
		t.Fatalf("broadcast properties: %v", m.Values)
	}
	data, err := os.ReadFile(filepath.Join(td.cfg.RunDir, "data/n1"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"E:UDEVD_TEST=good\n", "E:BAD_BEFORE=1\n", "G:udevdtest\n", "Q:udevdtest\n"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("database entry lacks %q:\n%s", want, data)
		}
	}
	if _, err := os.Stat(filepath.Join(td.cfg.RunDir, "tags/udevdtest/n1")); err != nil {
		t.Errorf("tag index: %v", err)
	}
	// Debian's udevadm reads the same entry.
	info, err := exec.Command(filepath.Join(needDebian(t), "bin/udevadm"), "info", "-q", "property",
		"/sys/class/net/lo").CombinedOutput()
	if err != nil || !strings.Contains(string(info), "UDEVD_TEST=good\n") || !strings.Contains(string(info), "TAGS=:udevdtest:\n") {
		t.Errorf("udevadm info -q property: %v\n%s", err, info)
	}
	log := td.log.String()
	for _, want := range []string{"00-bad.rules:2 ", "00-bad.rules:3 "} {
		if !strings.Contains(log, want) {
			t.Errorf("log does not report %q:\n%s", want, log)
		}
	}
}

func receiveFor(t *testing.T, mon *uevent.Conn, devpath string) *uevent.Message {
	t.Helper()
	return receiveUntil(t, mon, 30*time.Second, func(m *uevent.Message) bool { return m.Devpath() == devpath })
}

// receiveUntil returns the first message on mon that satisfies match, failing the test after timeout. Its
// reader stops before it returns (the monitor's receive timeout lets it look), so no reader outlives the call
// and later reads a descriptor number reused by another socket.
func receiveUntil(t *testing.T, mon *uevent.Conn, timeout time.Duration, match func(*uevent.Message) bool) *uevent.Message {
	t.Helper()
	got := make(chan *uevent.Message, 1)
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			default:
			}
			m, err := mon.Receive()
			if err == nil && match(m) {
				got <- m
				return
			}
		}
	}()
	defer wg.Wait()
	defer close(stop)
	select {
	case m := <-got:
		return m
	case <-time.After(timeout):
		t.Fatal("no matching broadcast")
		return nil
	}
}

// TestProgramTimeout: a PROGRAM that hangs is killed at the event timeout, and the event ends: the kernel's
// event is broadcast as received.
func TestProgramTimeout(t *testing.T) {
	marker := fmt.Sprintf("%d.4242", time.Now().UnixNano()%100000)
	startDaemon(t, map[string]string{
		"10-hang.rules": "SUBSYSTEM==\"net\", KERNEL==\"lo\", PROGRAM==\"/bin/sleep " + marker + "\", ENV{NOT}=\"reached\"\n" +
			"SUBSYSTEM==\"net\", KERNEL==\"lo\", ENV{AFTER}=\"yes\"\n",
	}, 2*time.Second)
	mon := monitor(t)
	start := time.Now()
	changeLo(t)
	m := receiveFor(t, mon, "/devices/virtual/net/lo")
	took := time.Since(start)
	if took < 2*time.Second {
		t.Fatalf("event finished after %s, before its 2s timeout", took)
	}
	// As systemd-udevd does for a worker killed at the timeout, the kernel's event goes out unamended.
	if m.Get("AFTER") != "" || m.Get("NOT") != "" || m.Get("ACTION") != "change" {
		t.Fatalf("properties after the timeout: %v", m.Values)
	}
	procs, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, p := range procs {
		if b, err := os.ReadFile(p); err == nil && bytes.Contains(b, []byte(marker)) {
			t.Fatalf("the hung program still runs: %s", p)
		}
	}
	t.Logf("event with a hung PROGRAM finished after %s", took.Round(time.Millisecond))
}

// TestBroadcastToDebianClients: Debian's `udevadm monitor --udev` and a python3-pyudev Monitor (filtering by
// subsystem and tag, so their socket filters check the header's hashes and bloom filter) receive the event
// with the properties the rules set.
func TestBroadcastToDebianClients(t *testing.T) {
	root := needDebian(t)
	startDaemon(t, map[string]string{
		"10-tag.rules": "SUBSYSTEM==\"net\", KERNEL==\"lo\", ENV{UDEVD_TEST}=\"pyudev\", TAG+=\"udevdtest\"\n",
	}, 0)
	udevadm := exec.Command(filepath.Join(root, "bin/udevadm"), "monitor", "--udev", "--property",
		"--subsystem-match=net", "--tag-match=udevdtest")
	py := exec.Command("/usr/bin/python3", "-u", "-c", `
import sys, pyudev
ctx = pyudev.Context()
mon = pyudev.Monitor.from_netlink(ctx, source='udev')
mon.filter_by(subsystem='net')
mon.filter_by_tag('udevdtest')
mon.start()
print('ready', flush=True)
for dev in iter(mon.poll, None):
    print('event', dev.action, dev.sys_path, dev.properties.get('UDEVD_TEST'), 'udevdtest' in dev.tags, flush=True)
`)
	py.Env = append(os.Environ(), "PYTHONPATH="+filepath.Join(root, "usr/lib/python3/dist-packages"))
	lines := make(chan string, 100)
	for _, c := range []*exec.Cmd{udevadm, py} {
		out, err := c.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		c.Stderr = os.Stderr
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
		name := filepath.Base(c.Path)
		go func() {
			sc := bufio.NewScanner(out)
			for sc.Scan() {
				lines <- name + ": " + sc.Text()
			}
		}()
		t.Cleanup(func() { _ = c.Process.Kill(); _ = c.Wait() })
	}
	// Both print a first line once their socket is bound.
	ready := map[string]bool{}
	deadline := time.After(30 * time.Second)
	for len(ready) < 2 {
		select {
		case l := <-lines:
			ready[strings.SplitN(l, ":", 2)[0]] = true
		case <-deadline:
			t.Fatalf("monitors not ready: %v", ready)
		}
	}
	// udevadm prints its first line before it binds its socket: the change is repeated until both saw one.
	changeLo(t)
	again := time.NewTicker(2 * time.Second)
	defer again.Stop()
	var seenUdevadm, seenPy bool
	var out []string
	for !seenUdevadm || !seenPy {
		select {
		case <-again.C:
			changeLo(t)
		case l := <-lines:
			out = append(out, l)
			switch {
			case strings.HasPrefix(l, "udevadm: UDEVD_TEST=pyudev"):
				seenUdevadm = true
			case strings.HasPrefix(l, "python3: event change /sys/devices/virtual/net/lo pyudev True"):
				seenPy = true
			}
		case <-deadline:
			t.Fatalf("udevadm saw the event: %v, pyudev: %v; output:\n%s", seenUdevadm, seenPy, strings.Join(out, "\n"))
		}
	}
}

// TestForgedKernelEvent: a process (even root) sending a kernel-format event to the kernel's group is not
// trusted: udevd drops it, and processes the kernel's next event as usual.
func TestForgedKernelEvent(t *testing.T) {
	td := startDaemon(t, map[string]string{"10-net.rules": "SUBSYSTEM==\"net\", ENV{SEEN}=\"1\"\n"}, 0)
	mon := monitor(t)
	forger, err := uevent.Open(0)
	if err != nil {
		t.Fatal(err)
	}
	defer forger.Close()
	m := uevent.NewMessage()
	for _, kv := range [][2]string{{"ACTION", "add"}, {"DEVPATH", "/devices/virtual/net/forged0"}, {"SUBSYSTEM", "net"},
		{"INTERFACE", "forged0"}, {"IFINDEX", "77"}, {"SEQNUM", "1"}} {
		m.Set(kv[0], kv[1])
	}
	if err := unix.Sendto(forger.FD(), m.Kernel(), 0, &unix.SockaddrNetlink{Family: unix.AF_NETLINK,
		Groups: uevent.GroupKernel}); err != nil {
		t.Fatal(err)
	}
	changeLo(t)
	// Both reached udevd's socket in this order: once lo's event is out, the forged one was dealt with.
	got := receiveUntil(t, mon, 30*time.Second, func(m *uevent.Message) bool {
		return m.Devpath() == "/devices/virtual/net/lo" || m.Devpath() == "/devices/virtual/net/forged0"
	})
	if got.Devpath() != "/devices/virtual/net/lo" || got.Get("SEEN") != "1" {
		t.Fatalf("first broadcast: %v", got.Values)
	}
	if _, err := os.Stat(filepath.Join(td.cfg.RunDir, "data/n77")); err == nil {
		t.Fatal("the forged event was processed")
	}
	if !strings.Contains(td.log.String(), "kernel group message from port") {
		t.Errorf("the forged event is not reported:\n%s", td.log.String())
	}
}

// TestRenameNetif: NAME= on an "add" event renames the interface (lo of this test's network namespace, down),
// and the kernel's "move" event for the new name is processed with the old devpath in DEVPATH_OLD.
func TestRenameNetif(t *testing.T) {
	startDaemon(t, map[string]string{
		"10-name.rules": "SUBSYSTEM==\"net\", ACTION==\"add\", KERNEL==\"lo\", NAME=\"udevtest0\"\n" +
			"SUBSYSTEM==\"net\", ACTION==\"move\", ENV{MOVED}=\"yes\"\n",
	}, 0)
	defer func() {
		// Back to lo for the other tests.
		if _, err := os.Stat("/sys/class/net/udevtest0"); err == nil {
			if err := renameNetif(1, "lo"); err != nil {
				t.Errorf("renaming back: %v", err)
			}
		}
	}()
	mon := monitor(t)
	if err := os.WriteFile("/sys/class/net/lo/uevent", []byte("add"), 0); err != nil {
		t.Fatal(err)
	}
	added := receiveUntil(t, mon, 30*time.Second, func(m *uevent.Message) bool { return m.Action() == "add" })
	if added.Get("INTERFACE") != "udevtest0" || added.Get("INTERFACE_OLD") != "lo" {
		t.Fatalf("add event after the rename: %v", added.Values)
	}
	moved := receiveUntil(t, mon, 30*time.Second, func(m *uevent.Message) bool { return m.Action() == "move" })
	if moved.Devpath() != "/devices/virtual/net/udevtest0" || moved.Get("DEVPATH_OLD") != "/devices/virtual/net/lo" ||
		moved.Get("MOVED") != "yes" {
		t.Fatalf("move event: %v", moved.Values)
	}
	if _, err := os.Stat("/sys/class/net/udevtest0"); err != nil {
		t.Fatal(err)
	}
}
