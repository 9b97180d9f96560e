package pid1

import (
	"bufio"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

func TestStoreLimit(t *testing.T) {
	for _, tc := range []struct {
		nofile uint64
		want   int
	}{{0, 0}, {512, 0}, {612, 100}, {1024, 512}, {4096, 3584}, {1 << 20, maxStoredFds}} {
		if got := storeLimit(tc.nofile); got != tc.want {
			t.Errorf("storeLimit(%d) = %d, want %d", tc.nofile, got, tc.want)
		}
	}
}

func isOpen(fd int) bool {
	_, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
	return err == nil
}

// pipeFd is the read end of a fresh pipe, as a raw descriptor the test owns.
func pipeFd(t *testing.T) int {
	t.Helper()
	var p [2]int
	if err := unix.Pipe2(p[:], unix.O_CLOEXEC); err != nil {
		t.Fatal(err)
	}
	unix.Close(p[1])
	t.Cleanup(func() { unix.Close(p[0]) }) // harmless when the store closed it: nothing reuses it meanwhile
	return p[0]
}

// The store takes a packet's descriptors whole or not at all, replaces (closing the old copy), removes
// (closing), and keeps to its limit.
func TestFdStore(t *testing.T) {
	st := newFdStore(3)
	a, b, c, d := pipeFd(t), pipeFd(t), pipeFd(t), pipeFd(t)
	if err := st.put([]string{"a", "b"}, []int{a, b}); err != nil {
		t.Fatal(err)
	}
	if err := st.put([]string{"c", "d"}, []int{c, d}); err == nil {
		t.Fatal("a fourth descriptor taken with a limit of three")
	}
	if st.len() != 2 || !isOpen(c) || !isOpen(d) {
		t.Fatalf("a refused put changed the store (%d kept) or closed the caller's descriptors", st.len())
	}
	a2 := pipeFd(t)
	if err := st.put([]string{"a", "c"}, []int{a2, c}); err != nil {
		t.Fatal(err)
	}
	if isOpen(a) {
		t.Error("the replaced descriptor is still open")
	}
	if fd, _ := st.get("a"); fd != a2 {
		t.Errorf("a is %d, want %d", fd, a2)
	}
	if err := st.put([]string{"b"}, []int{b}); err != nil || !isOpen(b) {
		t.Errorf("storing the same descriptor again under its name: %v, open %v", err, isOpen(b))
	}
	if got := st.names(); !reflect.DeepEqual(got, []string{"a", "b", "c"}) {
		t.Errorf("names %v", got)
	}
	if n := st.remove([]string{"b", "nothing", "b"}); n != 1 || isOpen(b) || st.len() != 2 {
		t.Errorf("remove: %d removed, b open %v, %d kept", n, isOpen(b), st.len())
	}
	if err := st.put([]string{"d"}, []int{d}); err != nil {
		t.Errorf("room after the removal: %v", err)
	}
}

// (fd store) A core stores a listening socket and a pipe and dies by SIGKILL; the next gets both back under
// their names: the listener kept the connection made while no core ran, the pipe what was written meanwhile.
// It removes the pipe, and init closes its copy; the third core gets the listener only.
func TestFdStoreSurvivesCoreCrash(t *testing.T) {
	t.Parallel()
	s := boot(t, bootOpts{mode: "fdstore"})
	s.waitLog("stored", 10*time.Second)
	first := s.starts()[0]
	if err := signalPid(s.hostPid(first.pid), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.waitConsole(fmt.Sprintf("the core (pid %d) ended, code=killed, signal=KILL", first.pid), 5*time.Second)
	c, err := net.Dial("unix", filepath.Join(s.dir, "listen.sock"))
	if err != nil {
		t.Fatalf("no listener on listen.sock once the core died: %v", err)
	}
	defer c.Close()
	if err := os.WriteFile(filepath.Join(s.dir, "write-now"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.waitLog("accepted", 30*time.Second)
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "core 2\n" {
		t.Errorf("the connection made while no core ran got %q, %v", line, err)
	}
	log := logSince(s.log(), 2)
	for _, want := range []string{"got listen,pipe\n", "pipe: before|meanwhile| (<nil>)\n"} {
		if !strings.Contains(log, want) {
			t.Errorf("the second core's log lacks %q:\n%s\nconsole:\n%s", want, log, s.console)
		}
	}
	if !strings.Contains(s.console.String(), "handing it back 2 descriptors kept for it") {
		t.Errorf("console:\n%s", s.console)
	}

	before := initFds(s.init)
	if err := os.WriteFile(filepath.Join(s.dir, "remove-now"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.waitLog("removed", 10*time.Second)
	s.waitFor("init to close the pipe", 5*time.Second, func() bool { return initFds(s.init) == before-1 })
	second := s.starts()[1]
	if err := signalPid(s.hostPid(second.pid), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.waitFor("the third core", 10*time.Second, func() bool { return strings.Contains(logSince(s.log(), 3), "got ") })
	if log := logSince(s.log(), 3); !strings.Contains(log, "got listen\n") {
		t.Errorf("the third core's log:\n%s", log)
	}
}

// (bad messages) Packets init must refuse, descriptors attached, neither break the link nor leave a descriptor
// open in init; the store goes on working.
func TestFdStoreRefusesBadPackets(t *testing.T) {
	t.Parallel()
	s := boot(t, bootOpts{mode: "badfds"})
	s.waitLog("got \n", 10*time.Second)
	time.Sleep(100 * time.Millisecond)
	before := initFds(s.init)
	if err := os.WriteFile(filepath.Join(s.dir, "go"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.waitLog("sent", 10*time.Second)
	s.waitFor("init to keep exactly one more descriptor", 5*time.Second, func() bool { return initFds(s.init) == before+1 })
	time.Sleep(300 * time.Millisecond)
	if n := initFds(s.init); n != before+1 {
		t.Errorf("init holds %d descriptors, %d before the bad packets and one stored", n, before)
	}
	con := s.console.String()
	for _, want := range []string{
		`from the core: initproto: bad packet: "heartbeat" message of 0 names with 1 descriptors`,
		`from the core: initproto: bad packet: "store-fds" message of 2 names with 1 descriptors`,
		`from the core: initproto: bad packet: store-fds: bad name "nnnnn`,
		`from the core: initproto: bad packet: store-fds: name "a" twice (2 descriptors closed)`,
		`from the core: unexpected "fds" message`,
		`from the core: initproto: bad packet: unknown message type "launch" (3 descriptors closed)`,
		`from the core: unexpected "exit" message`,
		`from the core: initproto: bad packet: more than 65536 bytes`,
	} {
		if !strings.Contains(con, want) {
			t.Errorf("console lacks %q:\n%s", want, con)
		}
	}
	if log := s.log(); strings.Contains(log, "error") || len(s.starts()) != 1 {
		t.Fatalf("the core's link broke:\n%s\nconsole:\n%s", log, con)
	}
	if err := signalPid(s.hostPid(s.starts()[0].pid), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.waitFor("the second core", 10*time.Second, func() bool { return strings.Contains(logSince(s.log(), 2), "got ") })
	if log := logSince(s.log(), 2); !strings.Contains(log, "got ok\n") {
		t.Errorf("the second core's log:\n%s", log)
	}
}

// (limit) Under RLIMIT_NOFILE 612 init keeps at most 100 descriptors: a store that would pass that is refused
// whole, and the core told; replacing one still works.
func TestFdStoreLimit(t *testing.T) {
	t.Parallel()
	s := boot(t, bootOpts{mode: "limit", prelude: "ulimit -n 612"})
	s.waitLog("refused 60", 10*time.Second)
	s.waitLog("sent", 10*time.Second)
	s.waitConsole("refusing to keep 60 descriptors for the core: the store is full: it keeps 60 of at most 100", time.Second)
	if err := signalPid(s.hostPid(s.starts()[0].pid), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.waitFor("the second core", 10*time.Second, func() bool { return strings.Contains(logSince(s.log(), 2), "got ") })
	if log := logSince(s.log(), 2); !strings.Contains(log, "got 60 p000..p059\n") {
		t.Errorf("the second core's log:\n%s", log)
	}
}

// buildInit builds cmd/init with the version set at link time.
func buildInit(t *testing.T, path, version string) {
	t.Helper()
	out, err := exec.Command("go", "build", "-o", path, "-ldflags", "-X github.com/sysmaster/sysmaster/host/pid1.Version="+version,
		"github.com/sysmaster/sysmaster/cmd/init").CombinedOutput()
	if err != nil {
		t.Fatalf("go build cmd/init: %v\n%s", err, out)
	}
}

// replaceBinary puts the binary at from in place of the one at to, as a package upgrade does (rename).
func replaceBinary(t *testing.T, from, to string) {
	t.Helper()
	b, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to+".new", b, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(to+".new", to); err != nil {
		t.Fatal(err)
	}
}

func signalMasks(t *testing.T, pid int) string {
	t.Helper()
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(line, "SigCgt:") || strings.HasPrefix(line, "SigIgn:") {
			out = append(out, line)
		}
	}
	return strings.Join(out, " ")
}

// (re-execution) init re-executes the binary now on disk, asked by the core and by SIGUSR2, and stays PID 1:
// the core's link survives (no restart, no error), so do the kept descriptors, the exits queued while no core
// listens, and the numbering; exits that happen around the re-execution are delivered exactly once.
func TestReexec(t *testing.T) {
	t.Parallel()
	bins := t.TempDir()
	bin := filepath.Join(bins, "init")
	for _, v := range []string{"v2", "v3"} {
		buildInit(t, filepath.Join(bins, "init-"+v), v)
	}
	replaceBinary(t, initBinary(t), bin)
	s := boot(t, bootOpts{mode: "reexec", bin: bin})
	s.waitLog("stored", 15*time.Second)
	time.Sleep(100 * time.Millisecond) // init takes in the store
	fds, masks := initFds(s.init), signalMasks(t, s.init)
	var burst []int
	for _, line := range strings.Split(s.log(), "\n") {
		var pid int
		if _, err := fmt.Sscanf(line, "burst pid=%d", &pid); err == nil {
			burst = append(burst, pid)
		}
	}
	if len(burst) != 20 {
		t.Fatalf("%d orphans left:\n%s", len(burst), s.log())
	}

	// 1. Asked by the core, while 20 orphans end.
	replaceBinary(t, filepath.Join(bins, "init-v2"), bin)
	if err := os.WriteFile(filepath.Join(s.dir, "burst"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.waitConsole("the core asks: re-executing "+bin+" (version dev, now v2)", 10*time.Second)
	s.waitConsole("version v2 re-executed (was dev); the core is pid ", 10*time.Second)
	s.waitFor("the 20 exits", 15*time.Second, func() bool { pids, _ := exitsIn(s.log()); return len(pids) >= 20 })
	time.Sleep(200 * time.Millisecond) // a duplicate would come now
	pids, seqs := exitsIn(s.log())
	if !reflect.DeepEqual(sortedInts(pids), sortedInts(burst)) {
		t.Errorf("exits of %v, want each of %v once", pids, burst)
	}
	for i, seq := range seqs {
		if seq != uint64(i+1) {
			t.Errorf("exit %d has seq %d:\n%s", i+1, seq, s.log())
		}
	}
	if exe, err := os.Readlink(fmt.Sprintf("/proc/%d/exe", s.init)); err != nil || exe != bin {
		t.Errorf("init runs %q (%v), want %s, the binary now on disk", exe, err, bin)
	}
	if st, err := readStat(s.init); err != nil || st.comm != "init" {
		t.Fatalf("init: %+v %v", st, err)
	}
	s.waitFor("init's descriptors as before", 5*time.Second, func() bool { return initFds(s.init) == fds })
	if got := signalMasks(t, s.init); got != masks {
		t.Errorf("signals after the re-execution: %s, before: %s", got, masks)
	}
	if log := s.log(); strings.Contains(log, "error") || len(s.starts()) != 1 {
		t.Fatalf("the core's link did not survive:\n%s\nconsole:\n%s", log, s.console)
	}

	// 2. By SIGUSR2, while the core is dead and three exits wait for the next.
	if err := os.WriteFile(filepath.Join(s.dir, "die"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.waitLog("orphans reaped: 3", 15*time.Second)
	replaceBinary(t, filepath.Join(bins, "init-v3"), bin)
	if err := signalPid(s.init, syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	s.waitConsole("version v3 re-executed (was v2); the core is pid ", 10*time.Second)
	s.waitConsole("3 exits kept until acknowledged, 2 descriptors kept", time.Second)
	c, err := net.Dial("unix", filepath.Join(s.dir, "listen.sock"))
	if err != nil {
		t.Fatalf("no listener on listen.sock after the re-execution: %v", err)
	}
	defer c.Close()
	if err := os.WriteFile(filepath.Join(s.dir, "hello-now"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.waitFor("the second core's exits", 15*time.Second, func() bool {
		return strings.Contains(logSince(s.log(), 2), "ready") && strings.Contains(logSince(s.log(), 2), "accepted")
	})
	log := logSince(s.log(), 2)
	var chain []int
	for _, line := range strings.Split(s.log(), "\n") {
		var pid int
		if _, err := fmt.Sscanf(line, "orphan pid=%d", &pid); err == nil {
			chain = append(chain, pid)
		}
	}
	pids, seqs = exitsIn(log)
	if !reflect.DeepEqual(pids, chain) || !reflect.DeepEqual(seqs, []uint64{21, 22, 23}) {
		t.Errorf("the second core got exits %v seq %v, want %v seq 21..23:\n%s", pids, seqs, chain, log)
	}
	for _, want := range []string{"got listen,pipe\n", "pipe: before| (<nil>)\n"} {
		if !strings.Contains(log, want) {
			t.Errorf("the second core's log lacks %q:\n%s", want, log)
		}
	}
	c.SetReadDeadline(time.Now().Add(10 * time.Second))
	if line, err := bufio.NewReader(c).ReadString('\n'); err != nil || line != "core 2\n" {
		t.Errorf("the connection made across the re-execution got %q, %v", line, err)
	}
	if strings.Contains(s.console.String(), "SIGABRT") || strings.Contains(s.console.String(), "cannot") {
		t.Errorf("console:\n%s", s.console)
	}
}

// A binary that does not answer the check is not executed: init goes on as it was.
func TestReexecRefusesABrokenBinary(t *testing.T) {
	t.Parallel()
	bin := filepath.Join(t.TempDir(), "init")
	replaceBinary(t, initBinary(t), bin)
	s := boot(t, bootOpts{mode: "serve", bin: bin})
	s.waitLog("ready", 10*time.Second)
	if err := os.WriteFile(bin+".new", []byte("#!/bin/sh\necho sysmaster-init v9 state-formats=999\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(bin+".new", bin); err != nil {
		t.Fatal(err)
	}
	if err := signalPid(s.init, syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	s.waitConsole(`SIGUSR2: not re-executing `+bin+`: `+bin+` --sysmaster-init-check answered "sysmaster-init v9 state-formats=999\n", not state format 1`, 10*time.Second)
	if err := signalPid(s.init, syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if got := s.waitEnd(20 * time.Second); got != syscall.SIGINT {
		t.Errorf("namespace ended by %v", got)
	}
	if strings.Contains(s.log(), "error") || len(s.starts()) != 1 {
		t.Errorf("core log:\n%s", s.log())
	}
}
