package manager

import (
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/pkg/initproto"
)

// The core's side of the fd store against a hand-played init: the descriptors handed back at hello are taken
// once; storeFds, removeFds and reexecInit reach init as their messages, with the descriptors.
func TestInitLinkFdStore(t *testing.T) {
	path := filepath.Join(t.TempDir(), "init.sock")
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	kept, w, err := os.Pipe()
	if err != nil {
		t.Fatal(err)
	}
	defer kept.Close()
	defer w.Close()
	if _, err := w.Write([]byte("kept")); err != nil {
		t.Fatal(err)
	}
	got := make(chan initproto.Msg, 8)
	go func() {
		defer close(got)
		c, err := ln.AcceptUnix()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		conn := initproto.NewConn(c)
		if m, err := conn.Recv(); err != nil || m.Type != initproto.TypeHello {
			return
		}
		conn.Send(initproto.Msg{Type: initproto.TypeFds, Names: []string{"log:a.service"}, Files: []*os.File{kept}})
		conn.Send(initproto.Msg{Type: initproto.TypeFdsDone})
		conn.Send(initproto.Msg{Type: initproto.TypeReady})
		for {
			m, err := conn.Recv()
			if err != nil {
				return
			}
			if m.Type != initproto.TypeHeartbeat {
				got <- m
			}
		}
	}()

	m := &Manager{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	m.life = newLifecycle(m)
	l := dialInit(m, path)
	defer l.close()
	fds := l.takeFds()
	if len(fds) != 1 || fds[0].Name != "log:a.service" {
		t.Fatalf("handed back %+v", fds)
	}
	buf := make([]byte, 8)
	if n, err := fds[0].File.Read(buf); err != nil || string(buf[:n]) != "kept" {
		t.Fatalf("the handed-back pipe reads %q, %v", buf[:n], err)
	}
	fds[0].File.Close()
	if again := l.takeFds(); again != nil {
		t.Fatalf("second takeFds: %+v", again)
	}

	if err := l.storeFds([]string{"sock:a.socket:0"}, []*os.File{w}); err != nil {
		t.Fatal(err)
	}
	if err := l.removeFds("log:a.service"); err != nil {
		t.Fatal(err)
	}
	if err := l.reexecInit(); err != nil {
		t.Fatal(err)
	}
	want := []string{initproto.TypeStoreFds, initproto.TypeRemoveFds, initproto.TypeReexec}
	var types []string
	for range want {
		select {
		case msg, ok := <-got:
			if !ok {
				t.Fatalf("init's side ended after %v", types)
			}
			types = append(types, msg.Type)
			if msg.Type == initproto.TypeStoreFds {
				if len(msg.Files) != 1 || !reflect.DeepEqual(msg.Names, []string{"sock:a.socket:0"}) {
					t.Errorf("store-fds: %+v", msg)
				}
				for _, f := range msg.Files {
					f.Close()
				}
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("init received %v, want %v", types, want)
		}
	}
	if !reflect.DeepEqual(types, want) {
		t.Errorf("init received %v, want %v", types, want)
	}
}

// Without init the helpers do nothing.
func TestInitLinkWithoutInit(t *testing.T) {
	m := &Manager{log: slog.New(slog.NewTextHandler(io.Discard, nil))}
	m.life = newLifecycle(m)
	l := dialInit(m, filepath.Join(t.TempDir(), "none.sock"))
	defer l.close()
	if l.takeFds() != nil || l.storeFds([]string{"a"}, []*os.File{os.Stdin}) != nil || l.removeFds("a") != nil {
		t.Fatal("helpers did something without init")
	}
	if l.reexecInit() == nil {
		t.Fatal("reexecInit without init succeeded")
	}
}

// Each exit init sends is acknowledged with its Seq, and only once it is in the exit log: when init reads an ack,
// the exit is there for the next core to replay.
func TestInitLinkAcksLoggedExits(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "init.sock")
	ln, err := net.ListenUnix("unixpacket", &net.UnixAddr{Name: path, Net: "unixpacket"})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	logPath := filepath.Join(dir, "exits.log")
	type ack struct {
		seq    uint64
		logged string // the exit log when init read the ack
	}
	acks := make(chan ack, 8)
	go func() {
		defer close(acks)
		c, err := ln.AcceptUnix()
		if err != nil {
			return
		}
		defer c.Close()
		c.SetDeadline(time.Now().Add(10 * time.Second))
		conn := initproto.NewConn(c)
		if m, err := conn.Recv(); err != nil || m.Type != initproto.TypeHello {
			return
		}
		conn.Send(initproto.Msg{Type: initproto.TypeFdsDone})
		conn.Send(initproto.Msg{Type: initproto.TypeExit, Pid: 41, Code: initproto.CodeExited, Status: 3, Seq: 7})
		conn.Send(initproto.Msg{Type: initproto.TypeReady})
		conn.Send(initproto.Msg{Type: initproto.TypeExit, Pid: 42, Code: initproto.CodeKilled, Status: 9, Seq: 8})
		for {
			m, err := conn.Recv()
			if err != nil {
				return
			}
			if m.Type == initproto.TypeAck {
				b, _ := os.ReadFile(logPath)
				acks <- ack{m.Seq, string(b)}
			}
		}
	}()

	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	m := &Manager{log: logger}
	m.life = newLifecycle(m)
	m.procs.exits.kick = make(chan struct{}, 1)
	m.procs.exitLog = openReplayLog(logPath, logger, encExit, decExit, m.procs.exits.push)
	l := dialInit(m, path)
	defer l.close()
	for _, want := range []struct {
		seq  uint64
		line string
	}{{7, "41 1 3 "}, {8, "42 2 9 "}} {
		select {
		case a, ok := <-acks:
			if !ok {
				t.Fatal("init's side ended")
			}
			if a.seq != want.seq || !strings.Contains(a.logged, "\n"+want.line) && !strings.HasPrefix(a.logged, want.line) {
				t.Fatalf("ack %d with the exit log %q; want ack %d after %q", a.seq, a.logged, want.seq, want.line)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no ack of %d", want.seq)
		}
	}
	if got := m.procs.exits.take(); len(got) != 2 || got[0].Pid != 41 || got[1].Pid != 42 {
		t.Errorf("queued %+v", got)
	}
}
