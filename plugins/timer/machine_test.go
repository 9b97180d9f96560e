package timer

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/sdk"
)

// host plays the core for the timer type: it applies the plugin's actions to a table of armed timers, on clocks
// the test moves.
type host struct {
	t             *testing.T
	name          string
	config, state []byte
	sub, result   string
	acts          []sdk.Action
	env           *environ
	real, mono    uint64
	armedMono     uint64 // CLOCK_MONOTONIC deadline, 0: none
	armedReal     uint64
	watching      bool
	jobs          []*sdk.EnqueueJob
	props         map[string]string
}

const t0Real uint64 = 1_800_000_000_000_000 // 2027-01-15 08:00:00 UTC
const t0Mono uint64 = 5_000_000_000         // 5000 s after boot

func newHost(t *testing.T, name string, lines ...string) *host {
	res := parse(name, lines...)
	if res.Failed() {
		t.Fatalf("parse: %v", res.Problems)
	}
	h := &host{t: t, name: name, config: res.Config, real: t0Real, mono: t0Mono}
	h.env = &environ{
		now:             func() (uint64, uint64) { return h.real, h.mono },
		startup:         func() uint64 { return t0Mono - 100e6 }, // the manager started 100 s ago
		perturb:         func() uint64 { return 7e6 },
		fixedDelay:      func(string) uint64 { return 1234 },
		random:          func(n uint64) uint64 { return n / 2 },
		stampDir:        t.TempDir(),
		systemdStampDir: t.TempDir(),
		reloadZone:      func() {},
	}
	return h
}

func (h *host) advance(d time.Duration) {
	h.real += uint64(d / time.Microsecond)
	h.mono += uint64(d / time.Microsecond)
}

func (h *host) send(k sdk.EventKind) {
	h.t.Helper()
	u := &sdk.Unit{Name: h.name, Config: h.config, State: h.state, Runtime: &sdk.Runtime{}}
	if err := (timerType{env: h.env}).Handle(u, &sdk.Event{Kind: k}); err != nil {
		h.t.Fatal(err)
	}
	h.state, h.acts = u.State, u.Actions()
	for _, a := range h.acts {
		switch a := a.(type) {
		case *sdk.SetState:
			h.sub, h.result, h.props = a.Sub, a.Result, a.Properties
		case *sdk.ArmTimer:
			if a.RealtimeUSec != 0 {
				h.armedReal = a.RealtimeUSec
			} else {
				h.armedMono = h.mono + a.USec
			}
		case *sdk.DisarmTimer:
			if a.ID == timerMonotonic {
				h.armedMono = 0
			} else {
				h.armedReal = 0
			}
		case *sdk.WatchTimeChange:
			h.watching = a.Watch
		case *sdk.EnqueueJob:
			h.jobs = append(h.jobs, a)
		}
	}
}

// run moves the clocks to the first armed timer (when it is due within d) and fires it.
func (h *host) run(d time.Duration) bool {
	h.t.Helper()
	limitMono := h.mono + uint64(d/time.Microsecond)
	switch {
	case h.armedMono != 0 && h.armedMono <= limitMono && (h.armedReal == 0 || h.armedMono-h.mono <= h.armedReal-min(h.armedReal, h.real)):
		h.advance(time.Duration(h.armedMono-min(h.armedMono, h.mono)) * time.Microsecond)
		h.armedMono = 0
		h.send(&sdk.EventTimerFired{ID: timerMonotonic})
	case h.armedReal != 0 && h.armedReal <= h.real+uint64(d/time.Microsecond):
		h.advance(time.Duration(h.armedReal-min(h.armedReal, h.real)) * time.Microsecond)
		h.armedReal = 0
		h.send(&sdk.EventTimerFired{ID: timerRealtime})
	default:
		return false
	}
	return true
}

func (h *host) unit(active sdk.ActiveState) {
	h.send(&sdk.EventUnitChanged{Unit: "a.service", Active: active})
}

func (h *host) want(sub string) {
	h.t.Helper()
	if h.sub != sub {
		h.t.Fatalf("sub-state %q, want %q (actions %v)", h.sub, sub, h.acts)
	}
}

// TestOnActiveSec: a monotonic timer fires within its AccuracySec, starts the unit with the activation details,
// runs until the unit is done, and then is elapsed (a one-time value that came does not come again).
func TestOnActiveSec(t *testing.T) {
	h := newHost(t, "a.timer", "OnActiveSec=1", "AccuracySec=1us")
	h.send(&sdk.EventStart{})
	h.want(subWaiting)
	if !h.watching || h.armedMono != t0Mono+1e6 {
		t.Fatalf("armed %d (want %d), watching %v", h.armedMono, t0Mono+1e6, h.watching)
	}
	if !h.run(2 * time.Second) {
		t.Fatal("not fired")
	}
	h.want(subRunning)
	if len(h.jobs) != 1 {
		t.Fatalf("jobs %v", h.jobs)
	}
	j := h.jobs[0]
	wantEnv := []string{"TRIGGER_UNIT=a.timer", "TRIGGER_TIMER_REALTIME_USEC=" + strconv.FormatUint(t0Real+1e6, 10),
		"TRIGGER_TIMER_MONOTONIC_USEC=" + strconv.FormatUint(t0Mono+1e6, 10)}
	if j.Unit != "a.service" || j.Type != "start" || !slices.Equal(j.Env, wantEnv) {
		t.Fatalf("job %+v, want env %v", j, wantEnv)
	}
	h.unit(sdk.Activating)
	h.want(subRunning)
	h.advance(time.Second)
	h.unit(sdk.Inactive)
	h.want(subElapsed)
	if h.armedMono != 0 || h.run(time.Hour) {
		t.Fatal("an elapsed timer is still armed")
	}
	h.send(&sdk.EventStop{})
	h.want(subDead)
	if h.watching {
		t.Fatal("a dead timer still watches time changes")
	}
	// Started again: OnActiveSec= counts from the new start.
	h.send(&sdk.EventStart{})
	h.want(subWaiting)
	if h.armedMono != h.mono+1e6 {
		t.Fatalf("armed %d, want %d", h.armedMono, h.mono+1e6)
	}
}

func TestRemainAfterElapseNo(t *testing.T) {
	h := newHost(t, "a.timer", "OnActiveSec=1", "AccuracySec=1us", "RemainAfterElapse=no")
	h.send(&sdk.EventStart{})
	h.run(time.Hour)
	h.unit(sdk.Active)
	h.advance(time.Second)
	h.unit(sdk.Inactive)
	h.want(subDead)
}

// TestOnUnitActiveSec: the timer repeats, counting from each activation of the unit.
func TestOnUnitActiveSec(t *testing.T) {
	h := newHost(t, "a.timer", "OnActiveSec=1", "OnUnitActiveSec=5", "AccuracySec=1us")
	h.send(&sdk.EventStart{})
	for i := range 3 {
		if !h.run(10 * time.Second) {
			t.Fatalf("round %d: not fired", i)
		}
		h.want(subRunning)
		up := h.mono
		h.unit(sdk.Activating)
		h.advance(200 * time.Millisecond)
		h.unit(sdk.Inactive)
		h.want(subWaiting)
		if h.armedMono != up+5e6 {
			t.Fatalf("round %d: armed %d, want %d", i, h.armedMono, up+5e6)
		}
	}
	if len(h.jobs) != 3 {
		t.Fatalf("%d jobs", len(h.jobs))
	}
}

// TestOnUnitInactiveSec counts from the unit's deactivation.
func TestOnUnitInactiveSec(t *testing.T) {
	h := newHost(t, "a.timer", "OnActiveSec=1", "OnUnitInactiveSec=10", "AccuracySec=1us")
	h.send(&sdk.EventStart{})
	h.run(time.Hour)
	h.unit(sdk.Active)
	h.advance(3 * time.Second)
	down := h.mono
	h.unit(sdk.Inactive)
	if h.armedMono != down+10e6 {
		t.Fatalf("armed %d, want %d", h.armedMono, down+10e6)
	}
}

// TestAccuracyCoalesces: with the default minute of accuracy the timer wakes at this boot's perturbation in the
// minute, within [elapse, elapse+accuracy], as sd-event does.
func TestAccuracyCoalesces(t *testing.T) {
	for _, c := range []struct{ at, acc, perturb, want uint64 }{
		{at: 100e6, acc: 60e6, perturb: 7e6, want: 127e6},                  // 2:07 is in [1:40, 2:40]
		{at: 128e6, acc: 60e6, perturb: 7e6, want: 187e6},                  // 3:07
		{at: 100e6, acc: 5e6, perturb: 7e6, want: 104e6 + 0e6},             // no minute or 10 s spot: the second's (104.0)
		{at: 100e6, acc: 1, perturb: 7e6, want: 100e6},                     // AccuracySec=1us: exact
		{at: 100e6, acc: 100e3, perturb: 7e6, want: 100e6},                 // the 250 ms spot at the elapse itself
		{at: 100e6 + 1, acc: 100e3, perturb: 7e6, want: 100e6 + 100e3 + 1}, // no spot: the end
	} {
		if got := coalesce(c.at, c.acc, c.perturb); got != c.want {
			t.Errorf("coalesce(%d, %d, %d) = %d, want %d", c.at, c.acc, c.perturb, got, c.want)
		}
		if got := coalesce(c.at, c.acc, c.perturb); got < c.at || got > c.at+c.acc {
			t.Errorf("coalesce(%d, %d) = %d: outside the accuracy", c.at, c.acc, got)
		}
	}
	h := newHost(t, "a.timer", "OnActiveSec=1")
	h.send(&sdk.EventStart{})
	if h.armedMono < t0Mono+1e6 || h.armedMono > t0Mono+61e6 || (h.armedMono-7e6)%60e6 != 0 {
		t.Fatalf("armed %d: not coalesced within a minute at the perturbation", h.armedMono)
	}
}

func TestRandomizedDelay(t *testing.T) {
	h := newHost(t, "a.timer", "OnActiveSec=10", "RandomizedDelaySec=20", "AccuracySec=1us")
	h.send(&sdk.EventStart{})
	if h.armedMono != t0Mono+10e6+10e6 { // the fake random gives half
		t.Fatalf("armed %d", h.armedMono)
	}
	h = newHost(t, "a.timer", "OnActiveSec=10", "RandomizedDelaySec=20", "AccuracySec=1us", "FixedRandomDelay=yes")
	h.send(&sdk.EventStart{})
	if h.armedMono != t0Mono+10e6+1234 {
		t.Fatalf("armed %d with a fixed delay", h.armedMono)
	}
}

// TestOnCalendar arms the realtime clock for the next calendar time and again after each run.
func TestOnCalendar(t *testing.T) {
	h := newHost(t, "a.timer", "OnCalendar=*:*:00/10", "AccuracySec=1us") // every 10 s
	h.send(&sdk.EventStart{})
	if h.armedReal != t0Real+10e6 || h.armedMono != 0 {
		t.Fatalf("armed real %d mono %d", h.armedReal, h.armedMono)
	}
	if h.props["NextElapseUSecRealtime"] == "" {
		t.Fatalf("properties %v", h.props)
	}
	h.run(time.Minute)
	h.want(subRunning)
	h.unit(sdk.Active)
	h.advance(3 * time.Second)
	h.unit(sdk.Inactive)
	h.want(subWaiting)
	if h.armedReal != t0Real+20e6 {
		t.Fatalf("armed %d after a run", h.armedReal)
	}
}

// TestPersistentCatchUp: a stamp older than the last calendar elapse makes the timer fire once at start, at
// the manager's start time; the run writes the stamp, and the next elapse is the next calendar time, so the
// catch-up does not come twice.
func TestPersistentCatchUp(t *testing.T) {
	defer func(l *time.Location) { time.Local = l }(time.Local)
	time.Local = time.UTC // "daily" is midnight in the local zone
	h := newHost(t, "a.timer", "OnCalendar=daily", "Persistent=yes", "AccuracySec=1us")
	stamp := filepath.Join(h.env.stampDir, "stamp-a.timer")
	old := time.UnixMicro(int64(t0Real)).Add(-3 * 24 * time.Hour)
	if err := os.WriteFile(stamp, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(stamp, old, old); err != nil {
		t.Fatal(err)
	}
	h.send(&sdk.EventStart{})
	startReal := uint64(t0Real - 100e6)
	if h.armedReal != startReal {
		t.Fatalf("catch-up armed at %d, want the manager's start %d", h.armedReal, startReal)
	}
	h.run(time.Second)
	h.want(subRunning)
	if len(h.jobs) != 1 {
		t.Fatalf("jobs %v", h.jobs)
	}
	if st, err := os.Stat(stamp); err != nil || st.ModTime().UnixMicro() != int64(h.real) {
		t.Fatalf("stamp %v %v, want %d", st.ModTime(), err, h.real)
	}
	h.unit(sdk.Active)
	h.unit(sdk.Inactive)
	midnight := uint64(time.UnixMicro(int64(t0Real)).Truncate(24 * time.Hour).Add(24 * time.Hour).UnixMicro())
	if h.armedReal != midnight {
		t.Fatalf("after the catch-up armed %d, want the next midnight %d", h.armedReal, midnight)
	}
	if h.run(time.Hour) {
		t.Fatal("the catch-up came twice")
	}
	// A timer without a stamp of its own takes systemd's over: the catch-up is as systemd's would be.
	h3 := newHost(t, "c.timer", "OnCalendar=daily", "Persistent=yes", "AccuracySec=1us")
	sd := filepath.Join(h3.env.systemdStampDir, "stamp-c.timer")
	if err := os.WriteFile(sd, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(sd, old, old); err != nil {
		t.Fatal(err)
	}
	h3.send(&sdk.EventStart{})
	if h3.armedReal != startReal {
		t.Fatalf("with systemd's stamp armed at %d, want the catch-up at %d", h3.armedReal, startReal)
	}
	if st, err := os.Stat(filepath.Join(h3.env.stampDir, "stamp-c.timer")); err != nil || !st.ModTime().Equal(old.Truncate(time.Microsecond)) {
		t.Fatalf("own stamp %v %v, want systemd's time %v", st.ModTime(), err, old)
	}
	// A timer that never ran creates its stamp and waits for the next elapse.
	h2 := newHost(t, "b.timer", "OnCalendar=daily", "Persistent=yes", "AccuracySec=1us")
	h2.send(&sdk.EventStart{})
	if _, err := os.Stat(filepath.Join(h2.env.stampDir, "stamp-b.timer")); err != nil {
		t.Fatal(err)
	}
	if h2.armedReal != midnight {
		t.Fatalf("first start armed %d", h2.armedReal)
	}
}

// TestClockChange: a clock set back rewinds the last trigger and re-computes; OnClockChange= triggers.
func TestClockChange(t *testing.T) {
	h := newHost(t, "a.timer", "OnCalendar=*:*:00/10", "AccuracySec=1us")
	h.send(&sdk.EventStart{})
	h.run(time.Minute)
	h.unit(sdk.Active)
	h.unit(sdk.Inactive)
	h.real -= 3600e6 // set back an hour
	h.send(&sdk.EventTimeChanged{Clock: true})
	h.want(subWaiting)
	if h.armedReal != h.real+10e6 {
		t.Fatalf("after the clock went back armed %d, want %d", h.armedReal, h.real+10e6)
	}
	// Set forward past the elapse the timer waits for: it is due at once.
	h.real = h.armedReal + 5e6
	h.send(&sdk.EventTimeChanged{Clock: true})
	h.want(subRunning)

	h = newHost(t, "a.timer", "OnClockChange=yes", "OnTimezoneChange=yes")
	h.send(&sdk.EventStart{})
	h.want(subWaiting)
	if !h.watching || h.armedMono != 0 || h.armedReal != 0 {
		t.Fatalf("watching %v armed %d %d", h.watching, h.armedMono, h.armedReal)
	}
	h.send(&sdk.EventTimeChanged{Timezone: true})
	h.want(subRunning)
	h.unit(sdk.Active)
	h.unit(sdk.Inactive)
	h.want(subWaiting)
	h.send(&sdk.EventTimeChanged{Clock: true})
	h.want(subRunning)
	if len(h.jobs) != 2 {
		t.Fatalf("jobs %v", h.jobs)
	}
}

// TestOnBootSecPassed: an OnBootSec= long past fires at once on the first start.
func TestOnBootSecPassed(t *testing.T) {
	h := newHost(t, "a.timer", "OnBootSec=1", "AccuracySec=1us")
	h.send(&sdk.EventStart{})
	if h.armedMono != h.mono+1 {
		t.Fatalf("armed %d, want now", h.armedMono)
	}
	h = newHost(t, "a.timer", "OnStartupSec=200", "AccuracySec=1us")
	h.send(&sdk.EventStart{})
	if h.armedMono != t0Mono-100e6+200e6 {
		t.Fatalf("OnStartupSec armed %d", h.armedMono)
	}
}

func TestEnqueueFailed(t *testing.T) {
	h := newHost(t, "a.timer", "OnActiveSec=1", "AccuracySec=1us")
	h.send(&sdk.EventStart{})
	h.run(time.Hour)
	h.send(&sdk.EventEnqueueFailed{Unit: "a.service", Type: "start", Message: "no such unit"})
	h.want(subFailed)
	if h.result != resResources {
		t.Fatalf("result %q", h.result)
	}
	h.send(&sdk.EventResetFailed{})
	h.want(subDead)
}

// TestRecoverRearms: a waiting timer whose timers the host does not hold arms them again; one whose timers are
// held changes nothing.
func TestRecoverRearms(t *testing.T) {
	h := newHost(t, "a.timer", "OnActiveSec=100", "AccuracySec=1us")
	h.send(&sdk.EventStart{})
	h.armedMono = 0
	h.advance(time.Second)
	h.send(&sdk.EventRecover{})
	if h.armedMono != t0Mono+100e6 {
		t.Fatalf("re-armed %d", h.armedMono)
	}
	h.send(&sdk.EventRecover{Timers: []string{timerMonotonic}})
	for _, a := range h.acts {
		if _, ok := a.(*sdk.ArmTimer); ok {
			t.Fatalf("armed again although held: %v", h.acts)
		}
	}
}

// TestConfigChangedRecomputes: a daemon-reload that changes OnCalendar= re-arms a waiting timer for the new
// expression, counted from its last trigger; a one-time value that came before the reload does not come again.
func TestConfigChangedRecomputes(t *testing.T) {
	h := newHost(t, "a.timer", "OnCalendar=*:*:00/10", "OnActiveSec=1", "AccuracySec=1us")
	h.send(&sdk.EventStart{})
	h.run(2 * time.Second) // OnActiveSec=1 comes first
	h.want(subRunning)
	h.unit(sdk.Active)
	h.advance(2 * time.Second)
	h.unit(sdk.Inactive)
	h.want(subWaiting)
	if h.armedReal != t0Real+10e6 {
		t.Fatalf("armed %d before the reload", h.armedReal)
	}
	res := parse("a.timer", "OnCalendar=*:*:00/30", "OnActiveSec=1", "AccuracySec=1us")
	if res.Failed() {
		t.Fatal(res.Problems)
	}
	h.config = res.Config
	h.send(&sdk.EventConfigChanged{})
	h.want(subWaiting)
	if h.armedReal != t0Real+30e6 {
		t.Fatalf("armed %d after the reload, want the next :30 (%d)", h.armedReal, t0Real+30e6)
	}
	if h.armedMono != 0 {
		t.Fatalf("OnActiveSec=1, which came before the reload, is armed again for %d", h.armedMono)
	}
	// The same settings again: the same elapse.
	h.send(&sdk.EventConfigChanged{})
	if h.armedReal != t0Real+30e6 {
		t.Fatalf("armed %d after a reload that changed nothing", h.armedReal)
	}
}
