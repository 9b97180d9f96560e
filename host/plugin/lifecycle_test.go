package plugin

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/host/config"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

func TestBackoffSchedule(t *testing.T) {
	b := DefaultBackoff
	var got []time.Duration
	for level := 0; level < 9; level++ {
		got = append(got, b.Delay(level))
	}
	want := []time.Duration{1, 2, 4, 8, 16, 32, 60, 60, 60}
	for i := range want {
		if got[i] != want[i]*time.Second {
			t.Fatalf("delays %v, want %v s", got, want)
		}
	}
	if (Backoff{}).Delay(3) != 0 {
		t.Error("the zero policy has a delay")
	}
}

func TestCrashLog(t *testing.T) {
	b := Backoff{Burst: 5, Interval: 10 * time.Second, Initial: time.Second, Max: time.Minute}
	t0 := time.Unix(1000, 0)
	var c crashLog
	at := func(s float64) time.Time { return t0.Add(time.Duration(s * float64(time.Second))) }
	// Four crashes in the window, then a fifth only after the first left it: no backoff.
	for _, s := range []float64{0, 1, 2, 3, 10.5} {
		if _, off := c.record(b, at(s)); off {
			t.Fatalf("backoff at %vs", s)
		}
	}
	// The fifth within ten seconds of the first still counted backs off for a second.
	d, off := c.record(b, at(10.9))
	if !off || d != time.Second || !c.backedOff(at(11.5)) || c.backedOff(at(11.9)) {
		t.Fatalf("at 10.9s: %v %v, until %v", d, off, c.until.Sub(t0))
	}
	if s := c.describe(at(11.4)); s != "5 crashes in 9.9s; next launch in 500ms" {
		t.Errorf("describe: %q", s)
	}
	// Five more right after: twice as long.
	for i := 0; i < 4; i++ {
		if _, off := c.record(b, at(12+float64(i)/10)); off {
			t.Fatal("backoff before the burst")
		}
	}
	if d, off := c.record(b, at(12.5)); !off || d != 2*time.Second {
		t.Fatalf("second backoff: %v %v", d, off)
	}
	// A call served within the interval after the last crash keeps the level; one after it resets it.
	c.served(b, at(15))
	if c.level != 2 {
		t.Fatalf("level %d after an early success", c.level)
	}
	c.served(b, at(23))
	if c.level != 0 {
		t.Fatalf("level %d after a healthy interval", c.level)
	}
}

func TestIdleDue(t *testing.T) {
	t0 := time.Unix(1000, 0)
	cases := []struct {
		name    string
		timeout time.Duration
		since   time.Duration
		want    bool
	}{
		{"never", 0, time.Hour, false},
		{"recent", 30 * time.Second, 29 * time.Second, false},
		{"exactly", 30 * time.Second, 30 * time.Second, true},
		{"long ago", 30 * time.Second, time.Hour, true},
	}
	for _, c := range cases {
		if got := idleDue(t0, c.timeout, t0.Add(c.since)); got != c.want {
			t.Errorf("%s: %v", c.name, got)
		}
	}
}

// faultConfig has the fault plugin parse a [Fault] section of "Key=Value" lines into config bytes.
func faultConfig(t testing.TB, lines ...string) []byte {
	t.Helper()
	sec := &pb.Section{Name: "Fault"}
	for _, l := range lines {
		k, v, _ := strings.Cut(l, "=")
		sec.Entries = append(sec.Entries, &pb.Entry{Key: k, Value: v})
	}
	res, err := newManager(t, cfgFor(plugins(t))).Parse("fault", []*pb.UnitFile{{Unit: &pb.UnitInfo{Name: "x.fault"},
		Sections: []*pb.Section{sec}}})
	if err != nil || len(res[0].Problems) > 0 {
		t.Fatalf("parse %v: %v %v", lines, err, res)
	}
	return res[0].Config
}

// faultStart is the start of unit with the fault plugin's config bytes.
func faultStart(unit string, config []byte) *pb.Item {
	return &pb.Item{Unit: unit, Config: config, Event: &pb.Event{Kind: &pb.Event_Start{Start: &pb.Start{}}}}
}

func rowFor(m *Manager, typ string) Info {
	for _, in := range m.List() {
		if in.Type == typ {
			return in
		}
	}
	return Info{}
}

// A plugin that dies on every call is backed off after the burst; calls fail fast with ErrBackoff until the
// delay has passed; then it is launched again, and serves once it stops crashing.
func TestCrashingPluginIsBackedOffAndRecovers(t *testing.T) {
	dir := plugins(t)
	m := newManager(t, cfgFor(dir))
	// The delay is long enough that a loaded machine still checks the backoff within it.
	m.Backoff = Backoff{Burst: 3, Interval: 30 * time.Second, Initial: 2 * time.Second, Max: 2 * time.Second}
	ok := filepath.Join(t.TempDir(), "ok")
	crash := faultStart("x.fault", faultConfig(t, "Exit=3", "UnlessExists="+ok))
	var err error
	for i := 0; i < 3; i++ {
		if _, err = m.Handle("fault", []*pb.Item{crash}); err == nil || errors.Is(err, ErrBackoff) {
			t.Fatalf("call %d: %v", i, err)
		}
	}
	// Refused at once, without a launch (Restarts stays 2 below); the bound only catches a wait for the delay.
	start := time.Now()
	_, err = m.Handle("fault", []*pb.Item{crash})
	if !errors.Is(err, ErrBackoff) || !strings.Contains(err.Error(), "3 crashes") || time.Since(start) > time.Second {
		t.Fatalf("after the burst: %v (%v)", err, time.Since(start))
	}
	in := rowFor(m, "fault")
	if !strings.HasPrefix(in.State, "backoff (3 crashes in ") || in.Pid != 0 || in.Restarts != 2 {
		t.Fatalf("list: %+v", in)
	}
	if ready, until := m.Ready("fault"); ready || time.Until(until) > 2*time.Second {
		t.Fatalf("ready %v until %v", ready, until)
	}
	if err := os.WriteFile(ok, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for ready, _ := m.Ready("fault"); !ready; ready, _ = m.Ready("fault") {
		time.Sleep(20 * time.Millisecond)
	}
	res, err := m.Handle("fault", []*pb.Item{crash})
	if err != nil || res[0].Actions[0].GetSetState().Sub != "running" {
		t.Fatalf("after the backoff: %v %v", res, err)
	}
	if in := rowFor(m, "fault"); in.State != "loaded" || in.Restarts != 3 || in.Error != "" {
		t.Fatalf("list after recovery: %+v", in)
	}
}

// A plugin killed from outside counts as a crash when its exit is reaped, once.
func TestKilledPluginCountsOnce(t *testing.T) {
	dir := plugins(t)
	m := newManager(t, cfgFor(dir))
	m.Backoff = Backoff{Burst: 2, Interval: 10 * time.Second, Initial: time.Second, Max: time.Second}
	p, err := m.Get("target")
	if err != nil {
		t.Fatal(err)
	}
	p.runner.Kill(context.Background())
	deadline := time.Now().Add(5 * time.Second)
	for rowFor(m, "target").State == "loaded" && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	// The call that finds it gone does not count it again: one crash, no backoff.
	if _, err := m.Handle("target", []*pb.Item{startItem("a.target")}); err != nil {
		t.Fatalf("relaunch: %v", err)
	}
	if in := rowFor(m, "target"); in.State != "loaded" || in.Restarts != 1 {
		t.Fatalf("list: %+v", in)
	}
}

// copyFile copies the binary at src to dir/name, with extra bytes appended so that its digest differs.
func copyFile(t testing.TB, src, dir, name, extra string) string {
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	// Written beside and renamed over, as binaries are upgraded: a running binary cannot be written to.
	dst := filepath.Join(dir, name)
	if err := os.WriteFile(dst+".new", append(b, extra...), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dst+".new", dst); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestSwap(t *testing.T) {
	dir := plugins(t)
	m := newManager(t, cfgFor(dir))
	old, err := m.Get("target")
	if err != nil {
		t.Fatal(err)
	}
	alt := copyFile(t, filepath.Join(dir, "target"), t.TempDir(), "target", "swap")
	np, err := m.Prepare("target", alt)
	if err != nil {
		t.Fatal(err)
	}
	if m.Loaded("target") != old {
		t.Fatal("a prepared plugin serves before it is installed")
	}
	if got, err := m.Install(np); err != nil || got != old {
		t.Fatalf("install: %v %v", got, err)
	}
	res, err := m.Handle("target", []*pb.Item{startItem("a.target")})
	if err != nil || len(res) != 1 || m.Loaded("target") != np {
		t.Fatalf("after the swap: %v %v", res, err)
	}
	in := rowFor(m, "target")
	if in.Path != alt || in.Pid != np.Pid || in.RunningSHA256 != digest(t, alt) || in.Swap.FromPid != old.Pid || in.Swap.Time.IsZero() || in.Restarts != 0 {
		t.Fatalf("list: %+v", in)
	}
	// The old plugin was asked to go: its exit is no crash.
	waitGone(t, old.Pid)
	if in := rowFor(m, "target"); in.Error != "" || in.State != "loaded" {
		t.Fatalf("after the old one ended: %+v", in)
	}
	// The swapped-in binary stays in force after a crash...
	np.runner.Kill(context.Background())
	waitGone(t, np.Pid)
	if p, err := m.Get("target"); err != nil || p.Path != alt {
		t.Fatalf("relaunch: %+v %v", p, err)
	}
	// ...and daemon-reload sees when it changes on disk.
	if st := m.Stale(); len(st) != 0 {
		t.Fatalf("stale before a change: %v", st)
	}
	copyFile(t, filepath.Join(dir, "target"), filepath.Dir(alt), "target", "changed")
	if st := m.Stale(); len(st) != 1 || st[0] != "target" {
		t.Fatalf("stale: %v", st)
	}
}

func TestSwapRefusals(t *testing.T) {
	dir := plugins(t)
	cfg := cfgFor(dir)
	cfg.Plugins["target"] = config.Plugin{SHA256: digest(t, filepath.Join(dir, "target"))}
	m := newManager(t, cfg)
	old, err := m.Get("target")
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	cases := map[string]struct{ path, want string }{
		"pin":      {copyFile(t, filepath.Join(dir, "target"), tmp, "target", "x"), "pins"},
		"protocol": {filepath.Join(dir, "other"), "sha256"}, // refused by the pin first
		"missing":  {filepath.Join(tmp, "none"), "no plugin binary"},
	}
	for name, c := range cases {
		if _, err := m.Prepare("target", c.path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	// Without the pin: another type, another protocol.
	m.SetConfig(cfgFor(dir))
	for name, c := range map[string]struct{ path, want string }{
		"type":     {filepath.Join(dir, "fault"), `serves unit type "fault"`},
		"protocol": {filepath.Join(dir, "other"), "protocol version"},
	} {
		if _, err := m.Prepare("target", c.path); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if m.Loaded("target") != old || rowFor(m, "target").Restarts != 0 {
		t.Fatalf("the old plugin no longer serves: %+v", rowFor(m, "target"))
	}
}

func waitGone(t testing.TB, pid int) {
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if _, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid))); err != nil {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("pid %d still there", pid)
}

func TestIdleStop(t *testing.T) {
	dir := plugins(t)
	cfg := cfgFor(dir)
	cfg.PluginIdleTimeout = 200 * time.Millisecond
	m := newManager(t, cfg)
	var mu sync.Mutex
	busy := true
	checks := make(chan struct{}, 16)
	m.OnIdle(func() {
		mu.Lock()
		b := busy
		mu.Unlock()
		for _, typ := range m.Idle() {
			if b {
				m.Touch(typ)
			} else {
				m.StopIdle(typ)
			}
		}
		m.ArmIdle()
		checks <- struct{}{}
	})
	p, err := m.Get("target")
	if err != nil {
		t.Fatal(err)
	}
	// Busy: the check keeps it.
	<-checks
	if m.Loaded("target") != p {
		t.Fatal("stopped while busy")
	}
	mu.Lock()
	busy = false
	mu.Unlock()
	<-checks
	if m.Loaded("target") != nil || rowFor(m, "target").State != "idle" {
		t.Fatalf("not stopped: %+v", rowFor(m, "target"))
	}
	waitGone(t, p.Pid)
	if in := rowFor(m, "target"); in.State != "idle" || in.Error != "" || in.Restarts != 0 {
		t.Fatalf("an idle stop counted as a crash: %+v", in)
	}
	if _, err := m.Handle("target", []*pb.Item{startItem("a.target")}); err != nil || rowFor(m, "target").State != "loaded" {
		t.Fatalf("on demand: %v %+v", err, rowFor(m, "target"))
	}
}

// BenchmarkSwapGap measures how long the target type cannot take an event during a live swap: from the answer
// of the old plugin's last batch to the answer of the new plugin's first, with the switch-over (Install) in
// between, as the core's loop runs it. The launch of the new plugin happens beside the loop and is not counted.
func BenchmarkSwapGap(b *testing.B) {
	dir := plugins(b)
	m := newManager(b, cfgFor(dir))
	items := []*pb.Item{startItem("a.target")}
	alt := []string{filepath.Join(dir, "target"), copyFile(b, filepath.Join(dir, "target"), b.TempDir(), "target", "swap")}
	var gap time.Duration
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		np, err := m.Prepare("target", alt[i%2])
		if err != nil {
			b.Fatal(err)
		}
		if _, err := m.Handle("target", items); err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		t0 := time.Now()
		if _, err := m.Install(np); err != nil {
			b.Fatal(err)
		}
		if _, err := m.Handle("target", items); err != nil {
			b.Fatal(err)
		}
		gap += time.Since(t0)
	}
	b.ReportMetric(float64(gap.Microseconds())/float64(b.N), "µs-gap/swap")
}
