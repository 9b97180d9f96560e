package plugin

import (
	"errors"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/host/config"
	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// A call that outlives the call timeout fails, and its plugin is killed; the next call launches a fresh plugin,
// which gets the same batch and answers it.
func TestHungCallIsKilledAfterTheTimeout(t *testing.T) {
	dir := plugins(t)
	cfg := cfgFor(dir)
	cfg.PluginCallTimeout = 300 * time.Millisecond
	m := newManager(t, cfg)
	item := faultStart("x.fault", faultConfig(t, "Hang=yes", "Once="+filepath.Join(t.TempDir(), "hung")))
	p, err := m.Get("fault")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = m.Handle("fault", []*pb.Item{item})
	took := time.Since(start)
	if err == nil || !strings.Contains(err.Error(), "no answer within 300ms (Plugins.CallTimeoutSec)") {
		t.Fatalf("hung call: %v", err)
	}
	if took < 300*time.Millisecond || took > 5*time.Second {
		t.Errorf("the hung call failed after %v, want the 300ms timeout", took)
	}
	waitGone(t, p.Pid)
	res, err := m.Handle("fault", []*pb.Item{item})
	if err != nil || res[0].Actions[0].GetSetState().Sub != "running" {
		t.Fatalf("after the kill: %v %v", res, err)
	}
	if q := m.Loaded("fault"); q == nil || q.Pid == p.Pid {
		t.Fatalf("not relaunched: %+v", q)
	}
	if in := rowFor(m, "fault"); in.Restarts != 1 {
		t.Errorf("a hung plugin counts as a crash: %+v", in)
	}
}

// Calls of one type reach the plugin one at a time (the SDK promises plugins that), a parse too: one that
// comes while a call hangs waits for the hung plugin to be killed and is answered by the next one.
func TestCallsOfATypeAreSerialized(t *testing.T) {
	dir := plugins(t)
	cfg := cfgFor(dir)
	cfg.PluginCallTimeout = 2 * time.Second
	m := newManager(t, cfg)
	slow := faultStart("s.fault", faultConfig(t, "Sleep=200ms"))
	var wg sync.WaitGroup
	start := time.Now()
	for i := 0; i < 2; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := m.Handle("fault", []*pb.Item{slow}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if took := time.Since(start); took < 400*time.Millisecond {
		t.Errorf("two 200ms calls took %v: they overlapped", took)
	}

	hang := faultStart("h.fault", faultConfig(t, "Hang=yes", "Once="+filepath.Join(t.TempDir(), "hung")))
	hung := make(chan error, 1)
	go func() {
		_, err := m.Handle("fault", []*pb.Item{hang})
		hung <- err
	}()
	// Wait until the hanging call holds the type, then parse.
	deadline := time.Now().Add(5 * time.Second)
	for !m.calling("fault") && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	res, err := m.Parse("fault", []*pb.UnitFile{{Unit: &pb.UnitInfo{Name: "p.fault"}}})
	if err != nil || len(res) != 1 {
		t.Fatalf("parse behind a hung call: %v %v", res, err)
	}
	if err := <-hung; err == nil {
		t.Fatal("the hung call did not fail")
	}
}

// An answer larger than MaxResponseBytes fails the call (the plugin is killed, as for a crash); one below it is
// taken whole.
func TestHugeAnswer(t *testing.T) {
	m := newManager(t, cfgFor(plugins(t)))
	big := faultStart("b.fault", faultConfig(t, "Reply=huge", "ReplySize=40M"))
	_, err := m.Handle("fault", []*pb.Item{big})
	if err == nil || !strings.Contains(err.Error(), "answer larger than 33554432 bytes") {
		t.Fatalf("40 MB answer: %v", err)
	}
	fine := faultStart("f.fault", faultConfig(t, "Reply=huge", "ReplySize=3M"))
	res, err := m.Handle("fault", []*pb.Item{fine})
	if err != nil {
		t.Fatalf("3 MB answer: %v", err)
	}
	if n := len(res[0].Actions[0].GetLog().GetText()); n != 3<<20 {
		t.Errorf("3 MB answer: a log line of %d bytes", n)
	}
}

// A plugin that refuses the handshake is a failed launch: counted as a crash, and backed off after the burst.
func TestRefusedHandshakeIsBackedOff(t *testing.T) {
	dir := plugins(t)
	cfg := cfgFor(dir)
	cfg.Plugins["fault"] = config.Plugin{Path: filepath.Join(dir, "refuse", "fault")}
	m := newManager(t, cfg)
	m.Backoff = Backoff{Burst: 3, Interval: 10 * time.Second, Initial: time.Minute, Max: time.Minute}
	for i := 0; i < 3; i++ {
		_, err := m.Handle("fault", []*pb.Item{faultStart("x.fault", nil)})
		if err == nil || !strings.Contains(err.Error(), "protocol version mismatch") || errors.Is(err, ErrBackoff) {
			t.Fatalf("launch %d: %v", i, err)
		}
	}
	_, err := m.Handle("fault", []*pb.Item{faultStart("x.fault", nil)})
	if !errors.Is(err, ErrBackoff) {
		t.Fatalf("after 3 refusals: %v", err)
	}
	if in := rowFor(m, "fault"); !strings.HasPrefix(in.State, "backoff (3 crashes") || !strings.Contains(in.Error, "protocol version") {
		t.Errorf("list: %+v", in)
	}
}

// calling reports whether a call of typ is in progress.
func (m *Manager) calling(typ string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.state(typ).gate) > 0
}
