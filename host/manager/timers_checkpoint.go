package manager

import "time"

// timerRecord is the timer table's part of a unit's checkpoint record: each armed timer's deadline, the
// CLOCK_REALTIME time of the realtime ones, and whether the unit watches clock and time zone changes.
type timerRecord struct {
	Timers    map[string]int64 `json:"timers,omitempty"`   // deadline, CLOCK_MONOTONIC ns
	Realtime  map[string]int64 `json:"realtime,omitempty"` // a realtime timer's time, CLOCK_REALTIME µs
	WatchTime bool             `json:"watch_time,omitempty"`
}

// save returns u's part.
func (tt *timerTable) save(u *Unit) timerRecord {
	var r timerRecord
	for id, ut := range tt.units[u] {
		if r.Timers == nil {
			r.Timers = map[string]int64{}
		}
		r.Timers[id] = int64(ut.at)
		if ut.real != 0 {
			if r.Realtime == nil {
				r.Realtime = map[string]int64{}
			}
			r.Realtime[id] = ut.real
		}
	}
	r.WatchTime = tt.watchers[u] != nil
	return r
}

// timerArming is what the manager does to re-arm a unit's part of the table: the manager knows what a unit
// timer does when it fires and how a unit hears of a time change.
type timerArming struct {
	mono  func(u *Unit, id string, at time.Duration)
	real  func(u *Unit, id string, real int64)
	watch func(u *Unit, watch bool)
}

// restore re-arms u's timers for what is left of them (a deadline passed while no core ran fires at once); a
// realtime timer is armed for its CLOCK_REALTIME time, as the clock reads now. Job timeouts are armed again with
// their jobs.
func (tt *timerTable) restore(u *Unit, r timerRecord, arm timerArming) {
	for id, at := range r.Timers {
		if real, ok := r.Realtime[id]; ok {
			arm.real(u, id, real)
		} else {
			arm.mono(u, id, time.Duration(at))
		}
	}
	if r.WatchTime {
		arm.watch(u, true)
	}
}
