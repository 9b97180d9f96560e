package pid1

import (
	"fmt"
	"net"
	"os"
	"reflect"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// linkedInitd is an init in this process, its core (pid 4242) connected over a socketpair: the test plays the
// core on the other end.
func linkedInitd(t *testing.T) (*initd, *initproto.Conn) {
	t.Helper()
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_SEQPACKET|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		t.Fatal(err)
	}
	conns := make([]*net.UnixConn, 2)
	for i, fd := range fds {
		f := os.NewFile(uintptr(fd), "seqpacket")
		c, err := net.FileConn(f)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c.(*net.UnixConn)
		t.Cleanup(func() { c.Close() })
	}
	s := &initd{msgs: make(chan linkMsg, 64), retry: time.NewTimer(time.Hour), store: newFdStore(8)}
	s.core = coreProc{pid: 4242, started: time.Now()}
	s.link = &link{c: conns[0]}
	return s, initproto.NewConn(conns[1])
}

// from hands init a message from its core, as its reader would.
func (s *initd) from(m initproto.Msg) { s.handle(linkMsg{c: s.link.c, m: m}) }

// received is what the core has been sent so far: "fds-done", "ready", and the Seq of each exit.
func received(t *testing.T, c *initproto.Conn) []string {
	t.Helper()
	var got []string
	for {
		c.SetDeadline(time.Now().Add(50 * time.Millisecond))
		m, err := c.Recv()
		if err != nil {
			if !os.IsTimeout(err) {
				t.Fatal(err)
			}
			return got
		}
		if m.Type == initproto.TypeExit {
			got = append(got, fmt.Sprint(m.Seq))
		} else {
			got = append(got, m.Type)
		}
	}
}

func seqs(from, to int) []string {
	var out []string
	for i := from; i <= to; i++ {
		out = append(out, fmt.Sprint(i))
	}
	return out
}

func list(parts ...any) []string {
	var out []string
	for _, p := range parts {
		switch p := p.(type) {
		case string:
			out = append(out, p)
		case []string:
			out = append(out, p...)
		}
	}
	return out
}

// Exits stay kept once sent, until acknowledged; every hello gets what is kept again, in Seq order and after the
// descriptors, and then what is new; acks init did not send, or that go back, change nothing; beyond the bound
// the oldest go, sent or not.
func TestAckedDelivery(t *testing.T) {
	s, core := linkedInitd(t)
	s.exits.max = 4
	hello := initproto.Msg{Type: initproto.TypeHello, Pid: 4242}
	ack := func(seq uint64) { s.from(initproto.Msg{Type: initproto.TypeAck, Seq: seq}) }
	kept := func() []string {
		var out []string
		for i := range s.exits.len() {
			out = append(out, fmt.Sprint(s.exits.at(i).Seq))
		}
		return out
	}
	step := func(what string, got, want []string) {
		t.Helper()
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("%s: %q, want %q", what, got, want)
		}
	}

	for i := range 3 {
		s.keepExit(100+i, initproto.CodeExited, 0)
	}
	s.flush()
	step("before hello", received(t, core), nil)
	s.from(hello)
	step("at hello", received(t, core), list("fds-done", seqs(1, 3), "ready"))

	ack(99) // not sent
	step("after ack 99", kept(), seqs(1, 3))
	ack(2)
	step("after ack 2", kept(), seqs(3, 3))
	ack(1) // back
	ack(2) // again
	step("after acks going back", kept(), seqs(3, 3))

	for i := range 3 {
		s.keepExit(200+i, initproto.CodeKilled, 9)
	}
	s.flush()
	step("live", received(t, core), seqs(4, 6))
	step("kept", kept(), seqs(3, 6))
	ack(7) // not yet reaped
	step("after ack 7", kept(), seqs(3, 6))

	s.keepExit(300, initproto.CodeExited, 1) // beyond the bound: 3 goes, sent
	s.keepExit(301, initproto.CodeExited, 1) // and 4
	s.flush()
	step("live beyond the bound", received(t, core), seqs(7, 8))
	step("kept beyond the bound", kept(), seqs(5, 8))
	if s.exits.dropped != 2 {
		t.Fatalf("dropped %d, want 2", s.exits.dropped)
	}

	s.from(hello) // the core re-executed, or the next one
	step("second hello", received(t, core), list("fds-done", seqs(5, 8), "ready"))
	ack(6)
	step("after ack 6", kept(), seqs(7, 8))

	// A bad ack on the wire is refused, and the link stays.
	core.SetDeadline(time.Time{})
	go func() {
		core.Send(initproto.Msg{Type: initproto.TypeAck}) // Seq 0
		core.Ack(8)
	}()
	s.startReader(s.link)
	for range 2 {
		select {
		case lm := <-s.msgs:
			s.handle(lm)
		case <-time.After(5 * time.Second):
			t.Fatal("nothing read")
		}
	}
	if s.link == nil {
		t.Fatal("a bad ack dropped the link")
	}
	step("after ack 8 over the wire", kept(), nil)
	s.from(hello)
	step("third hello", received(t, core), list("fds-done", "ready"))

	// The state of a re-execution carries what is kept and how far it was sent.
	s.keepExit(400, initproto.CodeExited, 0)
	s.keepExit(401, initproto.CodeExited, 0)
	s.flush()
	step("live again", received(t, core), seqs(9, 10))
	s.keepExit(402, initproto.CodeExited, 0) // kept, not sent: as if the core's socket were full
	st, _, err := s.state()
	if err != nil {
		t.Fatal(err)
	}
	var stSeqs []string
	for _, m := range st.Exits {
		stSeqs = append(stSeqs, fmt.Sprint(m.Seq))
	}
	step("state", stSeqs, seqs(9, 11))
	if st.Link == nil || st.Link.Sent != 10 || st.Seq != 11 || st.Dropped != 2 {
		t.Fatalf("state: link %+v, seq %d, dropped %d", st.Link, st.Seq, st.Dropped)
	}
}

// The ack tests' fake cores (PID1_FAKE_CORE=ack or ackreexec; n counts the cores started so far). They note
// exits as the others do, but acknowledge only what the test asks for:
//   - ack: the first core leaves three orphans (exit 1, 2, 3), notes their exits without acknowledging them,
//     notes "unacked 3" and waits for the test to SIGKILL it. The second gets them again, acknowledges 99 (not
//     sent), then sends an ack of seq 0 (a bad packet), then acknowledges 2 and 1 (back), leaves one more
//     orphan (exit 7), notes its exit and SIGKILLs itself. The third acknowledges what it gets at hello, leaves
//     one more orphan (exit 8), acknowledges its exit and SIGKILLs itself. The fourth serves.
//   - ackreexec: the first core leaves three orphans and notes their exits without acknowledging them, notes
//     "unacked 3", and once $DIR/reexeced exists (init re-executed meanwhile) leaves one more (exit 4) and notes
//     its exit. Then it does what a core's re-execution does to its link: closes it, dials again and says hello
//     ("hello again"), takes the exits until "ready" and acknowledges the last; then once more, and serves.
func ackCore(mode, dir string, n int) int {
	conn, err := dialInit()
	if err != nil {
		note(dir, "error: %v", err)
		return 1
	}
	if err := conn.Hello(os.Getpid()); err != nil {
		note(dir, "error: hello: %v", err)
		return 1
	}
	note(dir, "hello")
	fail := func(err error) int {
		note(dir, "error: %v", err)
		return 1
	}
	untilReady := func() (last uint64, err error) {
		return recvNoting(dir, conn, func(m initproto.Msg) bool { return m.Type == initproto.TypeReady })
	}
	exits := func(k int) (last uint64, err error) {
		return recvNoting(dir, conn, func(m initproto.Msg) bool {
			if m.Type == initproto.TypeExit {
				k--
			}
			return k == 0
		})
	}
	leave := func(name string, status int) {
		note(dir, "%s pid=%d", name, orphan(dir, name, fmt.Sprintf("exit %d", status)))
	}
	switch {
	case mode == "ack" && n == 1, mode == "ackreexec" && n == 1:
		if _, err := untilReady(); err != nil {
			return fail(err)
		}
		for i := 1; i <= 3; i++ {
			leave(fmt.Sprintf("noack%d", i), i)
		}
		if _, err := exits(3); err != nil {
			return fail(err)
		}
		note(dir, "unacked 3")
		if mode == "ack" {
			time.Sleep(time.Hour)
			return 0
		}
		waitFile(dir, "reexeced")
		leave("live4", 4)
		if _, err := exits(1); err != nil {
			return fail(err)
		}
		for range 2 {
			conn.Close()
			if conn, err = dialInit(); err != nil {
				return fail(err)
			}
			if err := conn.Hello(os.Getpid()); err != nil {
				return fail(err)
			}
			note(dir, "hello again")
			last, err := untilReady()
			if err != nil {
				return fail(err)
			}
			if last > 0 {
				if err := conn.Ack(last); err != nil {
					return fail(err)
				}
			}
		}
		note(dir, "done")
	case mode == "ack" && n == 2:
		if _, err := untilReady(); err != nil {
			return fail(err)
		}
		for _, err := range []error{conn.Ack(99), conn.Send(initproto.Msg{Type: initproto.TypeAck}), conn.Ack(2), conn.Ack(1)} {
			if err != nil {
				return fail(err)
			}
		}
		note(dir, "acks sent")
		leave("live7", 7)
		if _, err := exits(1); err != nil {
			return fail(err)
		}
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Hour)
	case mode == "ack" && n == 3:
		last, err := untilReady()
		if err == nil {
			err = conn.Ack(last)
		}
		if err != nil {
			return fail(err)
		}
		leave("live8", 8)
		if last, err = exits(1); err == nil {
			err = conn.Ack(last)
		}
		if err != nil {
			return fail(err)
		}
		note(dir, "acked")
		syscall.Kill(os.Getpid(), syscall.SIGKILL)
		time.Sleep(time.Hour)
	default:
		if _, err := untilReady(); err != nil {
			return fail(err)
		}
	}
	serve(dir, conn) // heartbeats, notes and acknowledges
	return 0
}

// recvNoting receives from init, noting exits and "ready", until stop holds for a message; last is the Seq of
// the last exit received.
func recvNoting(dir string, conn *initproto.Conn, stop func(initproto.Msg) bool) (last uint64, err error) {
	conn.SetDeadline(time.Now().Add(30 * time.Second))
	defer conn.SetDeadline(time.Time{})
	for {
		m, err := conn.Recv()
		if err != nil {
			return last, fmt.Errorf("recv: %w", err)
		}
		switch m.Type {
		case initproto.TypeExit:
			note(dir, "exit pid=%d code=%d status=%d seq=%d", m.Pid, m.Code, m.Status, m.Seq)
			last = m.Seq
		case initproto.TypeReady:
			note(dir, "ready")
		}
		if stop(m) {
			return last, nil
		}
	}
}

// coreLog is the part of the core log of the n-th core (from 1).
func coreLog(log string, n int) string {
	log = logSince(log, n)
	if i := strings.Index(log, fmt.Sprintf("start n=%d ", n+1)); i >= 0 {
		log = log[:i]
	}
	return log
}

// pidsNoted are the pids of the "NAME pid=P" lines of a log, for the names given, in that order.
func pidsNoted(t *testing.T, log string, names ...string) []int {
	t.Helper()
	var out []int
	for _, name := range names {
		pid := 0
		for _, line := range strings.Split(log, "\n") {
			fmt.Sscanf(line, name+" pid=%d", &pid)
		}
		if pid == 0 {
			t.Fatalf("no %s pid in the log:\n%s", name, log)
		}
		out = append(out, pid)
	}
	return out
}

// A core that took exits without acknowledging them and was SIGKILLed loses none: the next core gets them again,
// with the same Seqs, and acknowledges some (acks of what it was not sent, of seq 0 and going back change nothing
// and keep the link); the one after it gets only what was not acknowledged, and the last one nothing.
func TestUnackedExitsGoAgainToTheNextCore(t *testing.T) {
	t.Parallel()
	s := boot(t, bootOpts{mode: "ack"})
	s.waitLog("unacked 3", 15*time.Second)
	starts := s.starts()
	if err := signalPid(s.hostPid(starts[0].pid), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	s.waitFor("the fourth core's ready", 20*time.Second, func() bool { return strings.Contains(coreLog(s.log(), 4), "ready") })
	time.Sleep(200 * time.Millisecond) // a stray exit would come now

	log := s.log()
	orphans := pidsNoted(t, log, "noack1", "noack2", "noack3", "live7", "live8")
	type want struct {
		pids []int
		seqs []uint64
	}
	c1 := func() want { pids, seqs := exitsIn(coreLog(log, 1)); return want{pids, seqs} }()
	if !reflect.DeepEqual(sortedInts(c1.pids), sortedInts(orphans[:3])) || !reflect.DeepEqual(c1.seqs, []uint64{1, 2, 3}) {
		t.Fatalf("the first core got %+v, want the exits of %v, seq 1..3:\n%s", c1, orphans[:3], log)
	}
	for i, w := range []want{
		{append(append([]int(nil), c1.pids...), orphans[3]), []uint64{1, 2, 3, 4}},
		{[]int{c1.pids[2], orphans[3], orphans[4]}, []uint64{3, 4, 5}},
		{nil, nil},
	} {
		pids, seqs := exitsIn(coreLog(log, i+2))
		if !reflect.DeepEqual(pids, w.pids) || !reflect.DeepEqual(seqs, w.seqs) {
			t.Errorf("core %d got exits of %v seq %v, want %v seq %v", i+2, pids, seqs, w.pids, w.seqs)
		}
	}
	if strings.Contains(log, "error") || len(s.starts()) != 4 {
		t.Errorf("core log:\n%s", log)
	}
	console := s.console.String()
	for _, want := range []string{
		"the core connected; handing it 3 exits kept for it",
		"the core acknowledges exit 99, but was sent exits up to 3 only: ignored",
		"from the core: initproto: bad packet: ack: no seq",
		"the core connected; handing it 2 exits kept for it",
	} {
		if !strings.Contains(console, want) {
			t.Errorf("the console lacks %q", want)
		}
	}
	if t.Failed() {
		t.Logf("core log:\n%s\nconsole:\n%s", log, console)
	}
}

// init re-executes itself while its core holds exits it did not acknowledge: the link goes on (a new exit comes
// once, with the next Seq), and when the core says hello again, as after its own re-execution, it gets them all
// again; once it acknowledged them, a further hello gets none.
func TestUnackedExitsSurviveInitReexec(t *testing.T) {
	t.Parallel()
	s := boot(t, bootOpts{mode: "ackreexec", env: []string{"SYSMASTER_HEARTBEAT_TIMEOUT=5m"}})
	s.waitLog("unacked 3", 15*time.Second)
	if err := signalPid(s.init, syscall.SIGUSR2); err != nil {
		t.Fatal(err)
	}
	s.waitConsole("version dev re-executed (was dev); the core is pid ", 10*time.Second)
	s.waitConsole("3 exits kept until acknowledged, 0 descriptors kept", time.Second)
	if err := os.WriteFile(s.dir+"/reexeced", nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s.waitLog("done", 15*time.Second)
	time.Sleep(200 * time.Millisecond) // a stray exit would come now

	log := s.log()
	parts := strings.Split(log, "hello again\n")
	if len(parts) != 3 {
		t.Fatalf("core log:\n%s", log)
	}
	pids, seqs := exitsIn(parts[0])
	if want := pidsNoted(t, log, "noack1", "noack2", "noack3", "live4"); !reflect.DeepEqual(sortedInts(pids), sortedInts(want)) ||
		pids[3] != want[3] || !reflect.DeepEqual(seqs, []uint64{1, 2, 3, 4}) {
		t.Fatalf("before the second hello: exits of %v seq %v, want those of %v, seq 1..4:\n%s", pids, seqs, want, log)
	}
	if p, q := exitsIn(parts[1]); !reflect.DeepEqual(p, pids) || !reflect.DeepEqual(q, seqs) {
		t.Errorf("after the second hello: exits of %v seq %v, want %v seq %v", p, q, pids, seqs)
	}
	if p, _ := exitsIn(parts[2]); len(p) != 0 || !strings.Contains(parts[2], "ready") {
		t.Errorf("after the third hello: exits of %v", p)
	}
	if strings.Contains(log, "error") || len(s.starts()) != 1 {
		t.Errorf("core log:\n%s\nconsole:\n%s", log, s.console)
	}
}
