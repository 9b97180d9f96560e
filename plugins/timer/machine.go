package timer

import (
	"fmt"
	"strconv"

	"github.com/sysmaster/sysmaster/sdk"
)

// machine is one event being applied to one timer: systemd's timer state machine (src/core/timer.c in spirit),
// with the timers and the job carried out by the host through actions. Its only outside inputs besides the
// event are in env (clocks, stamps), which tests replace.
type machine struct {
	c   *Config
	s   *State
	u   *sdk.Unit
	env *environ
	// nexts are the elapses of the values computed in this event (0: none), for TimersMonotonic= and
	// TimersCalendar=; nil when none were computed.
	nexts []uint64
}

func newMachine(c *Config, s *State, u *sdk.Unit, env *environ) *machine {
	if s.Sub == "" {
		s.Sub = subDead
	}
	if s.Result == "" {
		s.Result = resSuccess
	}
	return &machine{c: c, s: s, u: u, env: env}
}

func (m *machine) handle(ev *sdk.Event) error {
	switch e := ev.Kind.(type) {
	case *sdk.EventStart:
		m.onStart()
	case *sdk.EventStop:
		if m.s.Sub != subDead && m.s.Sub != subFailed {
			m.enterDead(resSuccess)
		} else {
			m.report()
		}
	case *sdk.EventReload:
		m.report() // nothing to reload: the job is done at once
	case *sdk.EventResetFailed:
		if m.s.Sub == subFailed {
			m.s.Sub = subDead
		}
		m.s.Result = resSuccess
		m.report()
	case *sdk.EventRecover:
		m.onRecover(e)
	case *sdk.EventTimerFired:
		if m.s.Sub == subWaiting && (e.ID == timerMonotonic || e.ID == timerRealtime) {
			m.enterRunning()
		}
	case *sdk.EventUnitChanged:
		m.onUnitChanged(e)
	case *sdk.EventTimeChanged:
		m.onTimeChanged(e)
	case *sdk.EventConfigChanged:
		m.onConfigChanged()
	case *sdk.EventEnqueueFailed:
		if e.Unit == m.c.Unit && m.s.Sub == subRunning {
			m.u.Logf("Failed to queue unit startup job: %s", e.Message)
			m.enterDead(resResources)
		}
	case *sdk.EventKill, *sdk.EventSpawned, *sdk.EventExecuted, *sdk.EventSpawnFailed, *sdk.EventChildExited,
		*sdk.EventNotify, *sdk.EventFdReadable, *sdk.EventFdOpenFailed, *sdk.EventCgroupEmpty,
		*sdk.EventMountChanged, *sdk.EventDeviceChanged, *sdk.EventPathChanged:
		// A timer has no processes, descriptors or devices.
	default:
		return fmt.Errorf("timer: unexpected event %T", ev.Kind)
	}
	return nil
}

func (m *machine) active() bool { return activeOf[m.s.Sub] == sdk.Active }

// onStart is systemd's timer_start: forget the last trigger but for the stamp, re-enable OnActiveSec=, wait.
func (m *machine) onStart() {
	if m.active() {
		m.report()
		return
	}
	m.s.LastReal, m.s.LastMono = 0, 0
	m.s.enable(m.c.Values, onActive)
	if m.c.Persistent {
		m.loadStamp()
	}
	m.s.Result = resSuccess
	m.s.ActivatedMono = 0
	for _, v := range m.c.Values {
		if v.Base == onActive {
			_, m.s.ActivatedMono = m.env.now()
		}
	}
	m.enterWaiting(false)
}

// enterWaiting computes the next elapses and arms them, or leaves the timer elapsed when none is left.
func (m *machine) enterWaiting(timeChange bool) {
	n := m.compute(timeChange)
	if n.mono == 0 && n.real == 0 && !m.c.OnClockChange && !m.c.OnTimezoneChange {
		m.disarm()
		if m.c.RemainAfterElapse || n.leaveAround {
			m.enter(subElapsed)
		} else {
			m.enterDead(resSuccess)
		}
		return
	}
	m.s.NextMono, m.s.NextReal = m.addRandom(n.mono), m.addRandom(n.real)
	if m.s.NextMono != 0 {
		m.u.ArmTimer(timerMonotonic, m.untilMono(coalesce(m.s.NextMono, m.c.AccuracyUSec, m.env.perturb())))
	} else {
		m.u.DisarmTimer(timerMonotonic)
	}
	if m.s.NextReal != 0 {
		m.u.ArmRealtime(timerRealtime, coalesce(m.s.NextReal, m.c.AccuracyUSec, m.env.perturb()))
	} else {
		m.u.DisarmTimer(timerRealtime)
	}
	if !m.s.Watching {
		m.u.WatchTimeChange(true)
		m.s.Watching = true
	}
	m.enter(subWaiting)
}

// untilMono is the span from now to the CLOCK_MONOTONIC time at (ArmTimer counts from now); 1 µs when at has
// passed, since 0 would read as "no monotonic timer".
func (m *machine) untilMono(at uint64) uint64 {
	_, mono := m.env.now()
	if at <= mono {
		return 1
	}
	return at - mono
}

// enterRunning is systemd's timer_enter_running: start the unit, with the activation details, and remember
// when (the stamp too, with Persistent=).
func (m *machine) enterRunning() {
	m.s.LastReal, m.s.LastMono = m.env.now()
	m.u.EnqueueJobEnv(m.c.Unit, "start", "replace", []string{
		"TRIGGER_UNIT=" + m.c.Name,
		"TRIGGER_TIMER_REALTIME_USEC=" + strconv.FormatUint(m.s.LastReal, 10),
		"TRIGGER_TIMER_MONOTONIC_USEC=" + strconv.FormatUint(m.s.LastMono, 10),
	})
	if m.c.Persistent {
		m.touchStamp(m.s.LastReal)
	}
	m.disarm()
	m.enter(subRunning)
}

func (m *machine) enterDead(result string) {
	if m.s.Result == resSuccess {
		m.s.Result = result
	}
	m.disarm()
	if m.s.Watching {
		m.u.WatchTimeChange(false)
		m.s.Watching = false
	}
	if m.s.Result != resSuccess {
		m.enter(subFailed)
	} else {
		m.enter(subDead)
	}
}

// disarm cancels both timers and forgets the next elapses (systemd's timer_set_state for any state but waiting).
func (m *machine) disarm() {
	if m.s.NextMono != 0 || m.s.NextReal != 0 || m.s.Sub == subWaiting {
		m.u.DisarmTimer(timerMonotonic)
		m.u.DisarmTimer(timerRealtime)
	}
	m.s.NextMono, m.s.NextReal = 0, 0
}

// onUnitChanged is systemd's timer_trigger_notify, with the triggered unit's activation and deactivation times
// taken when this timer hears of them.
func (m *machine) onUnitChanged(e *sdk.EventUnitChanged) {
	if e.Unit != m.c.Unit {
		return
	}
	down := e.Active == sdk.Inactive || e.Active == sdk.Failed
	_, mono := m.env.now()
	switch {
	case down && m.s.UnitUp:
		m.s.UnitDownMono = mono
	case !down && !m.s.UnitUp:
		m.s.UnitUpMono = mono
	}
	m.s.UnitUp = !down
	m.s.enable(m.c.Values, onUnitActive, onUnitIdle)
	switch m.s.Sub {
	case subWaiting, subElapsed:
		m.enterWaiting(false)
	case subRunning:
		if down {
			m.enterWaiting(false)
		}
	}
}

// onTimeChanged is systemd's timer_time_change and timer_timezone_change.
func (m *machine) onTimeChanged(e *sdk.EventTimeChanged) {
	if e.Timezone {
		m.env.reloadZone()
	}
	if m.s.Sub != subWaiting {
		return
	}
	real, _ := m.env.now()
	if e.Clock && m.s.LastReal > real {
		// Triggered "in the future": the clock went back. Rewind, so that the elapses after now come again.
		m.s.LastReal = real
	}
	switch {
	case e.Clock && m.c.OnClockChange, e.Timezone && m.c.OnTimezoneChange:
		m.enterRunning()
	case e.Clock && m.s.NextReal != 0 && m.s.NextReal <= real:
		// The clock was set past the calendar elapse the timer waited for: it is due, as in systemd, where
		// the elapse computed again from the timer's start is in the past.
		m.enterRunning()
	default:
		m.enterWaiting(e.Clock)
	}
}

// onConfigChanged is systemd's timer_coldplug after a daemon-reload changed the timer's settings: a waiting or
// elapsed timer computes its elapses again with the new values (from its last trigger, as before the reload); a
// running one does when its unit goes down, as it would have. The values elapsed once are told again from the
// last trigger (their indexes were the old values').
func (m *machine) onConfigChanged() {
	m.s.Disabled = nil
	switch m.s.Sub {
	case subWaiting, subElapsed:
		m.enterWaiting(false)
	default:
		m.report()
	}
}

// onRecover brings the timer in line with what the host holds after a restart: a waiting timer whose timers the
// host lost (or never armed: the plugin died before its actions were applied) computes them again.
func (m *machine) onRecover(e *sdk.EventRecover) {
	if m.s.Sub != subWaiting {
		m.report()
		return
	}
	held := map[string]bool{}
	for _, id := range e.Timers {
		held[id] = true
	}
	if (m.s.NextMono != 0 && !held[timerMonotonic]) || (m.s.NextReal != 0 && !held[timerRealtime]) {
		m.s.Watching = false
		m.enterWaiting(false)
		return
	}
	m.u.WatchTimeChange(true) // the host keeps it; asking again costs nothing and covers an older checkpoint
	m.s.Watching = true
	m.report()
}

func (m *machine) enter(sub string) {
	m.s.Sub = sub
	m.report()
}

// report sets the unit's state with the properties only the running timer knows.
func (m *machine) report() {
	p := m.s.properties()
	if m.nexts != nil {
		p["TimersMonotonic"], p["TimersCalendar"] = m.c.timers(m.nexts)
	}
	m.u.Report(&sdk.StateReport{Active: activeOf[m.s.Sub], Sub: m.s.Sub, Result: m.s.Result, Properties: p})
}
