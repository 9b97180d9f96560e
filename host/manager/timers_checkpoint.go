package manager

import "time"

// timerRecord is the timer table's part of a unit's checkpoint record: each armed timer's deadline.
type timerRecord struct {
	Timers map[string]int64 `json:"timers,omitempty"` // deadline, CLOCK_MONOTONIC ns
}

// save returns u's part.
func (tt *timerTable) save(u *Unit) timerRecord {
	var r timerRecord
	for id, ut := range tt.units[u] {
		if r.Timers == nil {
			r.Timers = map[string]int64{}
		}
		r.Timers[id] = int64(ut.at)
	}
	return r
}

// restore re-arms u's timers for what is left of them (a deadline passed while no core ran fires at once) with
// arm, which knows what a unit timer does when it fires. Job timeouts are armed again with their jobs.
func (tt *timerTable) restore(u *Unit, r timerRecord, arm func(u *Unit, id string, at time.Duration)) {
	for id, at := range r.Timers {
		arm(u, id, time.Duration(at))
	}
}
