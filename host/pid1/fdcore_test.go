package pid1

import (
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// fdCore is the fake core of the fd-store and re-execution tests (n counts the cores started so far):
//   - fdstore: the first core stores a listening socket ($DIR/listen.sock) and a pipe holding "before" whose
//     only writer, an orphan, writes "meanwhile" once $DIR/write-now exists. The second gets both back, reads
//     the pipe to its end, accepts one connection and answers "core 2", then removes the pipe once
//     $DIR/remove-now exists. The third notes what it got back.
//   - badfds: once $DIR/go exists, the first core sends init bad packets with descriptors attached, then
//     stores one pipe as "ok" and notes "sent"; the second notes what it got back.
//   - limit: the first core stores 60 pipes, then 60 more (beyond init's limit under `ulimit -n 612`), then
//     replaces the first; the second notes what it got back.
//   - reexec: the first core stores a listener and a pipe and leaves 20 orphans; once $DIR/burst exists it
//     lets them all end and at once asks init to re-execute; once $DIR/die exists it leaves the three orphans of
//     leaveOrphans and dies. The second waits until init reaped them, and for $DIR/hello-now, then says hello,
//     reads the pipe and accepts one connection as in fdstore.
func fdCore(mode, dir string, n int) int {
	c, err := net.DialUnix("unixpacket", nil, &net.UnixAddr{Name: initproto.SocketPath, Net: "unixpacket"})
	if err != nil {
		note(dir, "error: %v", err)
		return 1
	}
	if mode == "reexec" && n == 2 {
		if err := waitOrphansReaped(dir); err != nil {
			note(dir, "error: %v", err)
			return 1
		}
		waitFile(dir, "hello-now")
	}
	conn := initproto.NewConn(c)
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	got, err := conn.HelloFds(os.Getpid())
	conn.SetDeadline(time.Time{})
	if err != nil {
		note(dir, "error: hello: %v", err)
		return 1
	}
	var names []string
	files := map[string]*os.File{}
	for _, f := range got {
		names = append(names, f.Name)
		files[f.Name] = f.File
	}
	if len(names) > 10 {
		note(dir, "got %d %s..%s", len(names), names[0], names[len(names)-1])
	} else {
		note(dir, "got %s", strings.Join(names, ","))
	}
	go serve(dir, conn)

	switch {
	case (mode == "fdstore" || mode == "reexec") && n == 1:
		ln, pipe, err := listenerAndPipe(dir, mode == "fdstore")
		if err == nil {
			err = conn.StoreFds([]string{"listen", "pipe"}, []*os.File{ln, pipe})
		}
		if err != nil {
			note(dir, "error: %v", err)
			return 1
		}
		if mode == "fdstore" {
			note(dir, "stored")
			break
		}
		for i := range 20 {
			note(dir, "burst pid=%d", orphan(dir, fmt.Sprintf("burst%d", i),
				fmt.Sprintf(`while [ ! -e %s/go ]; do sleep 0.02; done; exit %d`, dir, i+1)))
		}
		note(dir, "stored")
		waitFile(dir, "burst")
		os.WriteFile(filepath.Join(dir, "go"), nil, 0o644)
		if err := conn.ReexecInit(); err != nil {
			note(dir, "error: %v", err)
		}
		note(dir, "reexec sent")
		waitFile(dir, "die")
		leaveOrphans(dir)
	case mode == "fdstore" && n == 2, mode == "reexec" && n == 2:
		useListenerAndPipe(dir, files)
		if mode == "fdstore" {
			waitFile(dir, "remove-now")
			if err := conn.RemoveFds([]string{"pipe"}); err != nil {
				note(dir, "error: %v", err)
			}
			note(dir, "removed")
		}
	case mode == "badfds" && n == 1:
		waitFile(dir, "go")
		sendBadPackets(dir, c)
		r, w, _ := os.Pipe()
		w.Close()
		if err := conn.StoreFds([]string{"ok"}, []*os.File{r}); err != nil {
			note(dir, "error: %v", err)
		}
		note(dir, "sent")
	case mode == "limit" && n == 1:
		pipes := func(from, to int) (names []string, files []*os.File) {
			for i := from; i < to; i++ {
				r, w, _ := os.Pipe()
				w.Close()
				names, files = append(names, fmt.Sprintf("p%03d", i)), append(files, r)
			}
			return names, files
		}
		for _, batch := range [][2]int{{0, 60}, {60, 120}, {0, 1}} {
			if err := conn.StoreFds(pipes(batch[0], batch[1])); err != nil {
				note(dir, "error: %v", err)
			}
		}
		note(dir, "sent")
	}
	time.Sleep(time.Hour)
	return 0
}

// serve heartbeats and notes what init sends, acknowledging each exit.
func serve(dir string, conn *initproto.Conn) {
	go func() {
		for conn.Heartbeat() == nil {
			time.Sleep(100 * time.Millisecond)
		}
	}()
	for {
		m, err := conn.Recv()
		if err != nil {
			note(dir, "error: recv: %v", err)
			os.Exit(1)
		}
		switch m.Type {
		case initproto.TypeExit:
			note(dir, "exit pid=%d code=%d status=%d seq=%d", m.Pid, m.Code, m.Status, m.Seq)
			conn.Ack(m.Seq)
		case initproto.TypeReady:
			note(dir, "ready")
		case initproto.TypeStoreRefused:
			note(dir, "refused %d", len(m.Names))
		default:
			note(dir, "unexpected %s", m.Type)
		}
	}
}

func waitFile(dir, name string) {
	for deadline := time.Now().Add(time.Minute); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			return
		}
	}
	note(dir, "error: no %s", name)
}

// listenerAndPipe makes $DIR/listen.sock and a pipe holding "before"; with a writer, an orphan keeps the write
// end and writes "meanwhile" once $DIR/write-now exists.
func listenerAndPipe(dir string, writer bool) (ln, pipe *os.File, err error) {
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: filepath.Join(dir, "listen.sock"), Net: "unix"})
	if err != nil {
		return nil, nil, err
	}
	l.SetUnlinkOnClose(false)
	if ln, err = l.File(); err != nil {
		return nil, nil, err
	}
	r, w, err := os.Pipe()
	if err != nil {
		return nil, nil, err
	}
	defer w.Close()
	if _, err := w.Write([]byte("before\n")); err != nil {
		return nil, nil, err
	}
	if writer {
		cmd := exec.Command("/bin/sh", "-c", `setsid /bin/sh -c 'while [ ! -e "$0"/write-now ]; do sleep 0.01; done; echo meanwhile' "$1" &`, "sh", dir)
		cmd.Stdout = w
		if err := cmd.Run(); err != nil {
			return nil, nil, err
		}
	}
	return ln, r, nil
}

// useListenerAndPipe reads the pipe handed back to its end and answers one connection on the listener.
func useListenerAndPipe(dir string, files map[string]*os.File) {
	if f := files["pipe"]; f != nil {
		f.SetReadDeadline(time.Now().Add(30 * time.Second))
		b, err := io.ReadAll(f)
		note(dir, "pipe: %s (%v)", strings.ReplaceAll(string(b), "\n", "|"), err)
	}
	if f := files["listen"]; f != nil {
		l, err := net.FileListener(f)
		if err != nil {
			note(dir, "error: %v", err)
			return
		}
		l.(*net.UnixListener).SetDeadline(time.Now().Add(30 * time.Second))
		c, err := l.Accept()
		if err != nil {
			note(dir, "error: accept: %v", err)
			return
		}
		fmt.Fprintf(c, "core %d\n", strings.Count(readLog(dir), "start "))
		c.Close()
		note(dir, "accepted")
	}
}

// sendBadPackets sends init what it must refuse, each with a descriptor or more attached.
func sendBadPackets(dir string, c *net.UnixConn) {
	r, w, _ := os.Pipe()
	defer r.Close()
	defer w.Close()
	fd := int(r.Fd())
	for _, p := range []struct {
		pkt string
		fds []int
	}{
		{`{"type":"heartbeat"}`, []int{fd}},
		{`{"type":"store-fds","names":["a","b"]}`, []int{fd}},
		{`{"type":"store-fds","names":["` + strings.Repeat("n", 300) + `"]}`, []int{fd}},
		{`{"type":"store-fds","names":["a","a"]}`, []int{fd, fd}},
		{`{"type":"fds","names":["x"]}`, []int{fd}},
		{`{"type":"launch"}`, []int{fd, fd, fd}},
		{`{"type":`, []int{fd}},
		{`{"type":"remove-fds","names":["nothing"]}`, nil},
		{`{"type":"exit","pid":5,"code":1}`, nil},
		{`{"type":"store-fds","names":["big"]}` + strings.Repeat(" ", initproto.MaxPacket), []int{fd}},
	} {
		var oob []byte
		if len(p.fds) > 0 {
			oob = unix.UnixRights(p.fds...)
		}
		if _, _, err := c.WriteMsgUnix([]byte(p.pkt), oob, nil); err != nil {
			note(dir, "error: sending %.30s: %v", p.pkt, err)
		}
	}
}

// initFds counts the descriptors init (pid, as the test sees it) holds.
func initFds(pid int) int {
	entries, _ := os.ReadDir(fmt.Sprintf("/proc/%d/fd", pid))
	return len(entries)
}

// logSince is the part of the core log from the n-th core's start on (n from 1).
func logSince(log string, n int) string {
	i := strings.Index(log, fmt.Sprintf("start n=%d ", n))
	if i < 0 {
		return ""
	}
	return log[i:]
}

// exitsIn lists the "exit pid=… seq=…" lines of a log: pids by seq.
func exitsIn(log string) (pids []int, seqs []uint64) {
	for _, line := range strings.Split(log, "\n") {
		var pid, code, status int
		var seq uint64
		if _, err := fmt.Sscanf(line, "exit pid=%d code=%d status=%d seq=%d", &pid, &code, &status, &seq); err == nil {
			pids, seqs = append(pids, pid), append(seqs, seq)
		}
	}
	return pids, seqs
}

func sortedInts(v []int) []int {
	out := append([]int(nil), v...)
	sort.Ints(out)
	return out
}
