package manager

import (
	"runtime"
	"strconv"
	"testing"
	"time"

	"golang.org/x/sys/unix"

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

// BenchmarkTimers10000 arms 10,000 unit timers, monotonic and realtime, an hour ahead, as 10,000 waiting timer
// units hold, and reports the core's memory per timer and the CPU it spends in a second while they wait: the
// runtime keeps them in one heap behind one wake-up (and the realtime ones behind one timerfd that waits for
// the clock to be set), so an idle core does not wake for them.
func BenchmarkTimers10000(b *testing.B) {
	const n = 10000
	for range b.N {
		tt := newTimerTable(func(func()) {})
		units := make([]*Unit, n)
		for i := range units {
			units[i] = &Unit{ID: "t" + strconv.Itoa(i) + ".timer"}
		}
		runtime.GC()
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		real := time.Now().Add(time.Hour).UnixMicro()
		for i, u := range units {
			if i%2 == 0 {
				tt.arm(u, "monotonic", now().mono+time.Hour, func() {})
			} else {
				tt.armRealtime(u, "realtime", real, func() {})
			}
		}
		runtime.GC()
		runtime.ReadMemStats(&after)
		var r0, r1 unix.Rusage
		_ = unix.Getrusage(unix.RUSAGE_SELF, &r0)
		time.Sleep(time.Second)
		_ = unix.Getrusage(unix.RUSAGE_SELF, &r1)
		cpu := time.Duration(r1.Utime.Nano()+r1.Stime.Nano()-r0.Utime.Nano()-r0.Stime.Nano()) * time.Nanosecond
		b.ReportMetric(float64(after.HeapAlloc-before.HeapAlloc)/n, "bytes/timer")
		b.ReportMetric(float64(cpu.Microseconds()), "idle-cpu-µs/s")
		tt.stop()
	}
}
