package manager

import (
	"sort"
	"time"

	pb "github.com/sysmaster/sysmaster/sdk/proto/sysmaster/plugin/v1"
)

// timerTable owns the timers the core arms: each unit's (a plugin's ArmTimer, which fires as TimerFired) and
// the job timeouts. A timer runs on its own goroutine and posts its firing to the loop, where the table checks
// that it is still the one armed (a timer disarmed or re-armed meanwhile does nothing). It keeps each unit
// timer's deadline (CLOCK_MONOTONIC) so that the checkpoint can re-arm it for what is left
// (timers_checkpoint.go). Only the loop touches it.
type timerTable struct {
	post  func(func())
	units map[*Unit]map[string]*unitTimer
	jobs  map[jobTimerKey]*time.Timer
}

type unitTimer struct {
	t  *time.Timer
	at time.Duration // the deadline, CLOCK_MONOTONIC
}

// jobTimerKey names one armed job timeout: jobs have at most one of each kind.
type jobTimerKey struct {
	id      uint64
	running bool
}

func newTimerTable(post func(func())) timerTable {
	return timerTable{post: post, units: map[*Unit]map[string]*unitTimer{}, jobs: map[jobTimerKey]*time.Timer{}}
}

// arm arms (or re-arms) u's timer id for the CLOCK_MONOTONIC time at (in the past: at once); fire runs on the
// loop.
func (tt *timerTable) arm(u *Unit, id string, at time.Duration, fire func()) {
	tt.disarm(u, id)
	ut := &unitTimer{at: at}
	ut.t = time.AfterFunc(at-now().mono, func() {
		tt.post(func() {
			if tt.units[u][id] != ut {
				return
			}
			tt.drop(u, id)
			fire()
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

// stop stops every timer: the manager is closing.
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
}

// armTimer carries out a plugin's ArmTimer: the timer fires as a TimerFired event.
func (m *Manager) armTimer(u *Unit, a *pb.ArmTimer) {
	d := time.Duration(a.Usec) * time.Microsecond
	if a.RealtimeUsec != 0 {
		d = time.Until(time.UnixMicro(int64(a.RealtimeUsec)))
	}
	m.armTimerAt(u, a.Id, now().mono+d)
}

// armTimerAt arms u's timer id for the CLOCK_MONOTONIC time at.
func (m *Manager) armTimerAt(u *Unit, id string, at time.Duration) {
	m.timers.arm(u, id, at, func() {
		m.send(u, &pb.Event{Kind: &pb.Event_TimerFired{TimerFired: &pb.TimerFired{Id: id}}})
	})
}
