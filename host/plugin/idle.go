package plugin

import (
	"sort"
	"time"
)

// A running plugin that has not been called for the configured idle timeout (Plugins.IdleTimeoutSec) is
// stopped; the next call launches it again. Whether the type's units still need it (one in transition, a job
// running) is the core's to say: the manager calls back (OnIdle) when some plugin may have become idle, the
// core answers with Touch for the types that are busy and StopIdle for the others, then ArmIdle.

// idleTimer wakes the core when some plugin may have become idle. Guarded by Manager.mu.
type idleTimer struct {
	check func()
	timer *time.Timer
	at    time.Time // when the armed timer fires; zero when none is armed
}

func (t *idleTimer) stop() {
	if t.timer != nil {
		t.timer.Stop()
	}
	t.timer, t.at, t.check = nil, time.Time{}, nil
}

// idleDue reports whether a plugin last used at lastUse is idle at now under timeout (zero: never).
func idleDue(lastUse time.Time, timeout time.Duration, now time.Time) bool {
	return timeout > 0 && !now.Before(lastUse.Add(timeout))
}

// OnIdle sets the function called, from a timer's goroutine, when some plugin may have been idle for the
// timeout. It should hand the question to the core's loop and return.
func (m *Manager) OnIdle(check func()) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.idle.check = check
	m.armIdleLocked(time.Now())
}

// ArmIdle arms the idle timer for the earliest deadline of the running plugins.
func (m *Manager) ArmIdle() {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.armIdleLocked(time.Now())
}

// armIdleLocked arms the timer for the earliest idle deadline of the running plugins. A timer already due
// sooner is left alone: uses do not re-arm it, the check that finds a plugin used since does.
func (m *Manager) armIdleLocked(now time.Time) {
	timeout := m.cfg.PluginIdleTimeout
	if timeout <= 0 || m.idle.check == nil {
		return
	}
	var earliest time.Time
	for _, ts := range m.types {
		if ts.cur == nil {
			continue
		}
		if d := ts.lastUse.Add(timeout); earliest.IsZero() || d.Before(earliest) {
			earliest = d
		}
	}
	if earliest.IsZero() || !m.idle.at.IsZero() && !m.idle.at.After(earliest) {
		return
	}
	if m.idle.timer != nil {
		m.idle.timer.Stop()
	}
	m.idle.at = earliest
	m.idle.timer = time.AfterFunc(earliest.Sub(now), func() {
		m.mu.Lock()
		m.idle.at = time.Time{}
		check := m.idle.check
		m.mu.Unlock()
		if check != nil {
			check()
		}
	})
}

// Idle lists, sorted, the types whose plugin runs and has not been called for the idle timeout.
func (m *Manager) Idle() []string {
	m.mu.Lock()
	defer m.mu.Unlock()
	now := time.Now()
	var out []string
	for typ, ts := range m.types {
		if ts.cur != nil && !ts.cur.gone && idleDue(ts.lastUse, m.cfg.PluginIdleTimeout, now) {
			out = append(out, typ)
		}
	}
	sort.Strings(out)
	return out
}

// Touch counts as a call of typ's plugin now: the core's units of the type still need it.
func (m *Manager) Touch(typ string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if ts := m.types[typ]; ts != nil {
		ts.lastUse = time.Now()
	}
}

// StopIdle stops typ's plugin for being idle, unless it was called within the timeout since Idle said so. A
// plugin stopped so shows as idle until it is launched again.
func (m *Manager) StopIdle(typ string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	ts := m.types[typ]
	if ts == nil || ts.cur == nil || !idleDue(ts.lastUse, m.cfg.PluginIdleTimeout, time.Now()) {
		return false
	}
	p := ts.cur
	m.log.Info("plugin idle, stopping it", "type", typ, "pid", p.Pid, "idle_timeout", m.cfg.PluginIdleTimeout)
	m.stopLocked(p)
	ts.idle = true
	return true
}
