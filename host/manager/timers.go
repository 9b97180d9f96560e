package manager

import (
	"sort"
	"time"

	"github.com/sysmaster/sysmaster/host/clockwatch"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// timerTable owns the timers the core arms: each unit's (a plugin's ArmTimer, which fires as TimerFired) and
// the job timeouts. A timer runs on the runtime's timer heap and posts its firing to the loop, where the table
// checks that it is still the one armed (a timer disarmed or re-armed meanwhile does nothing). It keeps each
// unit timer's deadline (CLOCK_MONOTONIC), and for a realtime timer its CLOCK_REALTIME time, so that the
// checkpoint can re-arm it for what is left (timers_checkpoint.go) and a clock that is set moves it
// (timeChanged). It also keeps which units asked to hear of clock and time zone changes (WatchTimeChange). Only
// the loop touches it.
type timerTable struct {
	post     func(func())
	units    map[*Unit]map[string]*unitTimer
	jobs     map[jobTimerKey]*time.Timer
	watchers map[*Unit]func(clockwatch.Change)

	// clock is the watch on CLOCK_REALTIME and the time zone, started with the first realtime timer or
	// watcher; startClock starts it (clockwatch.Start with the real /etc/localtime, tests replace it).
	clock      interface{ Close() }
	startClock func(fn func(clockwatch.Change)) (interface{ Close() }, error)
	// wall reads CLOCK_REALTIME; tests replace it to fake a clock that is set.
	wall func() time.Time
}

type unitTimer struct {
	t    *time.Timer
	at   time.Duration // the deadline, CLOCK_MONOTONIC
	real int64         // a realtime timer's time, CLOCK_REALTIME µs; 0 for a monotonic one
	fire func()
}

// jobTimerKey names one armed job timeout: jobs have at most one of each kind.
type jobTimerKey struct {
	id      uint64
	running bool
}

func newTimerTable(post func(func())) timerTable {
	return timerTable{post: post, units: map[*Unit]map[string]*unitTimer{}, jobs: map[jobTimerKey]*time.Timer{},
		watchers: map[*Unit]func(clockwatch.Change){}, wall: time.Now,
		startClock: func(fn func(clockwatch.Change)) (interface{ Close() }, error) {
			return clockwatch.Start(clockwatch.Localtime, fn)
		}}
}

// arm arms (or re-arms) u's timer id for the CLOCK_MONOTONIC time at (in the past: at once); fire runs on the
// loop.
func (tt *timerTable) arm(u *Unit, id string, at time.Duration, fire func()) {
	tt.put(u, id, &unitTimer{at: at, fire: fire})
}

// armRealtime arms (or re-arms) u's timer id for the CLOCK_REALTIME time real (µs since the epoch): it is
// armed on CLOCK_MONOTONIC for the time left until then, and moved when the clock is set.
func (tt *timerTable) armRealtime(u *Unit, id string, real int64, fire func()) {
	tt.ensureClock()
	tt.put(u, id, &unitTimer{at: tt.monoFor(real), real: real, fire: fire})
}

// monoFor is the CLOCK_MONOTONIC time at which CLOCK_REALTIME reads real, as the clocks stand now.
func (tt *timerTable) monoFor(real int64) time.Duration {
	return now().mono + time.UnixMicro(real).Sub(tt.wall())
}

func (tt *timerTable) put(u *Unit, id string, ut *unitTimer) {
	tt.disarm(u, id)
	ut.t = time.AfterFunc(ut.at-now().mono, func() {
		tt.post(func() {
			if tt.units[u][id] != ut {
				return
			}
			tt.drop(u, id)
			ut.fire()
		})
	})
	if tt.units[u] == nil {
		tt.units[u] = map[string]*unitTimer{}
	}
	tt.units[u][id] = ut
}

// disarm stops u's timer id, if armed.
func (tt *timerTable) disarm(u *Unit, id string) {
	if ut := tt.units[u][id]; ut != nil {
		ut.t.Stop()
		tt.drop(u, id)
	}
}

func (tt *timerTable) drop(u *Unit, id string) {
	delete(tt.units[u], id)
	if len(tt.units[u]) == 0 {
		delete(tt.units, u)
	}
}

// armed reports whether u has a timer armed.
func (tt *timerTable) armed(u *Unit) bool { return len(tt.units[u]) > 0 }

// ids lists u's armed timers, sorted.
func (tt *timerTable) ids(u *Unit) []string {
	var out []string
	for id := range tt.units[u] {
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

// watch makes u hear of clock and time zone changes through tell (watch false: no longer).
func (tt *timerTable) watch(u *Unit, watch bool, tell func(clockwatch.Change)) {
	if !watch {
		delete(tt.watchers, u)
		return
	}
	tt.ensureClock()
	tt.watchers[u] = tell
}

// ensureClock starts the clock watch if it does not run. A watch that cannot start (no timerfd) leaves realtime
// timers armed for the clock as it stands, as before clocks were watched; the next need tries again.
func (tt *timerTable) ensureClock() {
	if tt.clock != nil {
		return
	}
	w, err := tt.startClock(func(c clockwatch.Change) { tt.post(func() { tt.timeChanged(c) }) })
	if err == nil {
		tt.clock = w
	}
}

// timeChanged re-arms every realtime timer for its CLOCK_REALTIME time after the clock was set, then tells the
// watchers, in the order of their names.
func (tt *timerTable) timeChanged(c clockwatch.Change) {
	if c.Clock {
		type moved struct {
			u  *Unit
			id string
			ut *unitTimer
		}
		var realtime []moved // collected first: put changes the maps
		for u, ts := range tt.units {
			for id, ut := range ts {
				if ut.real != 0 {
					realtime = append(realtime, moved{u, id, ut})
				}
			}
		}
		for _, r := range realtime {
			tt.put(r.u, r.id, &unitTimer{at: tt.monoFor(r.ut.real), real: r.ut.real, fire: r.ut.fire})
		}
	}
	us := make([]*Unit, 0, len(tt.watchers))
	for u := range tt.watchers {
		us = append(us, u)
	}
	sort.Slice(us, func(i, j int) bool { return us[i].ID < us[j].ID })
	for _, u := range us {
		tt.watchers[u](c)
	}
}

// armJob arms a job timeout unless one of its kind is armed; fire runs on the loop.
func (tt *timerTable) armJob(k jobTimerKey, d time.Duration, fire func()) {
	if tt.jobs[k] != nil {
		return
	}
	tt.jobs[k] = time.AfterFunc(d, func() {
		tt.post(func() {
			delete(tt.jobs, k)
			fire()
		})
	})
}

// stop stops every timer and the clock watch: the manager is closing.
func (tt *timerTable) stop() {
	for _, ts := range tt.units {
		for _, ut := range ts {
			ut.t.Stop()
		}
	}
	for _, t := range tt.jobs {
		t.Stop()
	}
	clear(tt.units)
	clear(tt.jobs)
	clear(tt.watchers)
	if tt.clock != nil {
		tt.clock.Close()
		tt.clock = nil
	}
}

// armTimer carries out a plugin's ArmTimer: the timer fires as a TimerFired event.
func (m *Manager) armTimer(u *Unit, a *pb.ArmTimer) {
	if a.RealtimeUsec != 0 {
		m.armRealtime(u, a.Id, int64(a.RealtimeUsec))
		return
	}
	m.armTimerAt(u, a.Id, now().mono+time.Duration(a.Usec)*time.Microsecond)
}

// armTimerAt arms u's timer id for the CLOCK_MONOTONIC time at.
func (m *Manager) armTimerAt(u *Unit, id string, at time.Duration) {
	m.timers.arm(u, id, at, func() { m.timerFired(u, id) })
}

// armRealtime arms u's timer id for the CLOCK_REALTIME time real (µs).
func (m *Manager) armRealtime(u *Unit, id string, real int64) {
	m.timers.armRealtime(u, id, real, func() { m.timerFired(u, id) })
}

func (m *Manager) timerFired(u *Unit, id string) {
	if m.watchdogIgnored(u, id) { // options.go
		return
	}
	m.send(u, &pb.Event{Kind: &pb.Event_TimerFired{TimerFired: &pb.TimerFired{Id: id}}})
}

// watchTimeChange carries out a plugin's WatchTimeChange: u gets TimeChanged events.
func (m *Manager) watchTimeChange(u *Unit, watch bool) {
	m.timers.watch(u, watch, func(c clockwatch.Change) {
		m.send(u, &pb.Event{Kind: &pb.Event_TimeChanged{TimeChanged: &pb.TimeChanged{Clock: c.Clock, Timezone: c.Timezone}}})
	})
}
