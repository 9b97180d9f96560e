package manager

import (
	"testing"
	"time"

	"github.com/sysmaster/sysmaster/host/clockwatch"
)

type fakeClock struct{}

func (fakeClock) Close() {}

// TestRealtimeTimerFollowsClockJump: a realtime timer an hour ahead fires at once when the clock is set forward
// by that hour (the watch reports the set), and the watchers hear of it after the timers were moved.
func TestRealtimeTimerFollowsClockJump(t *testing.T) {
	loop := make(chan func(), 16)
	tt := newTimerTable(func(f func()) { loop <- f })
	var report func(clockwatch.Change)
	tt.startClock = func(fn func(clockwatch.Change)) (interface{ Close() }, error) { report = fn; return fakeClock{}, nil }
	jump := time.Duration(0)
	tt.wall = func() time.Time { return time.Now().Add(jump) }
	defer tt.stop()

	u := &Unit{ID: "a.timer"}
	fired := make(chan string, 4)
	target := time.Now().Add(time.Hour).UnixMicro()
	tt.armRealtime(u, "calendar", target, func() { fired <- "calendar" })
	tt.arm(u, "mono", now().mono+time.Hour, func() { fired <- "mono" })
	var heard []clockwatch.Change
	tt.watch(u, true, func(c clockwatch.Change) { heard = append(heard, c) })
	if report == nil {
		t.Fatal("the clock watch was not started with the first realtime timer")
	}
	if left := tt.units[u]["calendar"].at - now().mono; left < 59*time.Minute || left > time.Hour {
		t.Fatalf("armed for %v from now, want an hour", left)
	}

	jump = time.Hour - 50*time.Millisecond
	report(clockwatch.Change{Clock: true})
	(<-loop)() // the change, on the loop
	if len(heard) != 1 || !heard[0].Clock {
		t.Fatalf("watchers heard %v", heard)
	}
	select {
	case f := <-loop:
		f()
	case <-time.After(5 * time.Second):
		t.Fatal("the realtime timer did not fire after the clock jumped past it")
	}
	if got := <-fired; got != "calendar" {
		t.Fatalf("%s fired", got)
	}
	if tt.units[u]["mono"] == nil || tt.units[u]["mono"].real != 0 {
		t.Fatal("the monotonic timer was touched by the clock jump")
	}

	tt.watch(u, false, nil)
	report(clockwatch.Change{Timezone: true})
	(<-loop)()
	if len(heard) != 1 {
		t.Fatalf("a unit that stopped watching heard %v", heard)
	}
}
