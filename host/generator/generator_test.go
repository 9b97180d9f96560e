package generator

import (
	"bytes"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/sysmaster/sysmaster/host/reaper"
)

// rp is the test process's one reaper: like the core, nothing else here waits for children.
var rp *reaper.Reaper

func TestMain(m *testing.M) {
	var err error
	if rp, err = reaper.New(func(reaper.Exit) {}); err != nil {
		panic(err)
	}
	os.Exit(m.Run())
}

// syncBuf is a log the generators' output goroutines may write to while the test reads it.
type syncBuf struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuf) Write(p []byte) (int, error) { s.mu.Lock(); defer s.mu.Unlock(); return s.b.Write(p) }
func (s *syncBuf) String() string              { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// script writes an executable shell script.
func script(t *testing.T, dir, name, body string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func newRunner(t *testing.T, timeout time.Duration) (*Runner, [3]string, *syncBuf) {
	root := t.TempDir()
	dirs := [3]string{filepath.Join(root, "run"), filepath.Join(root, "etc"), filepath.Join(root, "lib")}
	log := &syncBuf{}
	r := &Runner{Dirs: dirs[:], Out: OutDirs(filepath.Join(root, "out")), Timeout: timeout, Reaper: rp,
		Log: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug})), Env: []string{"PATH=/usr/bin:/bin"}}
	return r, dirs, log
}

func read(t *testing.T, p string) string {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestRunProtocol: the three output directories as arguments, emptied first; a name in an earlier directory
// hides a later one; masks are not run; output is logged; empty output directories are removed afterwards.
func TestRunProtocol(t *testing.T) {
	r, dirs, log := newRunner(t, 10*time.Second)
	script(t, dirs[2], "a-gen", `echo "$1 $2 $3" > "$1/args"; echo "$SYSTEMD_SCOPE" > "$3/scope"; echo hello from a`)
	script(t, dirs[2], "b-gen", `echo lib > "$1/b"`)
	script(t, dirs[1], "b-gen", `echo etc > "$1/b"`)
	script(t, dirs[2], "masked", `echo ran > "$1/masked"`)
	if err := os.MkdirAll(dirs[0], 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/dev/null", filepath.Join(dirs[0], "masked")); err != nil {
		t.Fatal(err)
	}
	script(t, dirs[2], "empty-masked", `echo ran > "$1/empty"`)
	if err := os.WriteFile(filepath.Join(dirs[1], "empty-masked"), nil, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(r.Out.Normal, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(r.Out.Normal, "stale.service"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	res := r.Run()
	if len(res) != 2 || res[0].Name != "a-gen" || res[1].Path != filepath.Join(dirs[1], "b-gen") || !res[0].OK() || !res[1].OK() {
		t.Fatalf("results %+v", res)
	}
	if got, want := read(t, filepath.Join(r.Out.Normal, "args")), r.Out.Normal+" "+r.Out.Early+" "+r.Out.Late+"\n"; got != want {
		t.Errorf("arguments %q, want %q", got, want)
	}
	if got := read(t, filepath.Join(r.Out.Late, "scope")); got != "system\n" {
		t.Errorf("SYSTEMD_SCOPE=%q", got)
	}
	if got := read(t, filepath.Join(r.Out.Normal, "b")); got != "etc\n" {
		t.Errorf("b-gen of /etc should hide /usr/lib's: %q", got)
	}
	for _, f := range []string{"masked", "empty", "stale.service"} {
		if _, err := os.Stat(filepath.Join(r.Out.Normal, f)); err == nil {
			t.Errorf("%s exists", f)
		}
	}
	if _, err := os.Stat(r.Out.Early); !os.IsNotExist(err) {
		t.Errorf("empty early directory left: %v", err)
	}
	if !strings.Contains(log.String(), `generator=a-gen line="hello from a"`) {
		t.Errorf("output not logged:\n%s", log)
	}
}

// TestRunFailingAndSlow: a failing generator and one that hangs (with a child of its own) are logged and
// skipped, killed with their group at the timeout; the others' output is there.
func TestRunFailingAndSlow(t *testing.T) {
	r, dirs, log := newRunner(t, 500*time.Millisecond)
	script(t, dirs[2], "1-fails", `echo partial > "$1/partial"; echo "cannot go on" >&2; exit 3`)
	script(t, dirs[2], "2-hangs", `sleep 60 & echo $! > "$1/child"; exec sleep 60`)
	script(t, dirs[2], "3-works", `echo ok > "$1/works"`)
	if err := os.WriteFile(filepath.Join(dirs[2], "4-not-executable"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	res := r.Run()
	took := time.Since(start)
	if took > 5*time.Second {
		t.Errorf("Run took %v with a timeout of 500ms", took)
	}
	if len(res) != 4 {
		t.Fatalf("results %+v", res)
	}
	if res[0].OK() || res[0].Exit.Code != reaper.Exited || res[0].Exit.Status != 3 {
		t.Errorf("failing: %+v", res[0])
	}
	if !res[1].TimedOut || res[1].Exit.Code != reaper.Killed {
		t.Errorf("hanging: %+v", res[1])
	}
	if !res[2].OK() || read(t, filepath.Join(r.Out.Normal, "works")) != "ok\n" {
		t.Errorf("working: %+v", res[2])
	}
	if res[3].Err == nil {
		t.Errorf("not executable: %+v", res[3])
	}
	if read(t, filepath.Join(r.Out.Normal, "partial")) != "partial\n" {
		t.Error("a failed generator's output is kept, as systemd keeps it")
	}
	var child int
	if _, err := fmt.Sscan(strings.TrimSpace(read(t, filepath.Join(r.Out.Normal, "child"))), &child); err != nil {
		t.Fatal(err)
	}
	// The group was killed: the child is gone once the reaper collected it (it is ours, as a subreaper).
	deadline := time.Now().Add(5 * time.Second)
	for unix.Kill(child, 0) == nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if unix.Kill(child, 0) == nil {
		t.Errorf("the hanging generator's child %d survived", child)
	}
	for _, want := range []string{`generator failed, skipped" generator=` + filepath.Join(dirs[2], "1-fails") + ` how="exited with status 3"`,
		`generator timed out, killed and skipped" generator=` + filepath.Join(dirs[2], "2-hangs"),
		`line="cannot go on"`, `generator could not be started, skipped" generator=` + filepath.Join(dirs[2], "4-not-executable")} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("log lacks %q:\n%s", want, log)
		}
	}
}
