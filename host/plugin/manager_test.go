package plugin

import (
	"crypto/sha256"
	"encoding/hex"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/host/config"
	"github.com/sysmaster/sysmaster/host/reaper"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

var (
	buildOnce sync.Once
	binDir    string
	buildErr  error
	rp        *reaper.Reaper
)

// plugins builds the image (for its target plugin), the protocol-2 test plugin and the fault plugin (also one that refuses the
// handshake, in refuse/) once.
func plugins(t testing.TB) string {
	t.Helper()
	buildOnce.Do(func() {
		binDir, buildErr = os.MkdirTemp("", "plugin-test-")
		if buildErr != nil {
			return
		}
		for _, b := range []struct{ out, pkg, ldflags string }{
			{"target", "./cmd/sysmaster", ""}, // the image, run as its built-in target plugin
			{"other", "./test/system/testdata/otherproto", ""},
			{"fault", "./sdk/sdktest/fault", ""},
			{"refuse/fault", "./sdk/sdktest/fault", "-X main.handshake=refuse"},
		} {
			cmd := exec.Command("go", "build", "-ldflags", b.ldflags, "-o", filepath.Join(binDir, b.out), b.pkg)
			// Static, as make builds the image (a dynamic one pays the loader at every launch BenchmarkLaunch counts).
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			cmd.Dir = "../.."
			if out, err := cmd.CombinedOutput(); err != nil {
				buildErr = err
				binDir = string(out)
				return
			}
		}
		// The reaper makes this test process a subreaper; it has no other children to disturb.
		rp, buildErr = reaper.New(func(reaper.Exit) {})
	})
	if buildErr != nil {
		t.Fatalf("build: %v %s", buildErr, binDir)
	}
	return binDir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}

func newManager(t testing.TB, cfg config.Config) *Manager {
	m := NewManager(rp, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), t.TempDir(), nil)
	t.Cleanup(m.StopAll)
	return m
}

func cfgFor(dir string) config.Config {
	c := config.Default()
	c.PluginDir = dir
	return c
}

func digest(t testing.TB, p string) string {
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func startItem(unit string) *pb.Item {
	return &pb.Item{Unit: unit, Event: &pb.Event{Kind: &pb.Event_Start{Start: &pb.Start{}}}}
}

func TestLaunchOnDemandAndPin(t *testing.T) {
	dir := plugins(t)
	cfg := cfgFor(dir)
	cfg.Plugins["target"] = config.Plugin{SHA256: digest(t, filepath.Join(dir, "target"))}
	m := newManager(t, cfg)
	if m.Loaded("target") != nil {
		t.Fatal("loaded before first use")
	}
	res, err := m.Handle("target", []*pb.Item{startItem("a.target")})
	if err != nil || res[0].Actions[0].GetSetState().Sub != "active" {
		t.Fatalf("handle: %v %v", res, err)
	}
	p := m.Loaded("target")
	if p == nil || p.Pid == 0 || p.Desc.Type != "target" {
		t.Fatalf("not loaded after use: %+v", p)
	}
	for _, in := range m.List() {
		if in.Type == "target" && in.Pid != p.Pid {
			t.Errorf("List shows pid %d, want %d", in.Pid, p.Pid)
		}
	}
}

func TestWrongPinRefusedBeforeLaunch(t *testing.T) {
	dir := plugins(t)
	cfg := cfgFor(dir)
	cfg.Plugins["target"] = config.Plugin{SHA256: strings.Repeat("ab", 32)}
	m := newManager(t, cfg)
	_, err := m.Get("target")
	if err == nil || !strings.Contains(err.Error(), "pins "+strings.Repeat("ab", 32)) || !strings.Contains(err.Error(), digest(t, filepath.Join(dir, "target"))) {
		t.Fatalf("err = %v", err)
	}
	if m.Loaded("target") != nil {
		t.Fatal("a refused plugin is loaded")
	}
}

func TestOtherProtocolVersionRefused(t *testing.T) {
	dir := plugins(t)
	m := newManager(t, cfgFor(dir))
	_, err := m.Get("other")
	if err == nil || !strings.Contains(err.Error(), "protocol version 1") || !strings.Contains(err.Error(), "2") {
		t.Fatalf("err = %v", err)
	}
}

func TestPluginKilledIsRelaunched(t *testing.T) {
	dir := plugins(t)
	m := newManager(t, cfgFor(dir))
	p, err := m.Get("target")
	if err != nil {
		t.Fatal(err)
	}
	old := p.Pid
	if err := syscall.Kill(old, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for m.Loaded("target") != nil && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	res, err := m.Handle("target", []*pb.Item{startItem("a.target")})
	if err != nil || len(res) != 1 {
		t.Fatalf("after kill: %v %v", res, err)
	}
	if p := m.Loaded("target"); p == nil || p.Pid == old {
		t.Fatalf("not relaunched: %+v", p)
	}
}

// BenchmarkColdStart measures launching the target plugin until it answered its first event.
func BenchmarkColdStart(b *testing.B) {
	dir := plugins(b)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		m := newManager(b, cfgFor(dir))
		if _, err := m.Handle("target", []*pb.Item{startItem("a.target")}); err != nil {
			b.Fatal(err)
		}
		m.StopAll()
	}
}

func benchBatch(b *testing.B, n int) {
	m := newManager(b, cfgFor(plugins(b)))
	items := make([]*pb.Item, n)
	for i := range items {
		items[i] = startItem("u" + strings.Repeat("x", i%7) + ".target")
	}
	if _, err := m.Handle("target", items); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := m.Handle("target", items); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkBatch1 and BenchmarkBatch1000 measure one Handle call carrying 1 and 1000 events.
func BenchmarkBatch1(b *testing.B)    { benchBatch(b, 1) }
func BenchmarkBatch1000(b *testing.B) { benchBatch(b, 1000) }

// A binary that cannot be executed is refused with the reason, and nothing else is hurt: go-plugin calls the
// runner's Kill after a failed Start, which once meant kill(0) on our own process group.
func TestUnexecutablePluginIsRefusedHarmlessly(t *testing.T) {
	plugins(t)
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "broken"), []byte("not a program"), 0o755); err != nil {
		t.Fatal(err)
	}
	m := newManager(t, cfgFor(dir))
	_, err := m.Get("broken")
	if err == nil || !strings.Contains(err.Error(), "exec format error") {
		t.Fatalf("err = %v", err)
	}
	// Still here, and still able to launch a good plugin.
	good := newManager(t, cfgFor(binDir))
	if _, err := good.Get("target"); err != nil {
		t.Fatalf("after a refused plugin: %v", err)
	}
}

// An unpinned launch does not hash its binary; the digest list-plugins shows is still that of the file that was
// launched, after the path has been replaced, and the plugin's end releases the file it held.
func TestRunningDigestIsTheLaunchedBinary(t *testing.T) {
	dir := t.TempDir()
	bin := copyFile(t, filepath.Join(plugins(t), "target"), dir, "target", "")
	launched := digest(t, bin)
	m := newManager(t, cfgFor(dir))
	p, err := m.Get("target")
	if err != nil {
		t.Fatal(err)
	}
	if p.binary.sum != "" {
		t.Fatal("an unpinned launch hashed its binary")
	}
	if st := m.Stale(); len(st) != 0 {
		t.Fatalf("stale before a change: %v", st)
	}
	copyFile(t, filepath.Join(plugins(t), "target"), dir, "target", "upgraded")
	in := rowFor(m, "target")
	if in.RunningSHA256 != launched || in.SHA256 != digest(t, bin) || in.SHA256 == launched {
		t.Fatalf("running %s, on disk %s; want running %s, on disk %s", in.RunningSHA256, in.SHA256, launched, digest(t, bin))
	}
	if st := m.Stale(); len(st) != 1 || st[0] != "target" {
		t.Fatalf("stale after the upgrade: %v", st)
	}
	m.StopAll()
	waitGone(t, p.Pid)
	p.binary.mu.Lock()
	held := p.binary.file != nil
	p.binary.mu.Unlock()
	if held {
		t.Fatal("the binary of a stopped plugin is still held open")
	}
}
